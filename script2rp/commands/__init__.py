"""The `script2rp` command line: one module per subcommand, each with `register(sub, common)`
(its arguments) and `run(args) -> exit code`. Library modules hold no argparse code; errors that
stop a command are raised as the exceptions of `script2rp.errors` and reported here, in one line.

Exit codes: see `script2rp.errors` (0 success, 1 some work failed, 2 bad input or usage).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from importlib import import_module

from script2rp import __version__
from script2rp.errors import EXIT_INTERRUPTED, EXIT_OK, exit_code

# In the order `--help` lists them.
COMMANDS = ("tag", "parse", "cast", "build", "check", "push", "export", "chat")


def error(message: str) -> None:
    print(f"script2rp: {message}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="script2rp", description="Turn screenplays into multi-character roleplay "
                                 "training data.")
    ap.add_argument("--version", action="version", version=f"script2rp {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summaries")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        import_module(f"script2rp.commands.{name}").register(sub, common)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    try:
        return args.run(args)
    except KeyboardInterrupt:
        error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `script2rp tag x | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        code = exit_code(exc)
        if code is None:  # a bug: the traceback is the report
            raise
        error(str(exc))
        if getattr(args, "debug", False):
            traceback.print_exc()
        return code

"""The `script2rp` command line.

Exit codes: 0 success, 1 the job ran but some work failed (see the report), 2 bad input
or usage (a file that is not a screenplay, a missing optional dependency).
A bad file prints one line naming it and the reason; `--debug` adds the traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from script2rp import __version__
from script2rp.errors import EngineUnavailable, MissingDependency, ScreenplayError

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT = 0, 1, 2


def _err(msg: str) -> None:
    print(f"script2rp: {msg}", file=sys.stderr)


def iter_inputs(paths: list[str]) -> Iterator[Path]:
    """Files named, and the supported files inside folders named, in a stable order."""
    from script2rp.ingest import SUPPORTED_SUFFIXES

    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and not f.name.startswith("."):
                    yield f
        else:
            yield p


def _per_file(args: argparse.Namespace, work: Callable[[Path], None]) -> int:
    """Run `work` on each input; report bad files by name and carry on."""
    bad = 0
    for path in iter_inputs(args.paths):
        try:
            if not path.exists():
                raise ScreenplayError(str(path), "no such file")
            work(path)
        except (ScreenplayError, MissingDependency) as e:
            bad += 1
            _err(str(e))
            if args.debug:
                traceback.print_exc()
        except (KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as e:  # a reader's own failure on odd input: still one line, then go on
            bad += 1
            detail = " ".join(str(e).split())[:200]
            _err(f"{path}: cannot read ({type(e).__name__}{': ' + detail if detail else ''})")
            if args.debug:
                traceback.print_exc()
    return EXIT_BAD_INPUT if bad else EXIT_OK


def cmd_tag(args: argparse.Namespace) -> int:
    from script2rp.parse import tag_file

    def work(path: Path) -> None:
        _, tagged = tag_file(path, check=True)
        out = sys.stdout
        for t in tagged:
            if args.format == "jsonl":
                out.write(json.dumps({"line": t.index, "type": t.type, "text": t.text}, ensure_ascii=False) + "\n")
            else:
                out.write(f"{t.index:6d} {t.type:13s} {t.text}\n")

    return _per_file(args, work)


def cmd_parse(args: argparse.Namespace) -> int:
    from script2rp.parse import parse_file

    def work(path: Path) -> None:
        sp = parse_file(path, min_scene_lines=args.min_scene_lines, main_threshold=args.main_threshold)
        if args.format == "fountain":
            from script2rp.parse.fountain_writer import to_fountain

            sys.stdout.write(to_fountain(sp))
        else:
            json.dump(_screenplay_json(sp), sys.stdout, ensure_ascii=False, indent=1)
            sys.stdout.write("\n")

    return _per_file(args, work)


def _screenplay_json(sp) -> dict:
    data = dataclasses.asdict(sp)
    for scene, raw in zip(data["scenes"], sp.scenes):
        for el, obj in zip(scene["elements"], raw.elements):
            el["element"] = type(obj).__name__.lower()
    return data


def cmd_cast(args: argparse.Namespace) -> int:
    from script2rp.parse import parse_file

    def work(path: Path) -> None:
        sp = parse_file(path, main_threshold=args.main_threshold)
        if args.format == "json":
            rows = [dataclasses.asdict(c) for c in sp.characters]
            json.dump({"movie": sp.title, "characters": rows, "alias_merges": sp.alias_merges}, sys.stdout, indent=1)
            sys.stdout.write("\n")
            return
        print(f"# {sp.title}: {len(sp.scenes)} scenes, {len(sp.main_characters)} main characters, {len(sp.npcs)} NPCs")
        print(f"{'name':28s} {'blocks':>6s} {'lines':>6s} {'words':>6s} {'scenes':>6s}  role")
        for c in sp.characters:
            print(
                f"{c.name[:28]:28s} {c.dialogue_blocks:6d} {c.dialogue_lines:6d} {c.words:6d} "
                f"{len(c.scenes):6d}  {'main' if c.is_main else 'npc'}"
            )
        for name, spellings in sp.alias_merges.items():
            print(f"merged into {name}: {', '.join(spellings)}")

    return _per_file(args, work)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="script2rp",
        description="Turn screenplays into multi-character roleplay training data.",
    )
    ap.add_argument("--version", action="version", version=f"script2rp {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summaries")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("tag", parents=[common], help="tag every line of a screenplay")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=["jsonl", "text"], default="text")
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("parse", parents=[common], help="print the structured screenplay")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=["json", "fountain"], default="json")
    p.add_argument("--min-scene-lines", type=int, default=None, help="merge shorter scenes into a neighbour")
    p.add_argument("--main-threshold", type=int, default=15, help="dialogue blocks that make a main character")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("cast", parents=[common], help="characters with line counts, main cast vs NPCs")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--main-threshold", type=int, default=15, help="dialogue blocks that make a main character")
    p.set_defaults(func=cmd_cast)

    for register in _EXTRA_COMMANDS:
        register(sub, common)
    return ap


# Later stages (build, push, export, chat) register themselves here.
def _register_build(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from script2rp.build.cli import register

    register(sub, common)


def _register_push(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from script2rp.export.hub import register

    register(sub, common)


def _register_export(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from script2rp.export.convert import register

    register(sub, common)


def _register_chat(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from script2rp.chat import register

    register(sub, common)


_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]] = [
    _register_build,
    _register_push,
    _register_export,
    _register_chat,
]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    try:
        return args.func(args)
    except (ScreenplayError, MissingDependency, EngineUnavailable) as e:
        _err(str(e))
        if getattr(args, "debug", False):
            traceback.print_exc()
        return EXIT_FAILURES if isinstance(e, EngineUnavailable) else EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:  # `script2rp tag x | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK

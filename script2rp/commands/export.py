"""`script2rp export`: a build as ShareGPT/messages JSONL or character cards (see
`script2rp.export.convert`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from script2rp.commands import error
from script2rp.errors import EXIT_FAILURES, EXIT_OK
from script2rp.export.convert import FORMATS


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "export", parents=[common], help="write a build as ShareGPT/messages JSONL or character cards",
        description="Convert a build for other tools: sharegpt or messages JSONL for fine-tuning (one "
        "conversation per scene and user character), Character Card V2/V3 JSON or PNG for RP front ends.",
    )
    p.add_argument("src", type=Path, metavar="DIR", help="the build folder (script2rp build --out DIR)")
    p.add_argument("--to", required=True, choices=FORMATS, help="output format")
    p.add_argument("--out", required=True, type=Path, metavar="DIR2", help="folder to write to")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from script2rp.export.convert import export

    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr)

    _, problems = export(args.src, args.to, args.out, log=log)
    for problem in problems:
        error(problem)
    return EXIT_FAILURES if problems else EXIT_OK

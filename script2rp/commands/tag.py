"""`script2rp tag`: one tag per physical line of each screenplay."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from script2rp.commands.files import per_file


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("tag", parents=[common], help="tag every line of a screenplay")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=["jsonl", "text"], default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from script2rp.parse import tag_file

    def work(path: Path) -> None:
        _, tagged = tag_file(path, check=True)
        out = sys.stdout
        for t in tagged:
            if args.format == "jsonl":
                out.write(json.dumps({"line": t.index, "type": t.type, "text": t.text}, ensure_ascii=False) + "\n")
            else:
                out.write(f"{t.index:6d} {t.type:13s} {t.text}\n")

    return per_file(args, work)

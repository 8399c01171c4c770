"""`script2rp check DIR`: the fidelity report of a build (see `script2rp.export.fidelity`); exits 1
when any row breaks a rule, listing each by config, row id and kind."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from script2rp.errors import EXIT_FAILURES, EXIT_OK, BadInput


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "check", parents=[common], help="check every row of a build for what a trainer needs",
        description="Cards that parse and meet the shape's sizes, no string cut mid-sentence, no nested quotes or "
        "bare fragments, no screenplay notation, an instruction in every instruction input, no input with two "
        "outputs, exact block layout. Exit 1 on any violation.",
    )
    p.add_argument("out", type=Path, metavar="DIR", help="the build folder (script2rp build --out DIR)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from script2rp.export.fidelity import check_build

    if not args.out.is_dir() or not any(args.out.glob("*.parquet")):
        raise BadInput(f"{args.out}: not a script2rp build (no parquet files)")
    result = check_build(args.out)
    if args.format == "json":
        json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for v in result["violations"]:
            print(f"{v['config']}\t{v['id']}\t{v['kind']}\t{v['detail']}")
        if not args.quiet:
            rows = sum(c["rows"] for c in result["configs"].values())
            print(f"{len(result['violations'])} violations in {rows} rows of {len(result['configs'])} configs "
                  f"(shape {result['shape']})" + "".join(f"; {k} x{n}" for k, n in result["violations_by_kind"].items()),
                  file=sys.stderr)
    return EXIT_FAILURES if result["violations"] else EXIT_OK

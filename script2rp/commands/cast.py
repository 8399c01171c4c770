"""`script2rp cast`: the characters of each screenplay with their counts, main cast vs NPCs."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from script2rp.commands.files import per_file
from script2rp.parse.cast import DEFAULT_MAIN_THRESHOLD


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("cast", parents=[common], help="characters with line counts, main cast vs NPCs")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--main-threshold", type=int, default=DEFAULT_MAIN_THRESHOLD,
                   help=f"dialogue blocks that make a main character ({DEFAULT_MAIN_THRESHOLD})")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
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
            print(f"{c.name[:28]:28s} {c.dialogue_blocks:6d} {c.dialogue_lines:6d} {c.words:6d} "
                  f"{len(c.scenes):6d}  {'main' if c.is_main else 'npc'}")
        for name, spellings in sp.alias_merges.items():
            print(f"merged into {name}: {', '.join(spellings)}")

    return per_file(args, work)

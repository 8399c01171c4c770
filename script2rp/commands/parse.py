"""`script2rp parse`: each screenplay's scenes, dialogue blocks and cast, as JSON or Fountain."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from script2rp.commands.files import per_file
from script2rp.model import Screenplay
from script2rp.parse.cast import DEFAULT_MAIN_THRESHOLD


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("parse", parents=[common], help="print the structured screenplay")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=["json", "fountain"], default="json")
    p.add_argument("--min-scene-lines", type=int, default=None, help="merge shorter scenes into a neighbour")
    p.add_argument("--main-threshold", type=int, default=DEFAULT_MAIN_THRESHOLD,
                   help=f"dialogue blocks that make a main character ({DEFAULT_MAIN_THRESHOLD})")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from script2rp.parse import parse_file

    def work(path: Path) -> None:
        sp = parse_file(path, min_scene_lines=args.min_scene_lines, main_threshold=args.main_threshold)
        if args.format == "fountain":
            from script2rp.parse.fountain_writer import to_fountain

            sys.stdout.write(to_fountain(sp))
        else:
            json.dump(screenplay_json(sp), sys.stdout, ensure_ascii=False, indent=1)
            sys.stdout.write("\n")

    return per_file(args, work)


def screenplay_json(sp: Screenplay) -> dict:
    data = dataclasses.asdict(sp)
    for scene, raw in zip(data["scenes"], sp.scenes):
        for el, obj in zip(scene["elements"], raw.elements):
            el["element"] = type(obj).__name__.lower()
    return data

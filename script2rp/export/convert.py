"""`script2rp export DIR --to FORMAT --out DIR2`: a build in the formats other tools read.

- `sharegpt` -> `DIR2/sharegpt.jsonl`, `messages` -> `DIR2/messages.jsonl`: the RP scenes as chat
  conversations, one per (scene, user character) (see `chat_formats.py` for the mapping).
- `chara-card-v2`, `chara-card-v3` -> `DIR2/<movie>--<character>.json`: one card per main character.
- `png` -> `DIR2/<movie>--<character>.png`: the card in the image's `chara` (V2) and `ccv3` (V3) chunks.

Exit codes: 0 done, 1 some items could not be converted (named on stderr), 2 bad input (no build
there, or the build lacks the config the format needs).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from script2rp.export.stats import read_config

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT = 0, 1, 2
FORMATS = ("sharegpt", "messages", "chara-card-v2", "chara-card-v3", "png")


class ExportError(Exception):
    pass


def _rows(src: Path, config: str, fmt: str) -> list[dict]:
    rows = read_config(src, config)
    if not rows:
        have = "no rows in" if (src / f"{config}.parquet").exists() else "no"
        raise ExportError(f"{src}: {have} {config}.parquet, which --to {fmt} is made from; build it with a model "
                          f"(script2rp build ... --backend vllm|openai)")
    return rows


def _write_json(path: Path, obj: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def export(src: Path, fmt: str, dest: Path, log=print) -> tuple[list[Path], list[str]]:
    """Write the files; return (paths written, problems)."""
    from script2rp.export import chara, chat_formats, png

    src, dest = Path(src), Path(dest)
    if not src.is_dir():
        raise ExportError(f"{src}: no such folder")
    if not any(src.glob("*.parquet")):
        raise ExportError(f"{src}: not a script2rp build (no parquet files)")
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    written: list[Path] = []
    problems: list[str] = []
    if fmt in ("sharegpt", "messages"):
        rows = _rows(src, "scene_by_scene", fmt)
        dest.mkdir(parents=True, exist_ok=True)
        convert = chat_formats.to_sharegpt if fmt == "sharegpt" else chat_formats.to_messages
        path = dest / f"{fmt}.jsonl"
        tmp = path.with_name(f".{path.name}.tmp")
        n = 0
        with tmp.open("w", encoding="utf-8") as f:
            for conv in chat_formats.conversations(rows):
                f.write(json.dumps(convert(conv), ensure_ascii=False) + "\n")
                n += 1
        tmp.replace(path)
        written.append(path)
        log(f"{n} conversations from {len(rows)} scenes -> {path}")
        if n == 0:
            problems.append("no scene has a main character who speaks")
        return written, problems
    card_rows = _rows(src, "character_cards", fmt)
    scenes = read_config(src, "scene_by_scene")
    dest.mkdir(parents=True, exist_ok=True)
    for row in card_rows:
        try:
            [(stem, v2)] = chara.cards([row], scenes)
        except Exception as exc:  # a card whose YAML does not load: name it, go on
            problems.append(f"{row['id']}: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}")
            continue
        v3 = chara.card_v3(v2)
        if fmt == "chara-card-v2":
            path = dest / f"{stem}.json"
            _write_json(path, v2)
        elif fmt == "chara-card-v3":
            path = dest / f"{stem}.json"
            _write_json(path, v3)
        else:
            path = dest / f"{stem}.png"
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(png.card_png(v2, v3))
            tmp.replace(path)
        written.append(path)
    log(f"{len(written)} {fmt} cards -> {dest}")
    return written, problems


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "export", parents=[common], help="write a build as ShareGPT/messages JSONL or character cards",
        description="Convert a build for other tools: sharegpt or messages JSONL for fine-tuning (one "
        "conversation per scene and user character), Character Card V2/V3 JSON or PNG for RP front ends.",
    )
    p.add_argument("src", type=Path, metavar="DIR", help="the build folder (script2rp build --out DIR)")
    p.add_argument("--to", required=True, choices=FORMATS, help="output format")
    p.add_argument("--out", required=True, type=Path, metavar="DIR2", help="folder to write to")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr)

    try:
        _, problems = export(args.src, args.to, args.out, log=log)
    except ExportError as exc:
        print(f"script2rp: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for problem in problems:
        print(f"script2rp: {problem}", file=sys.stderr)
    return EXIT_FAILURES if problems else EXIT_OK

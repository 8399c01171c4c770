"""`script2rp export DIR --to FORMAT --out DIR2`: a build in the formats other tools read.

- `sharegpt` -> `DIR2/sharegpt.jsonl`, `messages` -> `DIR2/messages.jsonl`: the RP scenes as chat
  conversations, one per (scene, user character) (see `chat_formats.py` for the mapping).
- `chara-card-v2`, `chara-card-v3` -> `DIR2/<movie>--<character>.json`: one card per main character.
- `png` -> `DIR2/<movie>--<character>.png`: the card in the image's `chara` (V2) and `ccv3` (V3) chunks.

`script2rp export` exits 0 when done, 1 when some items could not be converted (named on stderr),
2 on bad input (no build there, or the build lacks the config the format needs).
"""

from __future__ import annotations

import json
from pathlib import Path

from script2rp.errors import BadInput
from script2rp.export.stats import read_config

FORMATS = ("sharegpt", "messages", "chara-card-v2", "chara-card-v3", "png")


class ExportError(BadInput):
    """No build there, or it lacks the config the format is made from (exit 2)."""


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

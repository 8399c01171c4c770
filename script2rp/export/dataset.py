"""Rows -> `OUT/<config>.parquet` plus the `OUT/README.md` whose YAML front matter declares every
config, so `datasets.load_dataset(OUT, config)` works offline and the folder can be pushed as is.

Each config has a fixed Arrow schema (written even when a config has no rows, so its columns are
known) and every file is written to a temporary name and renamed: a killed build never leaves a
half-written parquet behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

_STR = pa.string()
_PROVENANCE = [
    ("model", _STR),
    ("prompt_version", _STR),
    ("script2rp_version", _STR),
]
_SCENE = [("id", _STR), ("movie", _STR), ("scene_index", pa.int32())]
_CHAR = [("id", _STR), ("movie", _STR), ("character", _STR)]
_PAIR = [("input", _STR), ("output", _STR)]
_TURN = pa.struct([("from", _STR), ("value", _STR)])

SCHEMAS: dict[str, pa.Schema] = {
    "plain_scenes": pa.schema(_SCENE + [("plain_scenes", _STR)] + _PROVENANCE),
    "plain_full_script": pa.schema([("id", _STR), ("movie", _STR), ("plain_full_script", _STR)] + _PROVENANCE),
    "scene_by_scene": pa.schema(_SCENE + [("scene_by_scene", _STR)] + _PROVENANCE),
    "full_script": pa.schema(
        [("id", _STR), ("movie", _STR), ("full_script", _STR), ("missing_scenes", pa.list_(pa.int32()))]
        + _PROVENANCE
    ),
    "character_cards": pa.schema(_CHAR + [("character_cards", _STR)] + _PROVENANCE),
    "scene_enhancement": pa.schema(_SCENE + _PAIR + _PROVENANCE),
    "scene_summary": pa.schema(_SCENE + _PAIR + _PROVENANCE),
    "rp_to_character_card": pa.schema(_CHAR + _PAIR + _PROVENANCE),
    "character_card_reverse_prompt": pa.schema(_CHAR + _PAIR + _PROVENANCE),
    "prompt_to_character_card": pa.schema(_CHAR + _PAIR + _PROVENANCE),
    "memories": pa.schema(_SCENE + [("conversations", pa.list_(_TURN))] + _PROVENANCE),
}
CONFIGS = tuple(SCHEMAS)

# One line per config for the dataset card and the README.
DESCRIPTIONS = {
    "plain_scenes": "each scene rendered as roleplay by rule (no model): narration and `Name: \"...\"` turns",
    "plain_full_script": "the whole script rendered as roleplay by rule, one row per movie",
    "scene_by_scene": "training text per scene: `[characters]` cards + `NPCS:`, `[scenario]`, the RP transcript",
    "full_script": "training text per movie: scenes in order, characters introduced as they first appear",
    "character_cards": "YAML character card per main character (name, characteristics, description, example_dialogue)",
    "scene_enhancement": "screenplay scene (input) -> novel-style RP transcript (output)",
    "scene_summary": "screenplay scene (input) -> 2-5 sentence scenario (output)",
    "rp_to_character_card": "a character's RP turns with an instruction (input) -> their card (output)",
    "character_card_reverse_prompt": "card (input) -> the request that would produce it (output)",
    "prompt_to_character_card": "request (input) -> card (output)",
    "memories": "ShareGPT conversation: RP turns (human) -> long-term memory summary (gpt)",
}


def write_config(out: Path, config: str, rows: Iterable[dict]) -> int:
    schema = SCHEMAS[config]
    rows = list(rows)
    table = pa.Table.from_pylist([{k: row.get(k) for k in schema.names} for row in rows], schema=schema)
    _atomic(out / f"{config}.parquet", lambda tmp: pq.write_table(table, tmp))
    return len(rows)


def write_text(path: Path, text: str) -> None:
    _atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)

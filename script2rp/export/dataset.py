"""Rows -> `OUT/<config>.parquet` plus the `OUT/README.md` whose YAML front matter declares every
config, so `datasets.load_dataset(OUT, config)` works offline and the folder can be pushed as is.

Each config has a fixed Arrow schema, declared by the stage that makes it (written even when a config has no rows, so its columns are
known) and every file is written to a temporary name and renamed: a killed build never leaves a
half-written parquet behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from script2rp.tasks.stage import Config

def write_config(out: Path, config: Config, rows: Iterable[dict]) -> int:
    """Write `OUT/<config>.parquet`; a config without rows gets no file (and loses an old one):
    `datasets` cannot load an empty parquet file, and the Hub's viewer would show the config broken."""
    schema = config.schema
    rows = list(rows)
    path = out / f"{config.name}.parquet"
    if not rows:
        path.unlink(missing_ok=True)
        return 0
    table = pa.Table.from_pylist([{k: row.get(k) for k in schema.names} for row in rows], schema=schema)
    _atomic(path, lambda tmp: pq.write_table(table, tmp))
    return len(rows)


def write_text(path: Path, text: str) -> None:
    _atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)

"""Which files a command works on: the files named, and the supported files inside folders named."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from script2rp.ingest import SUPPORTED_SUFFIXES


def find_inputs(paths: list[str]) -> Iterator[Path]:
    """Files named, and the supported files inside folders named, in a stable order."""
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and not f.name.startswith("."):
                    yield f
        else:
            yield p

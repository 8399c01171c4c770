"""Persistent answer cache, so a re-run never pays twice for the same answer and a killed run
resumes with only the missing requests.

SQLite in WAL mode, one row per request key, each written in its own transaction the moment the
backend hands the answer over: durable as soon as the engine has it (WAL with synchronous=NORMAL
survives a killed process without an fsync per answer), and a reader (another build, a progress
check) never blocks the writer. Only the thread running `Engine.generate` touches the connection;
backend workers never do.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Literal

from .types import Request, Result, SamplingParams

CacheMode = Literal["use", "refresh", "off"]
CACHE_MODES: tuple[CacheMode, ...] = ("use", "refresh", "off")
_KEY_VERSION = 1  # bump when the meaning of an answer changes, to orphan old rows


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: object) -> str:
    return _CANONICAL.encode(value)


# Fields added after the first cache version: left out of keys while at their default, so answers
# cached before they existed still match.
_LATER_FIELDS = {"presence_penalty": 0.0, "frequency_penalty": 0.0, "distinct": ()}


def params_dict(params: SamplingParams) -> dict:
    """Like `dataclasses.asdict`, without its deep copy (and without later fields at their default)."""
    values = {f.name: getattr(params, f.name) for f in fields(params)}
    for name, default in _LATER_FIELDS.items():
        if values[name] == default:
            del values[name]
    return values


def request_keys(kind: str, model: str, requests: Sequence[Request]) -> list[str]:
    """Per request, sha256 of the canonical JSON array
    [{version, backend, model}, sampling params, "prompt" or "messages", the prompt or messages]:
    everything that determines the answer, and not `tag`."""
    head = canonical_json({"v": _KEY_VERSION, "backend": kind, "model": model})
    params_json: dict[int, str] = {}  # a batch shares a few params objects: serialise each once
    keys = []
    for request in requests:
        params = params_json.get(id(request.params))
        if params is None:
            params = params_json[id(request.params)] = canonical_json(params_dict(request.params))
        if request.messages is None:
            content = f'"prompt",{canonical_json(request.prompt)}'
        else:
            content = f'"messages",{canonical_json(request.messages)}'
        keys.append(hashlib.sha256(f"[{head},{params},{content}]".encode()).hexdigest())
    return keys


class Cache:
    """`mode="use"` reads and writes; `"refresh"` only writes (re-asks and replaces answers)."""

    def __init__(self, path: str | os.PathLike, mode: CacheMode = "use"):
        if mode not in ("use", "refresh"):
            raise ValueError(f"cache mode must be 'use' or 'refresh' here, got {mode!r}")
        self.path = Path(path)
        self.mode = mode
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: survives process crashes
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS answers"
            " (key TEXT PRIMARY KEY, result TEXT NOT NULL, created REAL NOT NULL)"
        )

    def get_many(self, keys: Iterable[str]) -> dict[str, Result]:
        if self.mode != "use":
            return {}
        found: dict[str, Result] = {}
        keys = list(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, result FROM answers WHERE key IN ({marks})", chunk
            )
            for key, blob in rows:
                found[key] = Result(**json.loads(blob), cached=True)
        return found

    def put_many(self, answers: Sequence[tuple[str, Result]]) -> None:
        """Store answers. Callers never store errors, so a re-run asks for those again."""
        now = time.time()
        rows = [
            (key, canonical_json({
                "texts": result.texts,
                "finish_reasons": result.finish_reasons,
                "prompt_tokens": result.prompt_tokens,
                "completion_tokens": result.completion_tokens,
            }), now)
            for key, result in answers
        ]
        self._db.executemany(  # autocommit: each row is its own (cheap, in WAL mode) transaction
            "INSERT OR REPLACE INTO answers (key, result, created) VALUES (?, ?, ?)", rows
        )

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        self._db.close()

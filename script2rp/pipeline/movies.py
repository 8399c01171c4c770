"""Input files -> `Movie`s: parse every file (in parallel processes, or on Ray), report the bad
ones by name, and keep one copy of a screenplay given in several formats."""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from tqdm import tqdm

from script2rp.errors import ScreenplayError
from script2rp.ingest.inputs import find_inputs
from script2rp.model import Movie, Screenplay


@dataclass
class Parsed:
    movies: list[Movie] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)  # every input file: path, status, reason or movie id


def parse_one(args: tuple[str, int, int | None]) -> Screenplay | str:
    """Parse one file in a worker process; a bad file comes back as its one-line reason."""
    from script2rp.parse import parse_file

    path, main_threshold, min_scene_lines = args
    try:
        return parse_file(path, main_threshold=main_threshold, min_scene_lines=min_scene_lines)
    except ScreenplayError as exc:
        return exc.reason
    except Exception as exc:  # a parser bug on one file must not stop a corpus build
        return f"parser error: {type(exc).__name__}: {exc}"


def parse_inputs(paths_or_dirs: list[str], *, main_threshold: int, min_scene_lines: int | None, workers: int,
                 max_scripts: int | None, quiet: bool, fan_out: Callable | None = None) -> Parsed:
    """`fan_out(parse_one, args, bar)`: parses elsewhere (on Ray); default: local processes."""
    paths = [str(p) for p in find_inputs(paths_or_dirs)]
    if not paths:
        raise ScreenplayError(", ".join(paths_or_dirs), "no screenplay files found")
    args = [(p, main_threshold, min_scene_lines) for p in paths]
    bar = tqdm(total=len(paths), desc="parse", unit="script", disable=quiet, file=sys.stderr)
    workers = workers or os.cpu_count() or 1
    if fan_out is not None:
        results = fan_out(parse_one, args, bar)
    elif workers > 1 and len(paths) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(paths))) as pool:
            results = []
            for r in pool.map(parse_one, args, chunksize=1):
                results.append(r)
                bar.update()
    else:
        results = []
        for a in args:
            results.append(parse_one(a))
            bar.update()
    bar.close()
    return _movies(paths, results, max_scripts)


def _movies(paths: list[str], results: list[Screenplay | str], max_scripts: int | None) -> Parsed:
    parsed = Parsed()
    taken: set[str] = set()
    twins = Twins()
    for path, result in zip(paths, results):
        if isinstance(result, str):
            print(f"script2rp: {path}: {result}", file=sys.stderr)  # even with --quiet
            parsed.inputs.append({"path": path, "status": "bad", "reason": result})
            continue
        fingerprint = speech_fingerprint(result)
        twin = twins.find(fingerprint) if fingerprint else None
        if twin:
            parsed.inputs.append({"path": path, "status": "duplicate", "reason": f"same screenplay as {twin}"})
            continue
        if max_scripts is not None and len(parsed.movies) >= max_scripts:
            parsed.inputs.append({"path": path, "status": "skipped", "reason": "--max-scripts reached"})
            continue
        twins.add(fingerprint, path)
        movie = Movie.of(result, path, taken)
        parsed.movies.append(movie)
        parsed.inputs.append({"path": path, "status": "ok", "movie": movie.id})
    return parsed


def speech_fingerprint(sp: Screenplay) -> frozenset:
    return frozenset(
        (d.speaker, " ".join(d.text.lower().split())[:60]) for s in sp.scenes for d in s.dialogues
    )


class Twins:
    """Finds an earlier input with (nearly) the same speeches: one screenplay in two formats.

    Candidates come from an index of a few sampled speeches, so a corpus of thousands of
    scripts is not compared pair by pair.
    """

    def __init__(self, threshold: float = 0.9, sample: int = 16):
        self.threshold, self.sample = threshold, sample
        self.index: dict[tuple, list[tuple[frozenset, str]]] = {}

    def _sketch(self, fingerprint: frozenset) -> list[tuple]:
        return sorted(fingerprint, key=lambda item: zlib.crc32(repr(item).encode()))[: self.sample]

    def find(self, fingerprint: frozenset) -> str | None:
        seen: set[str] = set()
        for item in self._sketch(fingerprint):
            for other, path in self.index.get(item, ()):
                if path in seen:
                    continue
                seen.add(path)
                if len(fingerprint & other) / max(len(fingerprint), len(other)) >= self.threshold:
                    return path
        return None

    def add(self, fingerprint: frozenset, path: str) -> None:
        for item in self._sketch(fingerprint):
            self.index.setdefault(item, []).append((fingerprint, path))

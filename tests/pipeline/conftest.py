"""Fixtures for whole-build tests: the hand-written harbour screenplay with its recorded good
answers, a rule-writing OpenAI-compatible server, and helpers that run the real CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from .rp_server import RPServer

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parents[2]
SAIL_DEV = REPO.parent / "shared" / "bench" / "sail-dev" / "screenplays"


@pytest.fixture
def harbour() -> Path:
    return FIXTURES / "harbour.fountain"


def answers_jsonl(path: Path, answers: dict[str, str]) -> Path:
    """Replay records keyed by request tag (stage:job id), from a mapping of tag -> answer."""
    with path.open("w", encoding="utf-8") as f:
        for tag, text in answers.items():
            f.write(json.dumps({"tag": tag, "text": text}) + "\n")
    return path


@pytest.fixture
def good_answers() -> dict[str, str]:
    return yaml.safe_load((FIXTURES / "harbour-answers.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def rp_server() -> Iterator[RPServer]:
    server = RPServer()
    yield server
    server.close()


def run_cli(*args: object, check_rc: int | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """The real `script2rp` command in a subprocess, as users run it."""
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    proc = subprocess.run(
        [sys.executable, "-m", "script2rp", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO,
    )
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stderr[-3000:]
    return proc


def read_rows(out: Path) -> dict[str, list[dict]]:
    """Every config's rows, sorted by id."""
    return {
        p.stem: sorted(pq.read_table(p).to_pylist(), key=lambda r: r["id"])
        for p in sorted(out.glob("*.parquet"))
    }


def report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def assert_accounted(out: Path) -> None:
    """Every scene has its rows or a failure in each scene config, every main character a card
    or a failure: nothing is dropped silently."""
    rep, rows = report(out), read_rows(out)
    failed = {(f["stage"], f["id"]) for f in rep["failures"]}
    failed_prefix = {stage: [i for s, i in failed if s == stage] for stage, _ in failed}
    for movie in rep["movies"]:
        for config, stage in (("scene_enhancement", "scene_enhancement"), ("scene_summary", "scene_summary"),
                              ("scene_by_scene", "scene_by_scene")):
            have = {r["scene_index"] for r in rows.get(config, []) if r["id"].startswith(movie["id"] + "/")}
            for index in range(movie["scenes"]):
                sid = f"{movie['id']}/scene-{index:04d}"
                assert index in have or any(i.startswith(sid) for i in failed_prefix.get(stage, [])), (config, sid)
        cards = {r["id"] for r in rows.get("character_cards", [])}
        for name in movie["main_characters"]:
            cid = f"{movie['id']}/character-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            assert cid in cards or ("character_card", cid) in failed, cid


@pytest.fixture(scope="session")
def embedded_model() -> Path:
    """The embedded SmolLM2-135M GGUF; skips where llama.cpp or the model is not installed."""
    pytest.importorskip("llama_cpp", reason="make install-llamacpp")
    from script2rp.errors import MissingDependency
    from script2rp.llm.embedded import default_model_path

    try:
        return default_model_path()
    except MissingDependency as exc:
        pytest.skip(str(exc))

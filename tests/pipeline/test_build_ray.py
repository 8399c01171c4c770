"""`--engine ray`: the same dataset as the local engine, a dead replica loses and duplicates
nothing, a re-run makes no calls, a killed job's shards are not asked again, and a missing Ray or
a replica that cannot start fails fast with a clear message."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import importlib.util

import pytest

from tests.pipeline.conftest import FIXTURES, REPO, answers_jsonl, read_rows, report, run_cli
from tests.pipeline.rp_server import RPServer

pytestmark = pytest.mark.ray
needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="needs Ray: pip install 'script2rp[ray]' (make install-ray)")

INPUTS = [FIXTURES / "harbour.fountain", REPO / "data" / "lighthouse.fountain"]
FAST_RETRY = ("--engine-opt", "backoff=0.05", "--engine-opt", "max_backoff=0.5", "--timeout", 10)
RAY = ("--engine", "ray", "--replicas", 2)


def replay_build(out: Path, replay: Path, *extra: object, rc: int = 0):
    return run_cli("build", FIXTURES / "harbour.fountain", "--out", out, "--backend", "replay", "--replay", replay,
                   "--main-threshold", 2, "-q", *extra, check_rc=rc)


def openai_args(server: RPServer, out: Path, *extra: object) -> list:
    return ["build", *INPUTS, "--out", out, "--backend", "openai", "--base-url", server.base_url,
            "--main-threshold", 2, "--concurrency", 4, *FAST_RETRY, "-q", *extra]


def cli(*args: object, **env: str) -> subprocess.CompletedProcess:
    """`run_cli` with extra environment; batches of 2 requests, so that even these small stages
    are spread over both replicas, with several batches in flight on each."""
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"} | {"SCRIPT2RP_RAY_BATCH_SIZE": "2",
                                                                           "PYTHONPATH": str(REPO)} | env
    return subprocess.run([sys.executable, "-m", "script2rp", *map(str, args)],
                          capture_output=True, text=True, timeout=600, env=env, cwd=REPO)


def assert_unique_ids(rows: dict[str, list[dict]]) -> None:
    for config, config_rows in rows.items():
        assert len({r["id"] for r in config_rows}) == len(config_rows), config


@needs_ray
@pytest.mark.slow
def test_replay_ray_builds_the_same_dataset_and_reruns_without_calls(tmp_path, good_answers):
    replay = answers_jsonl(tmp_path / "a.jsonl", good_answers)
    local, ray = tmp_path / "local", tmp_path / "ray"
    replay_build(local, replay)
    replay_build(ray, replay, *RAY)
    assert read_rows(ray) == read_rows(local)
    rep = report(ray)
    assert rep["failures"] == [] and rep["rows"] == report(local)["rows"]
    llm = rep["llm"]
    assert llm["calls"] == report(local)["llm"]["calls"] == 10 and llm["failures"] == 0
    assert len(llm["replicas"]) == 2  # one entry per replica
    assert sum(r["requests"] for r in llm["replicas"]) == llm["calls"]
    # Every answer reached the driver's cache; no shard is left over.
    assert not list((ray / ".script2rp" / "ray-shards").glob("*.jsonl"))

    replay_build(ray, replay, *RAY)
    again = report(ray)["llm"]
    assert again["calls"] == 0 and again["hits"] == again["requests"] == 10
    assert read_rows(ray) == read_rows(local)


@needs_ray
@pytest.mark.slow
def test_openai_ray_build_equals_local_build(tmp_path):
    # Wrong answers (re-asked with new seeds) and injected HTTP faults (retried) on both engines:
    # the rule server answers by prompt and seed, so both builds must get the same rows.
    server = RPServer(latency=0.02, fault_rate=0.1, bad_rate=0.1)
    try:
        local, ray = tmp_path / "local", tmp_path / "ray"
        assert run_cli(*openai_args(server, local)).returncode in (0, 1)
        proc = cli(*openai_args(server, ray, *RAY))
        assert proc.returncode in (0, 1), proc.stderr[-3000:]
        rows = read_rows(ray)
        assert rows == read_rows(local)
        assert_unique_ids(rows)
        rep, ref = report(ray), report(local)
        assert [m["id"] for m in rep["movies"]] == [m["id"] for m in ref["movies"]]
        assert rep["rows"] == ref["rows"]
        assert sorted((f["stage"], f["id"]) for f in rep["failures"]) == \
            sorted((f["stage"], f["id"]) for f in ref["failures"])
        assert rep["llm"]["calls"] == ref["llm"]["calls"] > 20
        assert rep["llm"]["completion_tokens"] == ref["llm"]["completion_tokens"]
        assert rep["model"] == "rule-writer"
        replicas = rep["llm"]["replicas"]
        assert len(replicas) == 2 and all(r["requests"] > 0 for r in replicas)  # both did work
        assert all(r["tokens_per_s"] for r in replicas)
    finally:
        server.close()


@needs_ray
@pytest.mark.slow
def test_a_killed_replica_loses_and_duplicates_nothing_and_a_rerun_makes_no_calls(tmp_path):
    server = RPServer(latency=0.05)
    try:
        local, ray = tmp_path / "local", tmp_path / "ray"
        assert run_cli(*openai_args(server, local)).returncode in (0, 1)
        marker = tmp_path / "crashed"
        proc = cli(*openai_args(server, ray, *RAY, "--backend", "tests.pipeline.crashing_backend:CrashOnce"),
                   SCRIPT2RP_TEST_CRASH_AFTER="5", SCRIPT2RP_TEST_CRASH_MARKER=str(marker))
        assert proc.returncode in (0, 1), proc.stderr[-3000:]
        assert marker.exists(), "no replica was killed"  # one actor died with os._exit(1) mid-batch
        rows = read_rows(ray)
        assert rows == read_rows(local)
        assert_unique_ids(rows)
        assert report(ray)["llm"]["calls"] == report(local)["llm"]["calls"]

        assert cli(*openai_args(server, ray, *RAY)).returncode in (0, 1)
        assert report(ray)["llm"]["calls"] == 0
        assert read_rows(ray) == read_rows(local)
    finally:
        server.close()


@needs_ray
@pytest.mark.slow
def test_answers_left_in_shards_by_a_killed_job_are_not_asked_again(tmp_path, good_answers):
    replay = answers_jsonl(tmp_path / "a.jsonl", good_answers)
    out = tmp_path / "out"
    replay_build(out, replay, *RAY)
    # Stage what a killed job leaves behind: answers in a replica's shard, none in the cache.
    state = out / ".script2rp"
    with sqlite3.connect(state / "llm-cache.sqlite") as db:
        rows = db.execute("SELECT key, result FROM answers").fetchall()
        db.execute("DELETE FROM answers")
    assert len(rows) == 10
    shard = state / "ray-shards" / "node-1-dead.jsonl"
    shard.write_text("".join(f'{{"key": "{k}", "result": {r}}}\n' for k, r in rows) + '{"key": "cut', "utf-8")
    replay_build(out, replay, *RAY)
    llm = report(out)["llm"]
    assert llm["calls"] == 0 and llm["hits"] == 10
    assert not shard.exists()


@needs_ray
@pytest.mark.slow
def test_a_replica_that_cannot_start_fails_fast_with_the_reason(tmp_path):
    start = time.monotonic()
    proc = run_cli("build", FIXTURES / "harbour.fountain", "--out", tmp_path / "out", "--backend", "replay",
                   "--replay", tmp_path / "missing.jsonl", "--main-threshold", 2, "-q", *RAY)
    assert proc.returncode == 1  # the job could not run (Ray logs the actor errors above our line)
    assert "no replica can start on Ray" in proc.stderr
    assert "missing.jsonl" in proc.stderr.splitlines()[-1]
    assert time.monotonic() - start < 120


def test_without_ray_engine_ray_says_how_to_install_it(tmp_path):
    fake = tmp_path / "fake"
    (fake / "ray").mkdir(parents=True)
    (fake / "ray" / "__init__.py").write_text("raise ImportError('No module named ray')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake), str(REPO)])}
    proc = subprocess.run(
        [sys.executable, "-m", "script2rp", "build", FIXTURES / "harbour.fountain", "--out", tmp_path / "out",
         "--backend", "none", "--engine", "ray", "-q"],
        capture_output=True, text=True, timeout=120, env=env, cwd=REPO)
    assert proc.returncode == 2, proc.stderr
    assert "pip install 'script2rp[ray]'" in proc.stderr


@needs_ray
@pytest.mark.slow
def test_each_replica_loads_its_model_once_per_build(tmp_path, good_answers):
    replay = answers_jsonl(tmp_path / "a.jsonl", good_answers)
    opens = tmp_path / "opens.log"
    proc = cli("build", FIXTURES / "harbour.fountain", "--out", tmp_path / "out", "--backend",
               "tests.pipeline.counting_backend:CountOpens", "--replay", replay, "--main-threshold", 2, "-q",
               *RAY, SCRIPT2RP_TEST_OPENS=str(opens))
    assert proc.returncode == 0, proc.stderr[-3000:]
    # Five model stages, two replicas: each replica opened its backend once, for the whole build.
    assert report(tmp_path / "out")["llm"]["calls"] == 10
    assert len(opens.read_text().split()) == 2

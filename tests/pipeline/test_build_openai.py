"""Whole builds through the OpenAI-compatible client against a real HTTP server on 127.0.0.1 with
latency and injected faults: nothing lost, nothing duplicated, and `kill -9` resumes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from .conftest import FIXTURES, REPO, SAIL_DEV, assert_accounted, read_rows, report, run_cli
from .rp_server import FAULTS, RPServer

FAST_RETRY = ("--engine-opt", "backoff=0.05", "--engine-opt", "max_backoff=0.5", "--timeout", 10)


@pytest.mark.skipif(not SAIL_DEV.is_dir(), reason="needs ../shared/bench/sail-dev")
def test_dev_screenplays_through_a_flaky_server_account_for_everything(tmp_path):
    server = RPServer(latency=0.01, fault_rate=0.1, bad_rate=0.1)
    try:
        out = tmp_path / "out"
        proc = run_cli("build", SAIL_DEV, "--out", out, "--backend", "openai", "--base-url", server.base_url,
                       *FAST_RETRY, "-q")
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
        rep = report(out)
        assert len(rep["movies"]) == 13 and all(i["status"] == "ok" for i in rep["inputs"])
        # Every injected fault was retried away: no request ended in an error.
        assert set(server.faults) == set(FAULTS) and sum(server.faults.values()) > 100
        assert rep["llm"]["failures"] == 0
        assert not [f for f in rep["failures"] if f["reason"].startswith("error")]
        assert_accounted(out)
        rows = read_rows(out)
        for config, config_rows in rows.items():
            assert config_rows, config
            assert len({r["id"] for r in config_rows}) == len(config_rows), config
        assert rep["llm"]["model"] if "model" in rep["llm"] else rep["model"] == "rule-writer"
    finally:
        server.close()


def _cached(out) -> int:
    path = out / ".script2rp" / "llm-cache.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT count(*) FROM answers").fetchone()[0]
    except sqlite3.OperationalError:  # created but no table yet
        return 0


def test_kill_9_then_rerun_equals_an_uninterrupted_build(tmp_path):
    inputs = [FIXTURES / "harbour.fountain", REPO / "data" / "lighthouse.fountain"]
    server = RPServer(latency=0.15, fault_rate=0.1)
    try:
        def args(out):
            return ["build", *inputs, "--out", out, "--backend", "openai", "--base-url", server.base_url,
                    "--main-threshold", 2, "--concurrency", 2, *FAST_RETRY, "-q"]

        whole = tmp_path / "whole"
        assert run_cli(*args(whole)).returncode in (0, 1)  # the rule writer fails a few validators
        total = report(whole)["llm"]["calls"]

        killed = tmp_path / "killed"
        proc = subprocess.Popen([sys.executable, "-m", "script2rp", *map(str, args(killed))], cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while _cached(killed) < 8 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the build finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kept = _cached(killed)
        assert 8 <= kept < total
        assert not (killed / "report.json").exists()  # outputs are written only at the end

        assert run_cli(*args(killed)).returncode in (0, 1)
        resumed = report(killed)["llm"]
        assert resumed["hits"] >= kept and resumed["calls"] == total - kept
        assert read_rows(killed) == read_rows(whole)

        assert run_cli(*args(killed)).returncode in (0, 1)
        assert report(killed)["llm"]["calls"] == 0
        assert read_rows(killed) == read_rows(whole)
    finally:
        server.close()


def test_long_scenes_are_sent_in_parts_and_joined_in_order(tmp_path, harbour, rp_server):
    out = tmp_path / "out"
    run_cli("build", harbour, "--out", out, "--backend", "openai", "--base-url", rp_server.base_url,
            "--main-threshold", 2, "--max-scene-chars", 200, "--configs", "scene_enhancement", "-q", check_rc=0)
    rep, rows = report(out), read_rows(out)
    assert rep["llm"]["calls"] > 4  # two scenes, several parts each
    loft = rows["scene_enhancement"][0]["output"]
    speeches = ["The boat's back. Nobody drowned.", "You say that like it's news.",
                "It is news. Last week it wasn't true.", "Did you sell the catch?",
                "Half of it. The other half is in my boots."]
    positions = [loft.index(s) for s in speeches]
    assert positions == sorted(positions)
    assert all(loft.count(s) == 1 for s in speeches)  # the context overlap is not repeated

"""Whole builds through the OpenAI-compatible client against a real HTTP server on 127.0.0.1 with
latency and injected faults: nothing lost, nothing duplicated, and `kill -9` resumes."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from .conftest import FIXTURES, REPO, SAIL_DEV, assert_accounted, harbour, read_rows, report, run_cli  # noqa: F401
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
        assert rep["check"]["violations_by_kind"] == {}, rep["check"]["violations"][:5]  # what gets in is clean
    finally:
        server.close()


@pytest.mark.skipif(not SAIL_DEV.is_dir(), reason="needs ../shared/bench/sail-dev")
def test_dev_screenplays_with_answers_at_the_largest_sizes_pass_check(tmp_path):
    # --structured: every answer is JSON of the request's schema, every list and string at the
    # largest size the cinematika shape allows (12 traits of 200 characters, 2,000-character
    # descriptions, 400-character narration...).
    server = RPServer()
    try:
        out = tmp_path / "out"
        proc = run_cli("build", SAIL_DEV, "--out", out, "--backend", "openai", "--base-url", server.base_url,
                       "--structured", *FAST_RETRY, "-q")
        rep = report(out)
        assert proc.returncode == 0, (proc.stderr[-2000:], rep["failures"][:5])
        assert rep["check"]["violations"] == [] and sum(c["rows"] for c in rep["check"]["configs"].values()) > 5000
        assert all(n for config, n in rep["rows"].items() if config != "director")
        card = read_rows(out)["character_cards"][0]["character_cards"]
        assert card.count("\n  ") >= 12  # one plain line per trait, the most the shape allows
    finally:
        server.close()


def test_defects_are_caught_and_check_names_each_one(tmp_path, harbour):
    # A server that answers with cut strings, quotes inside quotes and bare fragments: the
    # validators refuse each (and say which), so none reaches a row; re-asks get clean answers.
    server = RPServer(defect_rate=0.4)
    try:
        out = tmp_path / "out"
        inputs = [harbour, REPO / "data" / "lighthouse.fountain"]
        run_cli("build", *inputs, "--out", out, "--backend", "openai", "--base-url", server.base_url,
                "--main-threshold", 2, "--attempts", 6, *FAST_RETRY, "-q")
        rep = report(out)
        asked_again_for = " ".join(rep["llm"]["answer_tokens"])
        for kind in ("nested quotes", "fragment", "mid-sentence"):
            assert kind in asked_again_for, rep["llm"]["answer_tokens"]
        assert rep["check"]["violations"] == []
    finally:
        server.close()
    # The same defects written into the rows afterwards: `script2rp check` names each by row id.
    rows = read_rows(out)
    scene = rows["scene_by_scene"][0]
    scene["scene_by_scene"] = scene["scene_by_scene"].replace("[/scenario]\n\n", "[/scenario]\n\nMara\n\n", 1)
    enhancement = rows["scene_enhancement"][0]
    enhancement["output"] = enhancement["output"].replace(': "', ': ""', 1)
    card = rows["character_cards"][0]
    card["character_cards"] = re.sub(r"(characteristics:\n  [^:]+: [^\n]*?)\.\n", r"\1 and th\n",
                                     card["character_cards"], count=1)
    summary = rows["scene_summary"][0]
    summary["input"] = summary["input"].split("\n\n", 1)[1]  # the instruction gone
    for config in ("scene_by_scene", "scene_enhancement", "character_cards", "scene_summary"):
        pq.write_table(pa.Table.from_pylist(rows[config], schema=pq.read_schema(out / f"{config}.parquet")),
                       out / f"{config}.parquet")
    proc = run_cli("check", out, check_rc=1)
    found = {tuple(line.split("\t")[:3]) for line in proc.stdout.splitlines()}
    assert ("scene_by_scene", scene["id"], "fragment") in found
    assert ("scene_enhancement", enhancement["id"], "nested quotes") in found
    assert ("character_cards", card["id"], "cut string") in found
    assert ("scene_summary", summary["id"], "no instruction") in found


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

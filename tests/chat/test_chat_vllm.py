"""`script2rp chat` against the tiny random-weight vLLM model (tests/llm/tiny_model.py): served by
vLLM's own OpenAI-compatible server on 127.0.0.1, and loaded in-process. The replies are gibberish;
what is checked is the loop: prompts in, replies out, stop strings, trimming to the context, /retry."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.llm.tiny_model import build_tiny_model, serve

from .conftest import MARA_CARD, REPO

pytestmark = [pytest.mark.vllm, pytest.mark.slow]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    pytest.importorskip("vllm", reason="install vLLM's CPU build: make install-vllm")
    return build_tiny_model(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def vllm_server(tiny_model: Path, tmp_path_factory) -> Iterator[str]:
    with serve(tiny_model, tmp_path_factory.mktemp("vllm-chat") / "server.log") as base_url:
        yield base_url


def chat(*args: object, stdin: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "script2rp", "chat", *map(str, args)], input=stdin,
                          capture_output=True, text=True, cwd=REPO, timeout=timeout,
                          env={k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"})


def _turns(stdout: str) -> list[str]:
    return [p for p in stdout.split("\n\n") if p.strip()]


def test_chat_over_the_vllm_server(vllm_server, tmp_path):
    card = tmp_path / "mara.yaml"
    card.write_text(MARA_CARD)
    lines = [f'"Is the lamp lit, Mara? This is question {i}, asked again and again."' for i in range(20)]
    stdin = "\n".join(lines[:1] + ["/retry"] + lines[1:]) + "\n/save " + str(tmp_path / "s.txt") + "\n/quit\n"
    proc = chat("--card", card, "--scenario", "The lamp room at night.", "--user", "Tobias", "--as", "Mara",
                "--base-url", vllm_server, "--max-tokens", 24, "--temperature", 1.0, "--color", "never", stdin=stdin)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "context 1024 tokens" in proc.stderr  # asked from the server's /models
    shown = _turns(proc.stdout)
    user_turns = [t for t in shown if t.startswith("Tobias: ")]
    replies = [t for t in shown if t.startswith("Mara: ")]
    assert len(user_turns) == 20 and len(replies) >= 21  # every line answered, plus the retry
    assert all("Tobias: " not in t for t in replies)  # the stop strings cut the user's turn
    assert "oldest turns were trimmed" in proc.stderr  # 20 long turns do not fit in 1,024 tokens
    saved = (tmp_path / "s.txt").read_text()
    assert saved.startswith("[characters]\nname: Mara\n") and "[scenario]\nThe lamp room at night.\n[/scenario]" in saved
    assert lines[-1] in saved and lines[0] not in saved


def test_chat_with_in_process_vllm(tiny_model, tmp_path):
    card = tmp_path / "mara.yaml"
    card.write_text(MARA_CARD)
    proc = chat("--card", card, "--user", "Tobias", "--as", "Mara", "--backend", "vllm", "--model", tiny_model,
                "--engine-opt", "dtype=float32", "--engine-opt", "max_model_len=512", "--engine-opt", "enforce_eager=true",
                "--engine-opt", "gpu_memory_utilization=0.2", "--max-tokens", 16, "-q", "--color", "never",
                stdin="".join(f'"Question {i}: is the lamp lit tonight, keeper of the light?"\n' for i in range(12)))
    assert proc.returncode == 0, proc.stderr[-3000:]
    replies = [t for t in _turns(proc.stdout) if t.startswith("Mara: ")]
    assert len(replies) == 12

"""`script2rp chat --backend llamacpp` with the embedded SmolLM2-135M-Instruct, driven over stdin: the
laptop route of the cinematika model card (LM Studio + GGUF) without a server. The replies of a 135M
model are weak; what is checked is the loop: every line answered as --as, the user's turn cut by the
stop strings, /retry, trimming to a small context, /save."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import MARA_CARD, REPO

pytestmark = [pytest.mark.llamacpp, pytest.mark.slow, pytest.mark.usefixtures("embedded_model")]


def test_chat_with_the_embedded_model(tmp_path):
    card = tmp_path / "mara.yaml"
    card.write_text(MARA_CARD)
    lines = [f'"Is the lamp lit, Mara? This is question {i}, asked again and again."' for i in range(12)]
    stdin = "\n".join(lines[:1] + ["/retry"] + lines[1:]) + "\n/save " + str(tmp_path / "s.txt") + "\n/quit\n"
    proc = subprocess.run(
        [sys.executable, "-m", "script2rp", "chat", "--card", str(card), "--scenario", "The lamp room at night.",
         "--user", "Tobias", "--as", "Mara", "--backend", "llamacpp", "--engine-opt", "n_ctx=512",
         "--max-tokens", "24", "--temperature", "1.0", "--color", "never"],
        input=stdin, capture_output=True, text=True, cwd=REPO, timeout=600,
        env={k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "context 512 tokens" in proc.stderr  # from the llama.cpp context, not the 4096 fallback
    shown = [p for p in proc.stdout.split("\n\n") if p.strip()]
    user_turns = [t for t in shown if t.startswith("Tobias: ")]
    replies = [t for t in shown if t.startswith("Mara: ")]
    assert len(user_turns) == 12 and len(replies) >= 13  # every line answered, plus the retry
    assert all("Tobias: " not in t for t in replies)
    assert "oldest turns were trimmed" in proc.stderr  # 12 long turns do not fit in 512 tokens
    saved = (tmp_path / "s.txt").read_text()
    assert saved.startswith("[characters]\nname: Mara\n")
    assert lines[-1] in saved and lines[0] not in saved

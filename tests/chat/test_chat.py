"""`script2rp chat` driven over stdin, end to end against a local OpenAI-compatible server: the
cinematika prompt, stop strings for the user's turn, /retry, /save, context trimming, colours."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from .chat_server import ChatServer
from .conftest import REPO, run_cli


@pytest.fixture
def server() -> Iterator[ChatServer]:
    s = ChatServer()
    yield s
    s.close()


@pytest.fixture
def cards(harbour_build: Path, tmp_path: Path) -> dict[str, Path]:
    out = {}
    for row in pq.read_table(harbour_build / "character_cards.parquet").to_pylist():
        path = tmp_path / f"{row['character'].lower()}.yaml"
        path.write_text(row["character_cards"], encoding="utf-8")
        out[row["character"]] = path
    return out


def chat(*args: object, stdin: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "script2rp", "chat", *map(str, args)], input=stdin,
                          capture_output=True, text=True, cwd=REPO, timeout=timeout,
                          env={k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"})


SCENARIO = "Dawn in the net loft. Owen comes home soaked; Iris is mending nets."


def test_chat_round_trip(server, cards, tmp_path):
    scenario = tmp_path / "scenario.txt"
    scenario.write_text(SCENARIO + "\n")
    stdin = "\"The boat's back.\"\n/retry\n*grins* \"Nobody drowned.\"\n/save " + str(tmp_path / "s.txt") + \
        "\n/save " + str(tmp_path / "s.json") + "\n/quit\nnever sent\n"
    proc = chat("--card", cards["Owen"], "--card", cards["Iris"], "--scenario", scenario, "--npc", "Harbourmaster",
                "--user", "Owen", "--as", "Iris", "--base-url", server.base_url, "--max-tokens", 64,
                "--color", "never", stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    bodies = server.bodies
    assert len(bodies) == 3  # first reply, its retry, second reply; nothing after /quit
    first = bodies[0]["prompt"]
    header = first.split("[/scenario]\n\n")[0]
    assert header.startswith("[characters]\nname: Owen\n") and "\n\nname: Iris\n" in header
    assert header.endswith(f"NPCS:\n- Harbourmaster\n[/characters]\n\n[scenario]\n{SCENARIO}\n")
    assert first.endswith("[/scenario]\n\nOwen: \"The boat's back.\"\n\nIris:")
    assert all(b["stop"] == ["\nOwen: ", "Owen: "] for b in bodies)
    assert bodies[0]["max_tokens"] == 64 and bodies[0]["model"] == "fake-rp"
    # /retry asks the same prompt again with another seed.
    assert bodies[1]["prompt"] == first and bodies[1]["seed"] != bodies[0]["seed"]
    # The retried reply (2) replaced reply 1 in the history; the NPC's turn is kept, the user's cut.
    second = bodies[2]["prompt"]
    assert 'Iris: "Reply 2." She smiles.\n\nHarbourmaster: "Move along, you two."\n\nOwen: *grins* "Nobody drowned."\n\nIris:' in second
    assert "Reply 1." not in second and "must be cut" not in second
    # What the user sees: their lines and the replies, speakers named.
    shown = proc.stdout
    assert 'Iris: "Reply 1." She smiles.\n\nHarbourmaster: "Move along, you two."' in shown
    assert 'Iris: "Reply 3."' in shown and "must be cut" not in shown and "never sent" not in shown
    assert "\033[" not in shown
    saved = (tmp_path / "s.txt").read_text()
    assert saved.startswith("[characters]\n") and saved.rstrip().endswith('Harbourmaster: "Move along, you two."')
    assert "Reply 3." in saved and "Reply 1." not in saved
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["user"] == "Owen" and data["as"] == "Iris" and len(data["turns"]) == 4


def test_history_is_trimmed_to_fit_the_context(cards, tmp_path):
    small = ChatServer(context=1800)  # about 7,200 characters; the two cards take about 3,700
    try:
        lines = "".join(f'"Line number {i}, which takes a bit of room in the prompt, and then some more room again, and more, so that twelve of them do not fit beside the two cards of the harbour build."\n' for i in range(12))
        proc = chat("--card", cards["Owen"], "--card", cards["Iris"], "--user", "Owen", "--as", "Iris",
                    "--base-url", small.base_url, "--max-tokens", 48, "--color", "never", stdin=lines)
    finally:
        small.close()
    assert proc.returncode == 0, proc.stderr
    answered = [b for b in small.bodies if "rejected" not in b]
    assert len(answered) == 12
    last = answered[-1]["prompt"]
    assert last.startswith("[characters]\nname: Owen\n")  # the cards always stay
    assert "Line number 11" in last and "Line number 0," not in last  # the oldest turns went first
    assert len(last) // 4 + 1 + 48 <= 1800
    assert "oldest turns were trimmed" in proc.stderr


def test_colours_and_cards_from_exports(server, harbour_build, tmp_path):
    run_cli("export", harbour_build, "--to", "png", "--out", tmp_path / "png", "-q", check_rc=0)
    run_cli("export", harbour_build, "--to", "chara-card-v3", "--out", tmp_path / "v3", "-q", check_rc=0)
    proc = chat("--card", tmp_path / "png" / "low-tide-at-pell-harbour--owen.png",
                "--card", tmp_path / "v3" / "low-tide-at-pell-harbour--iris.json",
                "--user", "Owen", "--base-url", server.base_url, "--color", "always", "-q", stdin="Hello.\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    prompt = server.bodies[0]["prompt"]
    assert prompt.startswith("[characters]\nname: Owen\ncharacteristics:\n  Cheerful: ")
    assert "example_dialogue: |\n  Owen: He shakes the sea out of his hair. \"The boat's back" in prompt
    assert "\n\nname: Iris\n" in prompt and prompt.endswith("Owen: Hello.\n\nIris:")  # --as: the other card
    assert "\033[1m" in proc.stdout and "Iris\033[0m: " in proc.stdout
    assert '\033[97m"Reply 1."\033[0m' in proc.stdout  # quoted speech coloured


def test_chat_errors(server, cards, tmp_path):
    proc = chat("--card", tmp_path / "none.yaml", "--user", "Owen", "--base-url", server.base_url, stdin="")
    assert proc.returncode == 2 and "no such card file" in proc.stderr
    proc = chat("--card", cards["Owen"], "--user", "Owen", "--as", "Iris", stdin="")
    assert proc.returncode == 2 and "--base-url" in proc.stderr
    proc = chat("--card", cards["Owen"], "--user", "Owen", "--base-url", server.base_url, stdin="")
    assert proc.returncode == 2 and "--as" in proc.stderr
    proc = chat("--user", "Owen", stdin="")
    assert proc.returncode == 2  # argparse: --card is required
    down = ChatServer()
    url = down.base_url
    down.close()
    proc = chat("--card", cards["Owen"], "--user", "Owen", "--as", "Iris", "--base-url", url, "--model", "m",
                "--context", 4096, "--timeout", 2, stdin="Hi.\n")
    assert proc.returncode == 1 and "the model failed" in proc.stderr

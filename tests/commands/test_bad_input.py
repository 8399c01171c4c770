"""Bad input through the real command line (`script2rp tag|parse|cast FILE` in a
subprocess): each bad file prints exactly one line to stderr naming the file and the
reason, the exit status is 2 and there is no traceback; `--debug` adds the traceback;
with several files the bad ones are reported and the good ones still processed.

The bad files are made at test time: an encrypted PDF and an image-only PDF with fpdf2
(a real PDF writer), binary noise, novel prose, truncated Final Draft XML.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data"
SAMPLE = DATA / "lighthouse.txt"

_SCRIPT = Path(sys.executable).with_name("script2rp")  # the console script of this venv
COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "script2rp"]

NOVEL = (
    "The rain had not stopped for three days, and the river below the mill had risen "
    "until it licked at the lowest stones of the wall. Martha watched it from the kitchen "
    "window with her hands folded in her apron, thinking of her brother, who had gone "
    "down to the town on Tuesday and had not come back.\n\n"
    "She did not light the lamp. The dark suited her mood, and besides, the oil was "
    "nearly gone, and there would be no more until the roads were passable again.\n\n"
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=120, env=env)


def _pdf(path: Path, *, password: str | None = None, text: bool = True) -> Path:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    if password:
        pdf.set_encryption(owner_password="owner-" + password, user_password=password)
    pdf.add_page()
    pdf.set_font("Courier", size=12)
    if text:
        for line in ("INT. KITCHEN - NIGHT", "", "                    MARA", "          Who is there?"):
            pdf.cell(0, 6, line)
            pdf.ln()
    else:  # a scanned page: only an image, no text layer
        pdf.set_fill_color(40, 40, 40)
        pdf.rect(20, 20, 170, 240, style="F")
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """name -> (file, a word the reason must contain)."""
    d = tmp_path_factory.mktemp("bad")
    empty = d / "empty.txt"
    empty.write_bytes(b"")
    blank = d / "blank.txt"
    blank.write_text("\n\n   \n\t\n")
    binary = d / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    novel = d / "novel.txt"
    novel.write_text(NOVEL * 20)
    fdx = d / "broken.fdx"
    fdx.write_text('<?xml version="1.0"?>\n<FinalDraft DocumentType="Script"><Content>'
                   '<Paragraph Type="Character"><Text>MARA</Text></Paragraph><Paragraph Type="Dia')
    return {
        "empty": (empty, "empty"),
        "blank": (blank, "empty"),
        "binary": (binary, "binary"),
        "novel": (novel, "screenplay"),
        "malformed fdx": (fdx, "malformed"),
        "encrypted pdf": (_pdf(d / "locked.pdf", password="secret"), "encrypted"),
        "image-only pdf": (_pdf(d / "scan.pdf", text=False), "text layer"),
    }


CASES = ["empty", "blank", "binary", "novel", "malformed fdx", "encrypted pdf", "image-only pdf"]


@pytest.mark.parametrize("command", ["tag", "parse", "cast"])
@pytest.mark.parametrize("case", CASES)
def test_bad_file_one_line_exit_2(bad_files, case, command):
    path, reason = bad_files[case]
    r = run(command, str(path))
    assert r.returncode == 2, (case, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert str(path) in lines[0] and reason in lines[0].lower(), lines[0]
    assert "Traceback" not in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("case", ["novel", "encrypted pdf", "malformed fdx"])
def test_debug_adds_the_traceback(bad_files, case):
    path, reason = bad_files[case]
    r = run("parse", str(path), "--debug")
    assert r.returncode == 2
    assert "Traceback" in r.stderr and str(path) in r.stderr.splitlines()[0]


def test_missing_file(tmp_path):
    r = run("cast", str(tmp_path / "nope.txt"))
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [f"script2rp: {tmp_path / 'nope.txt'}: no such file"]


def test_several_files_report_the_bad_and_process_the_good(bad_files):
    bad_a, _ = bad_files["encrypted pdf"]
    bad_b, _ = bad_files["novel"]
    r = run("tag", str(bad_a), str(SAMPLE), str(bad_b), "--format", "jsonl")
    assert r.returncode == 2
    err = r.stderr.strip().splitlines()
    assert len(err) == 2 and str(bad_a) in err[0] and str(bad_b) in err[1]
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == len(SAMPLE.read_text(encoding="utf-8").splitlines())  # the good file, every line
    assert {row["type"] for row in rows} >= {"scene_heading", "character", "dialogue"}

    r = run("cast", str(bad_b), str(SAMPLE))
    assert r.returncode == 2 and "MARA" in r.stdout and len(r.stderr.strip().splitlines()) == 1

    r = run("parse", str(SAMPLE), str(bad_a), "--format", "json")
    assert r.returncode == 2 and json.loads(r.stdout)["scenes"]


def test_good_files_exit_0():
    for command in ("tag", "parse", "cast"):
        r = run(command, str(SAMPLE))
        assert r.returncode == 0 and r.stderr == "", (command, r.stderr)

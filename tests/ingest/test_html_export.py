"""Screenplay HTML exported by screenwriting tools: read by the element classes each
exporter writes (screenplain, fountain.js and its kin, one-class-per-paragraph exports
such as Celtx), every line typed; a page that is no screenplay is still refused in one
line. The pages here are small originals written in each exporter's markup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from script2rp.errors import ScreenplayError
from script2rp.ingest import load
from script2rp.parse import parse_file

# screenplain (`screenplain -f html`): full page, CSS, h6 slugs with scene numbers in spans.
SCREENPLAIN = """<!DOCTYPE html>
<html><head><title>Screenplay</title><style type="text/css">.dialog { margin: 1em }</style></head>
<body><div id="wrapper" class="screenplay">
<h2>Act One</h2>
<h6><span class="scnuml">1</span>INT. NET LOFT - NIGHT<span class="scnumr">1</span></h6>
<div class="action"><p>Rain on the slates.<br/>The lamp gutters.</p></div>
<div class="dialog"><p class="character">IRIS (V.O.)</p><p class="parenthetical">(low)</p><p>Mend it before the tide.</p></div>
<div class="dual"><div class="left"><p class="character">DIRK</p><p>Ring the bell&mdash;</p></div><div class="right"><p class="character">TODD</p><p>What the hell&mdash;</p></div><br /></div>
<div class="action centered"><p>THE HARBOUR</p></div>
<div class="transition">SMASH CUT TO:</div>
<h6>EXT. QUAY - DAWN</h6>
<div class="dialog"><p class="character">TODD</p><p>Morning, <strong>Iris</strong>.</p><p class="parenthetical">(beat)</p><p>Anyone?</p></div>
</div></body></html>
"""

# fountain.js and the previews built on it: title page fields, h3/h2, div.dialogue with an h4 cue.
FOUNTAIN_JS = """<html><head><title>Pell Harbour</title></head><body>
<div id="script" class="us-letter dpi72">
<div class="title-page page">
<p class="title">PELL HARBOUR</p><p class="credit">written by</p><p class="author">A. Writer</p>
<p class="draft-date">1 May</p><p class="contact">a@example.org</p>
</div>
<div class="page">
<h2>FADE IN:</h2>
<h3 id="1">EXT. GULL ROCK - DAY</h3>
<p>Gulls wheel over the rock.</p>
<div class="dialogue"><h4>MARA</h4><p class="parenthetical">(shouting)</p><p>Tobias!<br>Over here!</p></div>
<div class="dual-dialogue">
<div class="dialogue left"><h4>TOBIAS</h4><p>Coming.</p></div>
<div class="dialogue right"><h4>FERRYMAN</h4><p>Not in this swell.</p></div>
</div>
<p class="centered">THE END</p>
<p class="section" data-depth="1">Act two</p>
<hr />
<h2>CUT TO:</h2>
</div></div></body></html>
"""

# One paragraph per element, the type as its class (Celtx's script HTML; other spellings too).
FLAT = """<html><body>
<p class="sceneheading">INT. CHANDLERY - DAY</p>
<p class="action">Ropes hang from <span class="cast">IRIS</span>'s hands.</p>
<p class="character">IRIS</p>
<p class="parenthetical">(counting)</p>
<p class="dialog">Three fathoms.</p>
<p class="dialog">Four.</p>
<p class="Character">HARBOURMASTER</p>
<p class="Dialogue">You owe me mooring.</p>
<p class="transition">CUT TO:</p>
<p class="scene-heading">EXT. QUAY - NIGHT</p>
<p class="shot">CLOSE ON the ledger.</p>
</body></html>
"""

ARTICLE = """<!DOCTYPE html><html><head><title>Ten tips for writers</title></head><body>
<article class="post"><h1 class="title">Ten tips</h1>
<p class="lead">Writing every day is the single most useful habit a writer can build, and it costs nothing.</p>
<p>Read widely. Read outside your genre. Keep a notebook for the lines you overhear on the bus.</p>
<h2>Revision</h2><p>Cut the first paragraph; the story usually starts in the second one.</p>
</article></body></html>
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def typed(form) -> list[tuple[str, str]]:
    return [(tag, line.strip()) for line, tag in zip(form.lines, form.tags) if tag != "blank"]


def speeches(path: Path) -> list[tuple[str, str, list[str], bool]]:
    sp = parse_file(path, min_scene_lines=0)
    return [(d.speaker, d.text, d.parentheticals, d.dual) for s in sp.scenes for d in s.dialogues]


def test_screenplain_page_is_read_by_its_classes(tmp_path):
    f = load(write(tmp_path, "s.html", SCREENPLAIN))
    assert f.format == "html" and f.title is None  # screenplain's <title> is always "Screenplay"
    assert typed(f) == [
        ("note", "Act One"),
        ("scene_heading", "INT. NET LOFT - NIGHT"),  # scene numbers are not heading text
        ("action", "Rain on the slates."),
        ("action", "The lamp gutters."),
        ("character", "IRIS (V.O.)"),
        ("parenthetical", "(low)"),
        ("dialogue", "Mend it before the tide."),
        ("character", "DIRK"),
        ("dialogue", "Ring the bell\u2014"),
        ("character", "TODD"),
        ("dialogue", "What the hell\u2014"),
        ("centered", "THE HARBOUR"),
        ("transition", "SMASH CUT TO:"),
        ("scene_heading", "EXT. QUAY - DAWN"),
        ("character", "TODD"),
        ("dialogue", "Morning, Iris."),
        ("parenthetical", "(beat)"),
        ("dialogue", "Anyone?"),
    ]
    assert [f.lines[i].strip() for i in f.dual] == ["TODD"]
    assert speeches(tmp_path / "s.html") == [
        ("IRIS", "Mend it before the tide.", ["low"], False),
        ("DIRK", "Ring the bell\u2014", [], True),
        ("TODD", "What the hell\u2014", [], True),
        ("TODD", "Morning, Iris. Anyone?", ["beat"], False),
    ]


def test_fountain_js_page_title_page_and_tag_rules(tmp_path):
    f = load(write(tmp_path, "s.htm", FOUNTAIN_JS))
    assert f.title == "PELL HARBOUR"
    assert typed(f) == [
        ("title_page", "PELL HARBOUR"),
        ("title_page", "written by"),
        ("title_page", "A. Writer"),
        ("title_page", "1 May"),
        ("title_page", "a@example.org"),
        ("transition", "FADE IN:"),
        ("scene_heading", "EXT. GULL ROCK - DAY"),
        ("action", "Gulls wheel over the rock."),
        ("character", "MARA"),
        ("parenthetical", "(shouting)"),
        ("dialogue", "Tobias!"),
        ("dialogue", "Over here!"),
        ("character", "TOBIAS"),
        ("dialogue", "Coming."),
        ("character", "FERRYMAN"),
        ("dialogue", "Not in this swell."),
        ("centered", "THE END"),
        ("note", "Act two"),
        ("page_marker", ""),
        ("transition", "CUT TO:"),
    ]
    assert [f.lines[i].strip() for i in f.dual] == ["FERRYMAN"]
    assert [s[:2] for s in speeches(tmp_path / "s.htm")] == [
        ("MARA", "Tobias! Over here!"),
        ("TOBIAS", "Coming."),
        ("FERRYMAN", "Not in this swell."),
    ]


def test_one_class_per_paragraph_in_any_spelling(tmp_path):
    f = load(write(tmp_path, "s.html", FLAT))
    assert typed(f) == [
        ("scene_heading", "INT. CHANDLERY - DAY"),
        ("action", "Ropes hang from IRIS's hands."),
        ("character", "IRIS"),
        ("parenthetical", "(counting)"),
        ("dialogue", "Three fathoms."),
        ("dialogue", "Four."),
        ("character", "HARBOURMASTER"),
        ("dialogue", "You owe me mooring."),
        ("transition", "CUT TO:"),
        ("scene_heading", "EXT. QUAY - NIGHT"),
        ("shot", "CLOSE ON the ledger."),
    ]
    assert [s[:2] for s in speeches(tmp_path / "s.html")] == [
        ("IRIS", "Three fathoms. Four."),
        ("HARBOURMASTER", "You owe me mooring."),
    ]


def test_the_sample_imsdb_page_is_still_read_as_text():
    f = load(Path(__file__).resolve().parents[2] / "data" / "lighthouse.html")
    assert f.tags is None and any(ln.strip() == "MARA" for ln in f.lines)


def test_an_article_is_not_a_screenplay(tmp_path):
    p = write(tmp_path, "tips.html", ARTICLE)
    assert load(p).tags is None  # no cue with speech in its classes: text to tag
    with pytest.raises(ScreenplayError, match="does not look like a screenplay"):
        parse_file(p)
    script = Path(sys.executable).with_name("script2rp")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "script2rp"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    r = subprocess.run([*command, "parse", str(p)], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip().count("\n") == 0 and str(p) in r.stderr

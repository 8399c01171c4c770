"""Fountain reader: the spec, the faults of other readers, the rendered layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from script2rp.ingest import fountain, load
from script2rp.model import LINE_TYPES


def parse(src: str):
    return fountain.parse_text(src)


def pairs(src: str) -> list[tuple[str, str]]:
    """(tag, stripped text) of the non-blank lines."""
    f = parse(src)
    return [(t, ln.strip()) for ln, t in zip(f.lines, f.tags) if t != "blank"]


def tag_of(src: str, text: str) -> str:
    hits = [t for t, s in pairs(src) if s == text]
    assert hits, f"{text!r} not in {pairs(src)}"
    return hits[0]


# --- title page --------------------------------------------------------------------


def test_title_page_fields_and_tags():
    f = parse(
        "Title: _**BRICK & STEEL**_\n    FULL RETIRED\nCredit: Written by\nAuthor: Stu\n"
        "Contact:\n    Next Level\n    555-1234\nDraft date: 1/20/2012\n\nINT. HOUSE - DAY\n\nHe sits.\n"
    )
    assert f.title == "BRICK & STEEL FULL RETIRED"
    assert f.metadata == {
        "credit": "Written by",
        "author": "Stu",
        "contact": "Next Level\n555-1234",
        "draft date": "1/20/2012",
    }
    first_body = f.tags.index("scene_heading")
    assert set(f.tags[:first_body]) <= {"title_page", "blank", "page_marker"}
    assert [ln.strip() for ln, t in zip(f.lines, f.tags) if t == "title_page"][:2] == ["BRICK & STEEL", "FULL RETIRED"]
    assert f.format == "fountain"


def test_no_title_page_when_first_line_is_not_a_title_key():
    f = parse("FADE IN:\n\nINT. HOUSE - DAY\n")
    assert f.title is None and "title_page" not in f.tags


# --- scene headings ------------------------------------------------------------------


@pytest.mark.parametrize(
    "heading",
    ["INT. HOUSE - DAY", "EXT. BEACH - NIGHT", "EST. CITY - DAWN", "INT./EXT. CAR - DAY", "I/E CAR - DAY",
     "int. kitchen - night", "INT HOUSE - DAY"],
)
def test_scene_heading_keywords(heading):
    assert tag_of(f"Action.\n\n{heading}\n\nMore.\n", heading.upper()) == "scene_heading"


def test_forced_heading_and_scene_number_removed():
    f = parse("\n.SNIPER SCOPE POV #12A#\n\nHe aims.\n")
    assert (f.lines[0], f.tags[0]) == ("SNIPER SCOPE POV", "scene_heading")
    assert tag_of("\nINT. HOUSE - DAY #1#\n\nHe sits.\n", "INT. HOUSE - DAY") == "scene_heading"


def test_ellipsis_and_heading_without_blank_before_are_action():
    assert tag_of("\n...and then nothing.\n", "...and then nothing.") == "action"
    assert tag_of("He walks.\nINT. is what he says.\n", "INT. is what he says.") == "action"


# --- character cues ------------------------------------------------------------------


@pytest.mark.parametrize(
    "cue", ["JOHN (V.O.)", "MARY (O.S.)", "JOHN (CONT'D)", "GUARD #2", "R2D2", "HANS (on the radio)", "MR. O'NEIL"]
)
def test_cues_with_extensions_and_numbers(cue):
    src = f"He waits.\n\n{cue}\nHello.\n"
    assert tag_of(src, cue) == "character"  # the extension stays in the line; the parser splits it off
    assert tag_of(src, "Hello.") == "dialogue"


def test_numbers_and_punctuation_alone_are_not_cues():
    assert tag_of("\n1984\nThe year it began.\n", "1984") == "action"
    assert tag_of("\n--- !!!\nNoise.\n", "--- !!!") == "action"


def test_caps_line_followed_by_blank_is_action():
    assert tag_of("\nBANG!\n\nThe door flies open.\n", "BANG!") == "action"


def test_forced_cue_keeps_case_without_at_sign():
    assert pairs("\n@McCLANE\nYippee.\n") == [("character", "McCLANE"), ("dialogue", "Yippee.")]


def test_dual_dialogue_marks_second_cue():
    f = parse("\nBRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.\n")
    cues = [i for i, t in enumerate(f.tags) if t == "character"]
    assert f.dual == {cues[1]}
    assert f.lines[cues[1]].strip() == "STEEL"


def test_dialogue_block_parenthetical_lyrics_and_two_space_line():
    src = "\nMARA\n(quietly)\nFirst line.\n  \nStill talking.\n~A sung line,\n~another.\n\nAction again.\n"
    assert pairs(src) == [
        ("character", "MARA"),
        ("parenthetical", "(quietly)"),
        ("dialogue", "First line."),
        ("dialogue", "Still talking."),
        ("lyrics", "A sung line,"),
        ("lyrics", "another."),
        ("action", "Action again."),
    ]


def test_standalone_lyrics_and_forced_action():
    assert pairs("\n~Willy Wonka, Willy Wonka\n\n!SCANNING THE AISLES\nWhere is it?\n") == [
        ("lyrics", "Willy Wonka, Willy Wonka"),
        ("action", "SCANNING THE AISLES"),
        ("action", "Where is it?"),
    ]


# --- transitions, centred, page breaks, notes, sections --------------------------------


def test_transitions_and_centered():
    src = "He runs.\n\nCUT TO:\n\n>Burn to white.\n\n> THE END <\n\nSMASH CUT TO:\n"
    assert pairs(src) == [
        ("action", "He runs."),
        ("transition", "CUT TO:"),
        ("transition", "Burn to white."),
        ("centered", "THE END"),
        ("transition", "SMASH CUT TO:"),
    ]


def test_page_break_sections_synopses_and_notes():
    src = "# ACT ONE\n\n= The hero wakes.\n\nHe wakes. [[fix this]] He yawns.\n\n[[A note alone]]\n\n===\n\nMorning.\n"
    assert pairs(src) == [
        ("note", "ACT ONE"),
        ("note", "The hero wakes."),
        ("action", "He wakes. He yawns."),
        ("note", "A note alone"),
        ("page_marker", ""),
        ("action", "Morning."),
    ]


def test_note_across_lines_is_removed_from_text():
    assert pairs("\nHe sits. [[this note\ngoes on]] And waits.\n") == [("action", "He sits. And waits.")]


def test_boneyard_inline_does_not_swallow_the_rest():
    src = "\nHe sits. /* cut this */ He waits.\n\nJOHN\nHi /* x */ there.\n\nThe end.\n"
    assert pairs(src) == [
        ("action", "He sits. He waits."),
        ("character", "JOHN"),
        ("dialogue", "Hi there."),
        ("action", "The end."),
    ]


def test_boneyard_across_lines_and_unclosed():
    assert pairs("\nKept.\n\n/*\nINT. GONE - DAY\n\nGone.\n*/\n\nAlso kept.\n") == [
        ("action", "Kept."),
        ("action", "Also kept."),
    ]
    assert pairs("\nHe types /* and never closes it.\n\nNext.\n")[-1] == ("action", "Next.")


# --- emphasis --------------------------------------------------------------------------


def test_emphasis_stripped_and_escapes_kept():
    src = "\n*italic* **bold** ***both*** _under_ _**mixed**_ \\*literal\\* 2 * 3 snake_case_name\n"
    assert pairs(src) == [("action", "italic bold both under mixed *literal* 2 * 3 snake_case_name")]


def test_emphasis_runs_styles():
    assert fountain.emphasis_runs("a *b* **c** ***d*** _e_ \\*f") == [
        ("a ", ""),
        ("b", "Italic"),
        (" ", ""),
        ("c", "Bold"),
        (" ", ""),
        ("d", "Bold+Italic"),
        (" ", ""),
        ("e", "Underline"),
        (" *f", ""),
    ]


# --- layout ----------------------------------------------------------------------------


def indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def test_rendered_layout_columns_and_blanks():
    f = parse("int. house - day\n\nShe waits.\n\nJOHN (V.O.)\n(softly)\nHello.\n\nCUT TO:\n\n>THE END<\n")
    by_tag = {t: ln for ln, t in zip(f.lines, f.tags) if t != "blank"}
    assert by_tag["scene_heading"] == "INT. HOUSE - DAY"
    assert indent(by_tag["action"]) == 0
    assert by_tag["character"] == " " * 22 + "JOHN (V.O.)"
    assert indent(by_tag["parenthetical"]) == 16
    assert indent(by_tag["dialogue"]) == 10
    assert indent(by_tag["transition"]) == 45
    assert by_tag["centered"].strip() == "THE END" and 24 <= indent(by_tag["centered"]) <= 28
    assert f.tags == ["scene_heading", "blank", "action", "blank", "character", "parenthetical", "dialogue",
                      "blank", "transition", "blank", "centered"]
    assert all(ln == "" for ln, t in zip(f.lines, f.tags) if t == "blank")


def test_action_paragraph_lines_stay_together():
    f = parse("\nLine one.\nLine two.\n\nNext paragraph.\n")
    assert f.tags == ["action", "action", "blank", "action"]


def test_crlf_tabs_and_bom_in_file(tmp_path: Path):
    p = tmp_path / "s.fountain"
    p.write_bytes("\ufeffINT. HOUSE - DAY\r\n\r\nJOHN\r\n\tHello.\r\n".encode("utf-8"))
    f = load(p)
    assert [(t, ln.strip()) for ln, t in zip(f.lines, f.tags) if t != "blank"] == [
        ("scene_heading", "INT. HOUSE - DAY"),
        ("character", "JOHN"),
        ("dialogue", "Hello."),
    ]
    assert f.source == str(p) and f.format == "fountain"


# --- never raises ----------------------------------------------------------------------

_TOKENS = st.sampled_from(
    ["INT. HOUSE - DAY", "JOHN", "JOHN ^", "@bob", "(beat)", "Hello.", "", "", "  ", "CUT TO:", "> x <", ">", "<",
     "~la", "!ACT", "[[", "]]", "[[n]]", "/*", "*/", "===", "#", "=", "*", "**", "_", "\\*", "Title: T", "    x",
     ".", ".X", "#1#", "\t", "\r", "\f", "\u00a0", "^", "@", "1984"]
)


def _check(f) -> None:
    assert len(f.tags) == len(f.lines)
    assert set(f.tags) <= set(LINE_TYPES)
    assert all(f.tags[i] == "character" for i in f.dual)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_text_never_raises_on_any_text(s):
    _check(fountain.parse_text(s))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_TOKENS, max_size=4).map(" ".join), max_size=30).map("\n".join))
def test_parse_text_never_raises_on_fountain_like_text(s):
    _check(fountain.parse_text(s))

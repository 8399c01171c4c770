"""Tagged lines -> scenes and elements, with hand-built tagged lines for every rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from script2rp.model import Action, Dialogue, TaggedLine, TextForm, Transition
from script2rp.parse.structure import (
    DEFAULT_MIN_SCENE_LINES,
    build_screenplay,
    clean_heading,
    is_screenplay,
    join_lines,
)

DATA = Path(__file__).resolve().parents[2] / "data"


def tagged(*rows: tuple[str, str]) -> list[TaggedLine]:
    return [TaggedLine(i, t, text) for i, (t, text) in enumerate(rows)]


def build(rows, *, dual=(), source="<test>", title=None, min_scene_lines=0, **kw):
    lines = tagged(*rows)
    form = TextForm([t.text for t in lines], source, "text", dual=set(dual), title=title)
    return build_screenplay(form, lines, min_scene_lines=min_scene_lines, **kw)


H = ("scene_heading", "INT. HOUSE - DAY")
B = ("blank", "")


def only_dialogues(sp):
    return [d for s in sp.scenes for d in s.dialogues]


# --- page breaks: (MORE) ... CONT'D ------------------------------------------------------


def test_more_contd_across_page_break_is_one_dialogue():
    sp = build([
        H, B,
        ("character", "JOHN"),
        ("dialogue", "I never told you about"),
        ("dialogue", "the lighthouse."),
        ("page_marker", "(MORE)"),
        ("page_marker", ""),
        ("page_marker", "12."),
        ("page_marker", "CONTINUED:"),
        ("character", "JOHN (CONT'D)"),
        ("dialogue", "It was never empty."),
        B,
        ("action", "He leaves."),
    ])
    [d] = only_dialogues(sp)
    assert d.speaker == "JOHN" and d.extension is None
    assert d.text == "I never told you about the lighthouse. It was never empty."
    assert d.line_span == (2, 10)
    assert d.raw_cue == "JOHN"
    [c] = sp.characters
    assert (c.dialogue_blocks, c.dialogue_lines) == (1, 3)


def test_more_without_contd_on_the_next_cue_still_rejoins():
    sp = build([H, ("character", "JOHN (V.O.)"), ("dialogue", "One."), ("page_marker", "(MORE)"),
                ("page_marker", "2."), ("character", "JOHN (V.O.)"), ("dialogue", "Two.")])
    [d] = only_dialogues(sp)
    assert (d.text, d.extension) == ("One. Two.", "V.O.")


def test_more_tagged_as_parenthetical_is_still_a_page_break():
    sp = build([H, ("character", "JOHN"), ("dialogue", "One."), ("parenthetical", "(MORE)"),
                ("page_marker", "2."), ("character", "JOHN (CONT'D)"), ("dialogue", "Two.")])
    [d] = only_dialogues(sp)
    assert d.text == "One. Two." and d.parentheticals == []


def test_contd_with_only_blanks_between_rejoins_with_parentheticals_shifted():
    sp = build([H, ("character", "MARA"), ("dialogue", "First part here."), B, B,
                ("character", "MARA (CONT’D)"), ("parenthetical", "(quieter)"), ("dialogue", "Second.")])
    [d] = only_dialogues(sp)
    assert d.text == "First part here. Second."
    assert d.parentheticals == ["quieter"] and d.parenthetical_positions == [3]


def test_contd_after_action_is_a_new_block():
    sp = build([H, ("character", "JOHN"), ("dialogue", "Wait."), B, ("action", "He turns."), B,
                ("character", "JOHN (CONT'D)"), ("dialogue", "Come back.")])
    assert [d.text for d in only_dialogues(sp)] == ["Wait.", "Come back."]
    assert sp.characters[0].dialogue_blocks == 2
    assert sp.alias_merges == {"JOHN": ["JOHN", "JOHN (CONT'D)"]}


def test_more_then_another_speaker_is_not_merged():
    sp = build([H, ("character", "JOHN"), ("dialogue", "One."), ("page_marker", "(MORE)"),
                ("character", "MARY"), ("dialogue", "Two.")])
    assert [(d.speaker, d.text) for d in only_dialogues(sp)] == [("JOHN", "One."), ("MARY", "Two.")]


def test_same_speaker_without_contd_or_more_is_not_merged():
    sp = build([H, ("character", "JOHN"), ("dialogue", "One."), B, ("character", "JOHN"), ("dialogue", "Two.")])
    assert [d.text for d in only_dialogues(sp)] == ["One.", "Two."]


def test_contd_with_a_different_extension_is_not_merged():
    sp = build([H, ("character", "JOHN (O.S.)"), ("dialogue", "One."), B,
                ("character", "JOHN (V.O.) (CONT'D)"), ("dialogue", "Two.")])
    assert [(d.extension, d.text) for d in only_dialogues(sp)] == [("O.S.", "One."), ("V.O.", "Two.")]


# --- dialogue text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("I need some-", "thing to eat.", "I need something to eat."),
        ("a well-", "known face", "a well-known face"),
        ("twenty-", "two of them", "twenty-two of them"),
        ("his mother-in-", "law came", "his mother-in-law came"),
        ("an X-", "Ray", "an X-Ray"),
        ("I was going--", "and then", "I was going-- and then"),
        ("Ends with dash -", "next", "Ends with dash - next"),
        ("ALL CAPS-", "next", "ALL CAPS- next"),
        ("spaces   inside", "  and   here ", "spaces   inside and here"),
        ("", "first", "first"),
    ],
)
def test_join_lines(left, right, joined):
    assert join_lines(left, right) == joined


def test_a_reader_marked_line_end_hyphen_is_kept():
    # U+2010: a reader (PDF) knows the hyphen is the writer's, not a word split
    assert join_lines("a lot of money, Jacky\u2010", "boy.") == "a lot of money, Jacky-boy."
    sp = build([H, ("character", "JOHN"), ("dialogue", "I was\u2010"), ("dialogue", "well, I tried.")])
    assert only_dialogues(sp)[0].text == "I was-well, I tried."


def test_dialogue_text_joined_with_hyphenation_and_spacing_repaired():
    sp = build([H, ("character", "JOHN"),
                ("dialogue", "  I  saw   some-"), ("dialogue", "thing in the well-"), ("dialogue", "lit room.")])
    assert only_dialogues(sp)[0].text == "I saw something in the well-lit room."


def test_parentheticals_and_their_word_positions():
    sp = build([
        H,
        ("character", "JOHN"),
        ("parenthetical", "(quietly)"),
        ("dialogue", "Hello there."),
        ("parenthetical", "(beat)"),
        ("dialogue", "Are you"),
        ("dialogue", "listening?"),
        ("parenthetical", "(looking at"),
        ("parenthetical", " her, then away)"),
        ("parenthetical", "(to himself)"),
    ])
    [d] = only_dialogues(sp)
    assert d.text == "Hello there. Are you listening?"
    assert d.parentheticals == ["quietly", "beat", "looking at her, then away", "to himself"]
    assert d.parenthetical_positions == [0, 2, 5, 5]
    assert d.line_span == (1, 9)


def test_blank_lines_and_page_markers_inside_a_block_are_tolerated():
    sp = build([H, ("character", "JOHN"), ("dialogue", "First paragraph."), B,
                ("page_marker", "3."), ("dialogue", "Second paragraph."), B, ("action", "Silence.")])
    [d] = only_dialogues(sp)
    assert d.text == "First paragraph. Second paragraph." and d.line_span == (1, 5)
    assert isinstance(sp.scenes[0].elements[-1], Action)


def test_note_inside_a_block_follows_the_dialogue():
    sp = build([H, ("character", "JOHN"), ("dialogue", "One."), ("note", "fix this"), ("dialogue", "Two.")])
    d, note = sp.scenes[0].elements
    assert isinstance(d, Dialogue) and d.text == "One. Two."
    assert isinstance(note, Action) and (note.kind, note.text, note.line_span) == ("note", "fix this", (3, 3))


def test_lyrics_block():
    sp = build([H, ("character", "SINGER"), ("lyrics", "Row, row, row"), ("lyrics", "your boat")])
    [d] = only_dialogues(sp)
    assert d.lyrics and d.text == "Row, row, row your boat"


def test_cue_without_speech_is_action_and_orphan_speech_is_action():
    # A blank line or a page break may sit between a cue and its first line (the tagger took
    # the line for the cue's speech); a cue with action after it, and speech with no cue
    # before it, are action.
    sp = build([H, ("character", "THE LIGHTS FAIL."), B, ("action", "Dark."), B, ("dialogue", "A stray line."),
                B, ("character", "JOHN"), ("page_marker", "2."), ("dialogue", "Page-broken cue."),
                B, ("character", "MARA"), B, ("dialogue", "Under a blank line.")])
    assert [(type(e).__name__, e.text) for e in sp.scenes[0].elements] == [
        ("Action", "THE LIGHTS FAIL."), ("Action", "Dark."), ("Action", "A stray line."),
        ("Dialogue", "Page-broken cue."), ("Dialogue", "Under a blank line.")]


def test_cue_with_only_a_parenthetical_is_dialogue():
    sp = build([H, ("character", "JOHN"), ("parenthetical", "(nods)")])
    [d] = only_dialogues(sp)
    assert (d.text, d.parentheticals, d.parenthetical_positions) == ("", ["nods"], [0])


# --- dual dialogue ------------------------------------------------------------------------


def test_dual_pair_marks_both_and_is_never_rejoined():
    rows = [H, ("character", "MARA"), ("dialogue", "One."), B, ("character", "MARA (CONT'D)"),
            ("dialogue", "Two."), B, ("character", "JOHN"), ("dialogue", "Three.")]
    sp = build(rows, dual={4})
    assert [(d.text, d.dual) for d in only_dialogues(sp)] == [("One.", True), ("Two.", True), ("Three.", False)]


def test_dual_from_fountain_reader():
    fountain = pytest.importorskip("script2rp.ingest.fountain")
    form = fountain.parse_text(
        "INT. ROOM - DAY\n\nBRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.\n\nThey nod.\n"
    )
    lines = [TaggedLine(i, t, s) for i, (t, s) in enumerate(zip(form.tags, form.lines))]
    sp = build_screenplay(form, lines, min_scene_lines=0)
    assert [(d.speaker, d.dual) for d in only_dialogues(sp)] == [("BRICK", True), ("STEEL", True)]


# --- actions, transitions ----------------------------------------------------------------


def test_actions_paragraphs_kinds_and_transitions():
    sp = build([
        H, B,
        ("action", "He walks in,"),
        ("page_marker", "4."),
        ("action", "slowly."),
        B,
        ("action", "She waits."),
        ("shot", "ANGLE ON THE DOOR"),
        ("centered", "THE END"),
        ("note", "check continuity"),
        B,
        ("transition", "CUT TO:"),
    ])
    els = sp.scenes[0].elements
    assert [(type(e).__name__, getattr(e, "kind", None), e.text, e.line_span) for e in els] == [
        ("Action", "action", "He walks in, slowly.", (2, 4)),
        ("Action", "action", "She waits.", (6, 6)),
        ("Action", "shot", "ANGLE ON THE DOOR", (7, 7)),
        ("Action", "centered", "THE END", (8, 8)),
        ("Action", "note", "check continuity", (9, 9)),
        ("Transition", None, "CUT TO:", (11, 11)),
    ]
    assert sp.scenes[0].line_span == (0, 11)


# --- scenes, front matter, headings -------------------------------------------------------


def test_front_matter_never_enters_scenes():
    sp = build([
        ("title_page", "          THE LIGHTHOUSE"),
        ("title_page", "            Written by"),
        ("page_marker", ""),
        ("action", "CAST OF CHARACTERS"),
        ("character", "MARA"),
        ("dialogue", "a lighthouse keeper"),
        ("action", "TOBIAS, an inspector"),
        ("page_marker", "1."),
        ("transition", "FADE IN:"),
        B,
        H,
        ("action", "Dust."),
    ])
    assert sp.front_matter == ["THE LIGHTHOUSE", "Written by", "CAST OF CHARACTERS", "MARA",
                               "a lighthouse keeper", "TOBIAS, an inspector"]
    assert [s.heading for s in sp.scenes] == [None, "INT. HOUSE - DAY"]
    assert [type(e).__name__ for e in sp.scenes[0].elements] == ["Transition"]
    assert sp.characters == []


def test_no_scene_zero_without_elements():
    sp = build([("title_page", "TITLE"), ("page_marker", "1."), B, H, ("action", "Dust.")])
    assert [(s.index, s.heading) for s in sp.scenes] == [(0, "INT. HOUSE - DAY")]
    assert sp.scenes[0].line_span == (3, 4)


def test_scene_zero_for_opening_action():
    sp = build([("action", "Darkness."), B, H, ("action", "Dust.")])
    assert [(s.heading, s.line_span) for s in sp.scenes] == [(None, (0, 0)), ("INT. HOUSE - DAY", (2, 3))]


def test_heading_with_no_elements_is_still_a_scene():
    sp = build([H, ("scene_heading", "EXT. YARD - NIGHT"), ("action", "Rain.")])
    assert [(s.heading, len(s.elements)) for s in sp.scenes] == [("INT. HOUSE - DAY", 0), ("EXT. YARD - NIGHT", 1)]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("12 INT. HOUSE - DAY 12", "INT. HOUSE - DAY"),
        ("12A   INT. HOUSE - DAY   12A *", "INT. HOUSE - DAY"),
        ("12 INT. HOUSE - DAY", "INT. HOUSE - DAY"),
        ("INT. HOUSE - DAY          12", "INT. HOUSE - DAY"),
        ("INT. HOUSE - DAY *", "INT. HOUSE - DAY"),
        ("int.  kitchen -  night", "INT. KITCHEN - NIGHT"),
        ("INT. ROOM 101 - DAY", "INT. ROOM 101 - DAY"),
        ("EXT. ROUTE 66", "EXT. ROUTE 66"),
        ("1970S APARTMENT - DAY", "1970S APARTMENT - DAY"),
    ],
)
def test_clean_heading(raw, clean):
    assert clean_heading(raw) == clean


def _scene(heading: str, n_action: int) -> list[tuple[str, str]]:
    return [("scene_heading", heading), *[("action", f"{heading} line {k}.") for k in range(n_action)], B]


def test_small_scenes_merge_into_the_following_one():
    rows = [("transition", "FADE IN:"), B, *_scene("EXT. A", 1), *_scene("INT. B", 5),
            *_scene("INT. C", 4), *_scene("EXT. D", 1)]
    sp = build(rows, min_scene_lines=4)
    assert [(s.index, s.heading, s.merged_from) for s in sp.scenes] == [
        (0, "EXT. A", [0, 1, 2]),
        (1, "INT. C", [3, 4]),
    ]
    first = sp.scenes[0].elements
    # The absorbed heading stays in place as a secondary slug line.
    assert [(type(e).__name__, getattr(e, "kind", None), e.text) for e in first[:4]] == [
        ("Transition", None, "FADE IN:"),
        ("Action", "action", "EXT. A line 0."),
        ("Action", "shot", "INT. B"),
        ("Action", "action", "INT. B line 0. INT. B line 1. INT. B line 2. INT. B line 3. INT. B line 4."),
    ]
    assert sp.scenes[0].line_span == (0, 10)
    assert sp.scenes[1].line_span == (12, 19)


def test_merging_disabled_and_default():
    rows = [*_scene("EXT. A", 1), *_scene("INT. B", 5)]
    assert [s.merged_from for s in build(rows).scenes] == [[], []]
    assert DEFAULT_MIN_SCENE_LINES == 4
    lines = tagged(*rows)
    sp = build_screenplay(TextForm([t.text for t in lines], "x.txt", "text"), lines)
    assert [(s.heading, s.merged_from) for s in sp.scenes] == [("EXT. A", [0, 1])]


def test_page_markers_do_not_count_towards_scene_size():
    rows = [("scene_heading", "EXT. A"), ("page_marker", "1."), ("page_marker", "CONTINUED:"),
            ("action", "Wind."), B, *_scene("INT. B", 5)]
    assert len(build(rows, min_scene_lines=3).scenes) == 1


# --- title, cast wiring -----------------------------------------------------------------------


def test_title_from_form_or_file_name():
    rows = [H, ("action", "Dust.")]
    assert build(rows, title="The Ledger").title == "The Ledger"
    assert build(rows, source="/x/the_lighthouse-keeper.txt").title == "the lighthouse keeper"
    assert build(rows).title == "Untitled"


def test_cast_is_counted_with_the_threshold():
    rows = [H]
    for k in range(3):
        rows += [("character", "MARA"), ("dialogue", f"Line {k}."), B, ("character", "Tobias (V.O.)"),
                 ("dialogue", "Yes."), ("dialogue", "Sir."), B]
    sp = build(rows, main_threshold=3)
    assert [(c.name, c.dialogue_blocks, c.dialogue_lines, c.words, c.is_main) for c in sp.characters] == [
        ("MARA", 3, 3, 6, True), ("TOBIAS", 3, 6, 6, True)]
    assert build(rows).main_characters == []


# --- is_screenplay -----------------------------------------------------------------------------


def test_is_screenplay_accepts_scripts_and_rejects_prose():
    script = tagged(H, B, ("action", "Dust."), B, ("character", "JOHN"), ("dialogue", "Hi."))
    assert is_screenplay(script)
    prose = tagged(*[("action", "It was a dark and stormy night; the rain fell in torrents.")] * 200)
    assert not is_screenplay(prose)
    assert not is_screenplay([])
    assert not is_screenplay(tagged(("title_page", "TITLE"), B))
    # A novel whose chapter title was read as a cue: one block in a sea of prose.
    novel = tagged(("character", "CHAPTER ONE"), ("dialogue", "It began."),
                   *[("action", "Prose goes on and on.")] * 300, ("scene_heading", "PART TWO - NIGHT"))
    assert not is_screenplay(novel)
    # Two exchanges with no heading are still a (tiny) screenplay.
    assert is_screenplay(tagged(("character", "A"), ("dialogue", "Hi."), B, ("character", "B"), ("dialogue", "Ho.")))
    assert not is_screenplay(tagged(("character", "A"), ("dialogue", "Hi.")))


# --- the bundled sample in every format --------------------------------------------------------


@pytest.mark.parametrize("suffix", ["txt", "fdx", "html"])
def test_sample_formats_give_the_same_scenes_and_dialogue(suffix):
    from script2rp.parse import tag_file

    def key(path):
        form, lines = tag_file(path)
        sp = build_screenplay(form, lines, min_scene_lines=0)
        return [(s.heading, [(d.speaker, d.extension, d.text, d.parentheticals, d.parenthetical_positions)
                             for d in s.dialogues]) for s in sp.scenes]

    base = key(DATA / "lighthouse.fountain")
    assert len(base) >= 3
    assert key(DATA / f"lighthouse.{suffix}") == base


def test_transition_element_type():
    sp = build([H, ("transition", "  SMASH   CUT TO: ")])
    assert sp.scenes[0].elements == [Transition("SMASH CUT TO:", (1, 1))]


# --- never raises ---------------------------------------------------------------------------


_SCRIPTISH = st.sampled_from([
    "", "INT. HOUSE - DAY", "EXT. GULL ROCK - NIGHT", " " * 37 + "JOHN", " " * 37 + "MARA (CONT'D)",
    " " * 37 + "JOHN (V.O.)", " " * 25 + "Hello there.", " " * 25 + "some-", " " * 25 + "thing else.",
    " " * 31 + "(beat)", " " * 31 + "(pulling it", " " * 31 + "AWAY)", " " * 37 + "(MORE)", " " * 60 + "12.",
    "CONTINUED:", " " * 60 + "CUT TO:", "CAST OF CHARACTERS", "FADE IN:", "He waits.",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_SCRIPTISH, st.text(max_size=60)), max_size=40), st.integers(0, 6))
def test_parse_never_raises_on_arbitrary_text(lines, min_scene_lines):
    """Any text either parses or is refused as "not a screenplay"; nothing else escapes."""
    from script2rp.errors import ScreenplayError
    from script2rp.parse import parse_form

    form = TextForm(lines, "<fuzz>", "text")
    try:
        sp = parse_form(form, min_scene_lines=min_scene_lines)
    except ScreenplayError:
        return
    assert all(d.speaker for s in sp.scenes for d in s.dialogues)
    parse_form(form, min_scene_lines=min_scene_lines, check=False)

"""Fountain writer: what it writes, and parse(to_fountain(s)) == s (property-tested)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from script2rp.model import Action, Dialogue, Scene, Screenplay, TaggedLine, Transition
from script2rp.parse.fountain_writer import to_fountain
from script2rp.parse.names import has_contd, normalise_cue
from script2rp.parse.structure import build_screenplay, clean_heading

fountain = pytest.importorskip("script2rp.ingest.fountain")

DATA = Path(__file__).resolve().parents[2] / "data"


def parse(src: str) -> Screenplay:
    """Fountain text -> Screenplay through the ingest reader and our builder, no merging."""
    form = fountain.parse_text(src)
    lines = [TaggedLine(i, t, s) for i, (t, s) in enumerate(zip(form.tags, form.lines))]
    return build_screenplay(form, lines, min_scene_lines=0)


def element_key(e) -> tuple:
    if isinstance(e, Dialogue):
        return ("D", e.speaker, e.extension, e.text, e.parentheticals, e.parenthetical_positions, e.dual, e.lyrics)
    if isinstance(e, Transition):
        return ("T", e.text)
    return ("A", "action" if e.kind == "shot" else e.kind, e.text)  # Fountain has no shot element


def key(sp: Screenplay) -> list:
    return [(s.heading, [element_key(e) for e in s.elements]) for s in sp.scenes]


def assert_round_trip(sp: Screenplay) -> Screenplay:
    back = parse(to_fountain(sp))
    assert [s.heading for s in back.scenes] == [s.heading for s in sp.scenes]
    assert key(back) == key(sp)
    assert [c.name for c in back.characters] == [c.name for c in sp.characters]
    assert back.title == sp.title
    return back


def dlg(speaker, text, extension=None, parentheticals=(), positions=(), dual=False, lyrics=False) -> Dialogue:
    return Dialogue(speaker, text, (0, 0), extension, list(parentheticals), list(positions), dual=dual, lyrics=lyrics)


def play(*scenes: tuple[str | None, list], title="Test") -> Screenplay:
    from script2rp.parse.cast import count_cast

    built = [Scene(i, h, els, (0, 0)) for i, (h, els) in enumerate(scenes)]
    return Screenplay(title, built, count_cast(built)[0], "<test>", "fountain")


# --- the bundled sample ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["fountain", "fdx", "txt"])
def test_sample_round_trips(suffix):
    from script2rp.parse import tag_file

    form, lines = tag_file(DATA / f"lighthouse.{suffix}")
    sp = build_screenplay(form, lines, min_scene_lines=0)
    assert len(sp.scenes) >= 3 and len(sp.characters) >= 4
    back = assert_round_trip(sp)
    assert back.alias_merges.keys() <= sp.alias_merges.keys()


# --- what the writer writes ------------------------------------------------------------------


def test_writer_output_forms():
    sp = play(
        (None, [Transition("FADE IN:", (0, 0))]),
        ("INT. HOUSE - DAY", [
            Action("THE LIGHTS FAIL.", (0, 0)),
            Action("INT. is what he says.", (0, 0)),
            Action("Plain *bold* and _under_ and /* not a boneyard", (0, 0)),
            dlg("JOHN", "Hello there. Are you listening?", "V.O.", ["quietly", "beat"], [0, 2]),
            dlg("GUARD #2", "Halt.", "O.S."),
            dlg("#2", "Me too."),
            dlg("INT. BOB", "Odd name."),
            dlg("MARA", "One.", dual=True),
            dlg("TOBIAS", "Two.", dual=True),
            Action("ANGLE ON THE DOOR", (0, 0), "shot"),
            Action("THE END", (0, 0), "centered"),
            Action("fix this", (0, 0), "note"),
            Transition("CUT TO:", (0, 0)),
            Transition("FADE OUT.", (0, 0)),
        ]),
        ("SNIPER SCOPE POV", [Action("Crosshairs.", (0, 0))]),
        title="The *Test*",
    )
    text = to_fountain(sp)
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == "Title: The \\*Test\\*"
    assert paragraphs[1:] == [
        ">FADE IN:",
        "INT. HOUSE - DAY",
        "!THE LIGHTS FAIL.",
        "!INT. is what he says.",
        "Plain \\*bold\\* and \\_under\\_ and /\\* not a boneyard",
        "JOHN (V.O.)\n(quietly)\nHello there.\n(beat)\nAre you listening?",
        "GUARD #2 (O.S.)\nHalt.",
        "@#2\nMe too.",
        "@INT. BOB\nOdd name.",
        "MARA\nOne.",
        "TOBIAS ^\nTwo.",
        "!ANGLE ON THE DOOR",
        "> THE END <",
        "[[fix this]]",
        "CUT TO:",
        ">FADE OUT.",
        ".SNIPER SCOPE POV",
        "Crosshairs.\n",
    ]
    assert_round_trip(sp)


def test_front_matter_as_notes_without_repeating_the_title():
    sp = play(("INT. A - DAY", [dlg("A", "Hi.")]), title="Ledger")
    sp.front_matter = ["Ledger", "Written by", "Someone"]
    text = to_fountain(sp)
    assert text.startswith("Title: Ledger\nNotes:\n    Written by\n    Someone\n\nINT. A - DAY\n")
    assert parse(text).front_matter == ["Ledger", "Written by", "Someone"]


def test_speech_that_looks_like_a_parenthetical_is_split_safely():
    sp = play(("INT. A - DAY", [dlg("JOHN", "(oh no) you (again)"), dlg("MARY", "(fine, then)", None, ["x"], [0])]))
    text = to_fountain(sp)
    assert "JOHN\n(oh\nno) you (again)" in text and "MARY\n(x)\n(fine,\nthen)" in text
    assert_round_trip(sp)


def test_parentheticals_at_end_and_only():
    sp = play(("INT. A - DAY", [
        dlg("JOHN", "Go now.", parentheticals=["beat", "leaving"], positions=[2, 2]),
        dlg("MARY", "", parentheticals=["nods"], positions=[0]),
    ]))
    assert "JOHN\nGo now.\n(beat)\n(leaving)" in to_fountain(sp)
    assert_round_trip(sp)


def test_lyrics_and_empty_dialogue():
    sp = play(("INT. A - DAY", [dlg("SINGER", "Row row row your boat", lyrics=True)]))
    assert "SINGER\n~Row row row your boat" in to_fountain(sp)
    assert_round_trip(sp)
    empty = play(("INT. A - DAY", [Dialogue("JOHN", "", (0, 0), raw_cue="JOHN")]))
    assert "!JOHN" in to_fountain(empty)


# --- property: parse(to_fountain(sp)) == sp ----------------------------------------------------

FIXED_NAMES = ["JOHN", "MARA", "DR. JONES", "GUARD #2", "R2-D2", "J.J.", "MRS. O'HARA", "CLINT", "CUTTER",
               "MAN ON TV", "MCCLANE", "3", "#2", ".45 KID", "INT. BOB", "EXT GUY", "BOB_BY", "STAR*MAN", "2ND COP"]
EXTENSIONS = ["V.O.", "O.S.", "O.C.", "PRE-LAP", "INTO PHONE", "ON PHONE", "ON TV", "FILTERED", "SUBTITLED",
              "WHISPERING"]
RISKY_ACTIONS = ["THE LIGHTS FAIL.", "INT. is what he says.", "EST. 1990", "CUT TO:", "> not centred", "!bang",
                 "~tilde", "#hash", "=equals", ".dot start", "@at", "===", "JOHN", "i/e something", "Title: fake"]


def _canonical_name(n: str) -> bool:
    return normalise_cue(n) == (n, None) and not has_contd(n)


UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
LOWER = UPPER.lower()


def token(first: str, rest: str, max_size: int) -> st.SearchStrategy[str]:
    return st.builds(str.__add__, st.sampled_from(first), st.text(rest, max_size=max_size))


names = st.one_of(
    st.sampled_from(FIXED_NAMES),
    st.lists(token(UPPER + DIGITS, UPPER + DIGITS + ".#'-", 6), min_size=1, max_size=3)
    .map(" ".join)
    .filter(_canonical_name),
)
words = token(UPPER + LOWER + DIGITS, UPPER + LOWER + DIGITS + ",.!?'*_/-", 8)
sentences = st.lists(words, min_size=1, max_size=12).map(" ".join)
place = st.lists(token(UPPER, UPPER + DIGITS + "'", 8), min_size=1, max_size=3).map(" ".join)
headings = st.one_of(
    st.builds(lambda k, p, t: f"{k} {p} - {t}", st.sampled_from(["INT.", "EXT.", "INT./EXT.", "I/E", "EST."]),
              place, st.sampled_from(["DAY", "NIGHT", "LATER", "CONTINUOUS"])),
    place,  # no INT/EXT: written as a forced heading
).filter(lambda h: clean_heading(h) == h)


@st.composite
def dialogue(draw, dual=False) -> Dialogue:
    text_words = draw(st.lists(words, max_size=15))
    n_paren = draw(st.integers(0 if text_words else 1, 2))
    parens = [draw(sentences) for _ in range(n_paren)]
    positions = sorted(draw(st.integers(0, len(text_words))) for _ in range(n_paren))
    return dlg(draw(names), " ".join(text_words), draw(st.one_of(st.none(), st.sampled_from(EXTENSIONS))),
               parens, positions, dual=dual, lyrics=draw(st.booleans()) if text_words and not n_paren else False)


@st.composite
def elements(draw) -> list:
    out: list = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["dialogue", "dialogue", "dual", "action", "risky", "shot", "centered", "note",
                                     "transition"]))
        if kind == "dialogue":
            out.append(draw(dialogue()))
        elif kind == "dual":
            out += [draw(dialogue(dual=True)), draw(dialogue(dual=True))]
        elif kind == "risky":
            out.append(Action(draw(st.sampled_from(RISKY_ACTIONS)), (0, 0)))
        elif kind == "transition":
            out.append(Transition(draw(st.sampled_from(["CUT TO:", "FADE OUT.", "SMASH CUT TO:", "FADE IN:",
                                                         "back to:", "INTERCUT WITH:"])), (0, 0)))
        else:
            out.append(Action(draw(sentences), (0, 0), kind if kind != "action" else "action"))
    return out


@st.composite
def screenplays(draw) -> Screenplay:
    scenes: list[tuple[str | None, list]] = []
    opening = draw(elements())
    if opening:
        scenes.append((None, opening))
    for _ in range(draw(st.integers(0 if opening else 1, 4))):
        scenes.append((draw(headings), draw(elements())))
    return play(*scenes, title=draw(sentences))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(screenplays())
def test_round_trip_property(sp):
    back = assert_round_trip(sp)
    assert [(c.name, c.dialogue_blocks, c.words) for c in back.characters] == [
        (c.name, c.dialogue_blocks, c.words) for c in sp.characters]


def test_fixed_names_are_canonical():
    assert all(_canonical_name(n) for n in FIXED_NAMES)

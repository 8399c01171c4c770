"""The parser's regex shortcuts (written for speed) decide exactly as the regexes they stand for.

Each shortcut skips a regex scan where its text cannot match; a shortcut that skipped a line
the regex matches would change tags silently, so each is checked against its regex on
generated lines built from the characters and words those patterns care about.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from script2rp.parse import lines, patterns, structure

WORDS = ["CUT", "TO:", "FADE", "OUT.", "SMASH", "THE END", "INTERCUT", "POV", "SHOT", "ANGLE", "VIEW", "ON",
         "CLOSE", "UP", "INT.", "EXT.", "12", "12A", "A12", "*", "**", "\u2020", "\u2020\u2021", "-", "JOHN", "Mara", "walks.", "yes,", "no!",
         "TITLE CARD", "BACK TO SCENE", "DISSOLVE", "WIPE", "(V.O.)", "(", ")", "...", "ROLL CREDITS", "VIEWS",
         "SHOTGUN", "q.", "Q.", ":", "TIME", "HARD", "IRIS"]
line = st.lists(
    st.one_of(st.sampled_from(WORDS), st.text(alphabet="aAzZ09.*!?;,: ()-\t\u00a0", min_size=1, max_size=4)),
    min_size=1, max_size=7,
).flatmap(lambda ws: st.lists(st.sampled_from([" ", "  ", "    ", "\t"]), min_size=len(ws), max_size=len(ws))
          .map(lambda gaps: "".join(w + g for w, g in zip(ws, gaps)).strip()))


@settings(max_examples=3000, deadline=None)
@given(line)
def test_shortcuts_agree_with_their_regexes(text: str) -> None:
    assert patterns.ends_sentence(text) == bool(patterns.SENTENCE_END.search(text))
    assert patterns.shot_search(text) == bool(patterns.SHOT.search(text))
    assert patterns.shot_match(text) == bool(patterns.SHOT.match(text))
    assert patterns.transition_match(text) == bool(patterns.TRANSITION.match(text))
    if text:
        got = lines._trailing_noise(text)
        want = lines._TRAILING_NOISE.search(text)
        assert (got and got.span()) == (want and want.span())
        assert lines.strip_core(text) == _strip_core_by_regex(text)
    s = text.strip().rstrip("*").strip()
    if not (s[:1].isdigit() or s[1:2].isdigit() or s[2:3].isdigit()):  # `clean_heading` skips the regex
        assert structure._HEADING_BOTH_NUMBERS.match(s) is None


def test_shortcuts_on_known_lines() -> None:
    """The lines each shortcut exists for, decided as the regex decides them."""
    assert patterns.transition_match("SMASH CUT TO:") and patterns.transition_match("FADE OUT.")
    assert patterns.transition_match("THE END") and not patterns.transition_match("INT. HOUSE - DAY")
    assert patterns.shot_search("JOHN'S POV") and patterns.shot_search("CLOSE ON THE DOOR")
    assert not patterns.shot_search("SHOTGUN") and patterns.shot_match("POV JOHN")
    assert patterns.ends_sentence("He runs.") and not patterns.ends_sentence("DR.") and not patterns.ends_sentence("")
    assert lines.strip_core("INT. HOUSE - DAY    12 *") == "INT. HOUSE - DAY"
    assert structure.clean_heading("12  INT. HOUSE - DAY  12") == "INT. HOUSE - DAY"


def _strip_core_by_regex(text: str) -> str:
    """`lines.strip_core` with a whole-line search for the trailing number (the slow form)."""
    saved = lines._trailing_noise
    lines._trailing_noise = lines._TRAILING_NOISE.search  # type: ignore[assignment]
    try:
        return lines.strip_core(text)
    finally:
        lines._trailing_noise = saved


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(r"[A-Z]{2}[a-z][A-Za-z .:'()-]{0,30}", fullmatch=True))
def test_a_line_whose_third_letter_is_lower_case_holds_no_inline_cue(text: str) -> None:
    """Why `profile._action_and_inline` looks for inline cues among the capitalised-line hits only."""
    assert patterns.split_inline_cue(text) is None


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="ab ()", max_size=12), st.booleans())
def test_paren_outside_shortcut_agrees_with_the_character_walk(text: str, open_at_start: bool) -> None:
    from script2rp.parse.tagger import _paren_walk, paren_outside

    if not open_at_start and "(" not in text:
        assert paren_outside(text, open_at_start) == (text, False)  # no parenthesis opens: all outside
    else:
        assert paren_outside(text, open_at_start) == _paren_walk(text, 1 if open_at_start else 0)

"""The parser's regex shortcuts (written for speed) decide exactly as the regexes they stand for.

Each shortcut skips a regex scan where its text cannot match; a shortcut that skipped a line
the regex matches would change tags silently, so each is checked against its regex on
generated lines built from the characters and words those patterns care about.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from script2rp.parse import lines, patterns, structure

WORDS = ["CUT", "TO:", "FADE", "OUT.", "SMASH", "THE END", "INTERCUT", "POV", "SHOT", "ANGLE", "VIEW", "ON",
         "CLOSE", "UP", "INT.", "EXT.", "12", "12A", "A12", "*", "**", "-", "JOHN", "Mara", "walks.", "yes,", "no!",
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
    assert structure.clean_heading(text) == _clean_heading_by_regex(text)


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


def _clean_heading_by_regex(text: str) -> str:
    s = text.strip().rstrip("*").strip()
    m = structure._HEADING_BOTH_NUMBERS.match(s)
    if m:
        s = m.group(2)
    else:
        stripped = structure._HEADING_LEADING_NUMBER.sub("", s)
        if stripped != s:
            s = re.sub(r"\s+" + structure._SCENE_NO + r"$", "", stripped)
        else:
            s = structure._HEADING_TRAILING_NUMBER.sub("", s)
    return " ".join(s.rstrip("*").split()).upper()


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(r"[A-Z]{2}[a-z][A-Za-z .:'()-]{0,30}", fullmatch=True))
def test_a_line_whose_third_letter_is_lower_case_holds_no_inline_cue(text: str) -> None:
    """Why `profile._action_and_inline` looks for inline cues among the capitalised-line hits only."""
    assert patterns.split_inline_cue(text) is None


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="ab ()", max_size=12), st.booleans())
def test_paren_outside_shortcut_agrees_with_the_character_walk(text: str, open_at_start: bool) -> None:
    from script2rp.parse.tagger import paren_outside

    if not open_at_start and "(" not in text:
        assert paren_outside(text, open_at_start) == (text, False)  # no parenthesis opens: all outside
        return
    depth = 1 if open_at_start else 0
    outside = []
    for ch in text:  # the definition: text at depth 0, depth never below 0
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            outside.append(ch)
    assert paren_outside(text, open_at_start) == ("".join(outside), depth > 0)

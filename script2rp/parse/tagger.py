"""Tag every physical line of a screenplay's text form.

Hand-written rules driven by a learned per-script layout, not a library and not a
per-line classifier: no maintained Python package tags raw screenplay text (IMSDb dumps,
PDF text) line by line, and a learned model over every line costs more than the parse
budget (the whole parse must run at >= 5 MB/s in pure Python; see
`benchmarks/parse_speed.py`). The rules follow how a reader finds the structure of a
typed script:

1. Page furniture first, by pattern and by repetition (`lines.py`): page numbers,
   CONTINUED, (MORE), running headers and draft stamps can sit anywhere, even inside a
   speech, and never end one.
2. Layout (`profile.py`): each script's columns and what each holds are learned from its
   unambiguous lines, so no column is a constant here.
3. Text (`patterns.py`): headings, transitions, shots and name-shaped lines by their words.
4. Sequence: a cue opens a dialogue block; its lines are dialogue or parenthetical until
   a blank line or a line the profile puts in another column. A cue is a name-shaped
   line whose next line reads as speech in this script's layout.

Every decision is local and linear in the number of lines. Nothing is kept between calls:
each call learns its own profile, and memo tables live only for that call.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from script2rp.model import LineType, TaggedLine, TextForm
from script2rp.parse.lines import Lines, double_spaced
from script2rp.parse.patterns import (
    BRACKETED_SCENE,
    HONORIFIC,
    NUMBERED_BOTH_ENDS,
    TIME_ONLY,
    VOICE_EXTENSION,
    WORD,
    ends_sentence,
    is_transition,
    shot_match,
    shot_search,
    split_dual_cue,
    split_inline_cue,
    transition_match,
)
from script2rp.parse import profile
from script2rp.parse.profile import Profile, learn

__all__ = ["tag_lines", "read_lines", "form_tags", "tag", "paused_gc"]

_KEYWORDS = frozenset(("INT", "EXT", "EST", "I/E", "E/I"))  # the first three letters of a keyword heading
_TRANSITION_WORDS = frozenset("CUT FADE DISSOLVE WIPE SMASH MATCH JUMP TIME HARD SNAP QUICK SLOW CROSS BACK".split())
_SENTENCE_STOP = re.compile(r"[.!?]['\"”’)]?$")
_SPEECH_KINDS = frozenset(("dialogue", "parenthetical", "lyrics"))
_UNWRAPPED = 120  # action lines this wide (90th percentile, indent included) were never wrapped to a page
_CREDIT = re.compile(r"(?:(?:an?\s+)?(?:original\s+)?(?:screenplay|teleplay|story|written|script|adapted)\s+)?by\b", re.I)

OUT, CUE, SPEECH, AFTER = 0, 1, 2, 3  # outside dialogue, after a cue, inside speech, blank after speech


def paren_outside(text: str, open_at_start: bool) -> tuple[str, bool]:
    """Text outside parentheses, and whether a parenthesis is still open at the end."""
    if not open_at_start:
        opening = text.find("(")
        if opening < 0:
            return text, False
        closing = text.find(")", opening)
        # One pair and nothing nested, the common "(beat)": cut it out without a loop.
        if closing >= 0 and text.count("(") == 1 and text.count(")") == 1:
            return text[:opening] + text[closing + 1 :], False
    return _paren_walk(text, 1 if open_at_start else 0)


def _paren_walk(text: str, depth: int) -> tuple[str, bool]:
    """`paren_outside` character by character, from nesting `depth` (never below 0)."""
    outside = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            outside.append(ch)
    return "".join(outside), depth > 0


class _Tagger:
    """One script's tagging pass: the line facts, the profile and the sequence state."""

    def __init__(self, lines: list[str], hints: dict[int, LineType]) -> None:
        self.p = p = Lines(lines, frozenset(i for i, k in hints.items() if k == "page_marker"))
        self.prof: Profile = learn(p)
        self.hints = {i: k for i, k in hints.items() if k != "page_marker" and 0 <= i < p.n}
        self.tags: list[LineType] = ["blank"] * p.n
        self.state = OUT
        self.block_indent: int | None = None
        self.paren_open = False
        self.prev_heading = False
        self.seen_structure = False
        self.cue_gap = 0
        self.inline_at: int | None = None
        self.inline_paren = False  # the inline cue's line leaves a parenthetical open
        self.dual_pending = self.in_dual = False  # a side-by-side dual cue; inside its block
        prof = self.prof
        self.any_case = prof.caseless or prof.title_cues  # a cue may be typed in any case
        self.speech_side_edge = max(prof.dialogue, prof.action) + 2  # a cue stands right of this
        # Speech is set narrower than action, so a line past its usual right edge is not speech;
        # not where cues hold their speech ("NAME: ..."), which runs as wide as action.
        self.speech_narrower = prof.action_edge >= prof.dialogue_edge + 10 and not prof.inline_layout
        self.facts: dict[str, tuple[str, bool, bool, bool, bool]] = {}  # text -> `_text_facts`, this script only

    # --- the pass -------------------------------------------------------------------------

    def run(self) -> list[LineType]:
        p, tags, hints, prof = self.p, self.tags, self.hints, self.prof
        text, indent, lens, furniture, debris = p.text, p.indent, p.lens, p.furniture, p.debris
        plain = self._plain_lines()
        # the right edge past which a line at the speech column is too wide for speech
        wide = prof.dialogue_edge + profile.EDGE_MARGIN if self.speech_narrower else 1 << 30
        for i in range(p.n):
            t = text[i]
            if not t:
                if self.state:
                    self._blank(i)
                self.prev_heading = False
            elif debris[i]:
                tags[i] = "page_marker"
                self._blank(i)
            elif furniture[i]:
                if self.state == CUE and self._spoken_number(i):
                    self._dialogue(i)
                else:
                    tags[i] = "page_marker"
                    self.block_indent = None  # a speech may go on after a page break at another indent
            elif hints and i in hints:
                self._hinted(i, hints[i])
            elif plain[i]:
                b = self.block_indent
                if (  # the common case, inline: one more line of speech at its column
                    self.state == SPEECH
                    and b is not None
                    and -1 <= indent[i] - b <= 1
                    and not self.paren_open
                    and (indent[i] + lens[i] <= wide or self.in_dual)
                    and "(" not in t
                ):
                    tags[i] = "dialogue"
                elif self.state in (CUE, SPEECH) and (self.paren_open or self._continues(i)):
                    self._dialogue(i)
                else:
                    self.state, self.block_indent, self.prev_heading = OUT, None, False
                    tags[i] = "action" if self.seen_structure else "title_page"
            elif not (self.state and self._speech(i)):
                self._outside(i)
        self._untitle_prologue()
        return tags

    def _plain_lines(self) -> list:
        """Per line: is it plain? Its text rules out a cue, heading or transition (mixed
        case, not opening with a heading keyword, a parenthesis, a scene number or a name
        this script uses), so only the dialogue block around it decides. Most lines are
        plain; one pass over all lines (a comprehension, no call per line) keeps the
        per-line work of the tagging pass small. Blank lines come out falsy."""
        p, prof = self.p, self.prof
        if self.any_case:
            return [False] * p.n
        starts = prof.first_words | _TRANSITION_WORDS
        inline = bool(prof.inline_names)
        cue_col = [bool(prof.indented and prof.cue_at(x)) for x in range(max(p.indent, default=0) + 1)]
        keywords = _KEYWORDS
        return [
            t
            and c == t
            and not cue_col[x]
            and c[0] != "("
            and (
                not (c[0] in "IiEeM" and (c[:3].upper() in keywords or c[:2] == "Mc"))
                if c[1:2].islower()  # "Joe ...", "the ...": neither capitalised nor an inline cue
                else not (c[:3].isupper() or c[:3].upper() in keywords or c.isupper() or inline and c[1:2].isupper())
            )
            and (
                # (a long line or a sentence is no cue, unless cues hold their speech here)
                not inline and (len(c) > 50 or c.count(" ") > 4 and "  " not in c and "(" not in c)
                or c.split(None, 1)[0].upper().rstrip(":") not in starts
            )
            for t, c, x in zip(p.text, p.core, p.indent)
        ]

    def _spoken_number(self, i: int) -> bool:
        """A number under a cue, at the speech column ("DAVID" / "45."): the speech, not the
        page number (page numbers sit apart from the text columns)."""
        prof, t = self.prof, self.p.text[i]
        return prof.indented and abs(self.p.indent[i] - prof.dialogue) <= 2 < abs(prof.dialogue - prof.action) and (
            t.rstrip(".").isdigit()
        )

    def _blank(self, i: int) -> None:
        if self.state == SPEECH:
            if not (self._near_page_break(i) and self._speech_runs_on(i)) and not (
                self.paren_open and self._closes_paren(i)
            ):
                self.state = AFTER
                self.paren_open = False
        elif self.state == CUE:
            self.cue_gap += 1
            if self.cue_gap > 1 and not self._near_page_break(i):
                self.state = OUT
        self.prev_heading = False

    def _hinted(self, i: int, kind: LineType) -> None:
        """A line the reader typed from the file itself: keep it, and let it set the context."""
        self.tags[i] = kind
        self.paren_open = False
        if kind == "character":
            self._open_block()
        elif kind in _SPEECH_KINDS:
            self.state = SPEECH
            if self.block_indent is None:
                self.block_indent = self.p.indent[i]
        else:
            self.state, self.block_indent = OUT, None
            self.prev_heading = kind == "scene_heading"
            self.seen_structure = self.seen_structure or kind in ("scene_heading", "transition")

    def _open_block(self) -> None:
        self.state, self.block_indent, self.paren_open, self.cue_gap = CUE, None, False, 0
        self.in_dual, self.dual_pending = self.dual_pending, False
        self.seen_structure = True
        if self.inline_at is not None:  # the speech began on the cue's line
            self.state = SPEECH if self.inline_at >= 0 or self.inline_paren else OUT
            self.block_indent = self.inline_at if self.inline_at >= 0 else None
            self.inline_at, self.paren_open = None, self.inline_paren


    # --- inside a dialogue block ------------------------------------------------------------

    def _speech(self, i: int) -> bool:
        """Tag line i as part of the open dialogue block; False when the block has ended."""
        p, prof, tags = self.p, self.prof, self.tags
        t = p.text[i]
        x = p.indent[i]
        if self.state == AFTER:  # a blank line ended the speech; "(beat)" after it resumes it
            self.state = OUT
            if not (t[0] == "(" and (prof.speech_at(x) == 1 or x > prof.action + 3)):
                return False
            self.state = CUE
        if self.paren_open or t[0] == "(":
            self._parenthetical(i)
            return True
        core = p.core[i]
        upper_core = core.upper()
        if t[0] != core[0] and self._numbered(i) or (core == upper_core or prof.caseless) and (
            transition_match(upper_core) or self.p.heading(upper_core) == 2
        ):
            self.state, self.block_indent = OUT, None
            return False
        b = self.block_indent
        if self.state != CUE and (
            (b is None or x > b + 3 or self._known_start(core)) and self._is_cue(i)
            or prof.inline_names and self._inline_cue(i)
        ):
            tags[i] = "character"
            self._open_block()
            return True
        if not self._continues(i):
            self.state, self.block_indent = OUT, None
            return False
        self._dialogue(i)
        return True

    def _known_start(self, core: str) -> bool:
        """Does the line start like a known name (so it may be the next cue, in any case)?"""
        return core.split(None, 1)[0].upper().rstrip(":") in self.prof.first_words and self.p.shape(core)[1] in self.prof.names

    def _continues(self, i: int) -> bool:
        """Is line i (not a cue, heading or parenthetical) still the open block's speech?"""
        if self.state == CUE:
            return True  # the cue was taken because this line reads as its speech
        prof = self.prof
        x = self.p.indent[i]
        b = self.block_indent
        if b is None:
            return prof.speech_at(x) != -1 or not prof.indented
        if abs(x - b) <= 1:
            return not self._too_wide(i)
        if prof.inline_layout and prof.inline_hanging and x < b - 2:
            return False  # where speeches hang right of their names, a line back left of them is not speech
        side = prof.speech_at(x)
        if side:
            return side == 1
        return x >= b - 2 and not self._too_wide(i)

    def _dialogue(self, i: int) -> None:
        t = self.p.text[i]
        self.tags[i] = "dialogue"
        if self.paren_open:
            self._parenthetical(i)
            return
        self.paren_open = "(" in t and paren_outside(t, False)[1] and self._paren_closes_ahead(i)
        if self.block_indent is None:
            self.block_indent = self.p.indent[i]
        self.state = SPEECH

    def _parenthetical(self, i: int) -> None:
        t = self.p.text[i]
        outside, still_open = paren_outside(t, self.paren_open)
        if WORD.search(outside):
            self.tags[i] = "dialogue"
            if self.block_indent is None:
                self.block_indent = self.p.indent[i]
        else:
            self.tags[i] = "parenthetical"
        self.state = SPEECH
        # A parenthesis left open closes at the end of its line unless a closing one follows
        # in the same paragraph: "((beat)" must not swallow the rest of the script.
        self.paren_open = still_open and self._paren_closes_ahead(i)

    def _paren_closes_ahead(self, i: int) -> bool:
        p = self.p
        text, furniture = p.text, p.furniture
        for j in range(i + 1, min(p.n, i + 14)):
            t = text[j]
            if furniture[j]:
                continue
            if not t:
                if self._near_page_break(j) or self._closes_paren(j):
                    continue
                return False
            close = t.find(")")
            opening = t.find("(")
            if close >= 0 and (opening < 0 or close < opening):
                return True
            if opening >= 0:
                return False
        return False

    def _too_wide(self, i: int) -> bool:
        """A line past the usual right edge of speech, in a script whose action runs wider;
        where lines are not wrapped at all (a paragraph a line, wider than any page), never
        the line right after a parenthetical: speech goes on after one."""
        prof = self.prof
        if self.in_dual or not self.speech_narrower:
            return False
        if prof.action_edge > _UNWRAPPED and i and self.tags[i - 1] == "parenthetical":
            return False
        return self.p.indent[i] + self.p.lens[i] > prof.dialogue_edge + profile.EDGE_MARGIN

    def _near_page_break(self, i: int) -> bool:
        """A blank line that only pads a page break does not end a speech."""
        p = self.p
        text, furniture, debris = p.text, p.furniture, p.debris
        for step in (-1, 1):
            j = i + step
            while 0 <= j < p.n and not text[j] and abs(j - i) < 4:
                j += step
            if 0 <= j < p.n and furniture[j] and not debris[j]:
                return True
        return False

    def _speech_runs_on(self, i: int) -> bool:
        """Does a speech go on over the page break at blank line i? Where speech and action
        share a column, only when its last line stops mid-sentence; elsewhere the column
        of the next line decides."""
        p, prof = self.p, self.prof
        if prof.speech_at(prof.dialogue) == 1 and prof.dialogue != prof.action:
            return True
        j = i - 1
        while j > 0 and (not p.text[j] or p.furniture[j]):
            j -= 1
        return self.tags[j] != "dialogue" or not _SENTENCE_STOP.search(p.core[j])

    def _closes_paren(self, i: int) -> bool:
        """A blank line inside a parenthetical broken over lines: "(notices something down",
        "", "BELOW)". The line after closes it: the speech goes on."""
        p = self.p
        j = i + 1
        while j < p.n and not p.text[j] and j < i + 3:
            j += 1
        if j >= p.n or not p.text[j] or p.furniture[j]:
            return False
        t = p.text[j]
        close = t.find(")")
        return close >= 0 and "(" not in t[:close] and (not self.prof.indented or p.indent[j] > self.prof.action + 3)

    # --- cues ---------------------------------------------------------------------------------

    def _next_content(self, i: int) -> tuple[int, int]:
        """The next line that is neither blank nor furniture, and the blank lines before it
        (-1, 0 at the end of the script)."""
        p = self.p
        text, furniture = p.text, p.furniture
        gap = 0
        paged = False  # blank lines around a page break do not count
        j = i + 1
        while j < p.n and j < i + 8:
            if not text[j]:
                gap += 1
            elif not furniture[j]:
                return j, 0 if paged else gap
            else:
                paged = True
            j += 1
        return -1, gap

    def _is_cue(self, i: int) -> bool:
        """A name-shaped line whose next line reads as speech in this script's layout."""
        p, prof = self.p, self.prof
        core = p.core[i]
        if len(core) > 60 or not (core[:3].isupper() or core[:2] == "Mc" or self.any_case):
            # Not capitalised: a cue only if it starts like a known name (or the script says
            # any case will do); this skips the name test for most speech and action lines.
            first = core.split(None, 1)[0].upper().rstrip(":") if core else ""
            if first not in prof.first_words and not (prof.indented and prof.cue_at(p.indent[i])):
                return False
        shape, name = self.p.shape(core)
        if not shape:
            return self._is_dual_cue(i)
        known = name in prof.names or name in prof.inline_names
        x = p.indent[i]
        if (
            shape != 1
            and not known
            and not (prof.caseless and shape == 3)
            and not (shape == 2 and (prof.title_cues or HONORIFIC.match(core)))
        ):
            if not (prof.indented and prof.cue_at(x)):
                return False  # a lower-case name: only where this script puts its cues
        # (a name with a voice extension, "MAYOR (V.O.)", is a cue wherever it stands: a PDF's
        # text may put it at the speech column)
        if prof.indented and x <= self.speech_side_edge and not (prof.cue_at(x) or known or _voiced(core, shape)):
            return False
        j, gap = self._next_content(i)
        if j < 0:
            return False
        nt = p.text[j]
        if gap > (1 if prof.gap_after_cue or nt[0] == "(" else 0):
            return False
        if nt[0] == "(":
            return True
        if not self.seen_structure and (_CREDIT.match(nt) or _CREDIT.match(core)):
            return False  # a title over its credit ("BOTTLE ROCKET" / "screenplay by ..."), "by" over a name
        ncore = p.core[j]
        nupper = ncore == ncore.upper()
        if nupper and (self.p.heading(ncore) == 2 or transition_match(ncore)):
            return False
        y = p.indent[j]
        if prof.indented:
            if y > x - 3 and not (y <= x + 2 and _voiced(core, shape)):
                return False  # centred display text: the next line is no further left
            if y >= prof.cue and profile.flush_right(p, i, j):
                return False  # lines set flush right, right of where cues start: a transition over lines
            if prof.speech_at(y) == -1 and y < prof.dialogue - 1:
                # A line at the action column: speech only under a known name (a page typed
                # with its speech flush left), never under a caps line before action.
                return known and not gap and not nupper
            return not gap or abs(y - prof.dialogue) <= 2 or prof.speech_at(y) == 1
        if nupper and len(nt) < 40 and not (self.p.shape(ncore)[0] == 0 and ends_sentence(nt)) and not (
            # (a name the script gives speech to, alone at the action column: speech in capitals,
            # a song or a shout)
            known and x <= prof.action + 2 and ":" not in core and core.count("(") == core.count(")")
            and self.p.shape(ncore)[1] not in prof.names  # (not a shot over the next cue: "ON STAGE" / "RACHEL")
        ):
            return False  # two capitalised lines in a row in a flat script: headings, shouted action
        if (prof.inline_layout or prof.title_cues and shape == 1) and not known and not y > x + 3:
            # cues share their line with the speech here, or are typed in title case: a caps
            # line alone is action or a heading
            return False
        return known or self.seen_structure  # on a title page, only a name that recurs

    def _inline_cue(self, i: int) -> bool:
        """A cue with its speech on the same line, in a script that writes them so."""
        prof = self.prof
        t = self.p.text[i]
        if not prof.inline_names:
            return False
        if t[:1].islower() or t[1:2].islower():  # a known name typed in lower or title case
            if t.split(None, 1)[0].rstrip(":").upper() not in prof.first_words:
                return False  # (most lines: a word no inline name starts with)
            split = split_inline_cue(t, any_case=True)  # ("guido (v.o.): Maestro...", "Monica: Wait!")
            if not split or self.p.shape(split[0])[1] not in prof.inline_names:
                return False
        elif not t[1:2].isupper() or not (split := split_inline_cue(t)):
            return False
        elif not prof.inline_layout and (
            self.p.shape(split[0])[1] not in prof.inline_names or t[len(split[0]) : len(split[0]) + 2] == " " + split[1][0]
        ):
            return False  # where cues stand alone, "MARTHA McKay, 29, ..." (one space) introduces her
        p = self.p
        x = p.indent[i]
        hanging = i + 1 < p.n and p.text[i + 1] and x < p.indent[i + 1] <= x + t.index(split[1]) + 1
        # Where the speech's next lines sit; where speeches hang, a line back at the name's
        # column is not speech (-1: the speech ends on this line).
        self.inline_at = p.indent[i + 1] if hanging else -1 if prof.inline_hanging else x
        # "NAME    (holding up a bottle of" / "vodka)": the parenthetical goes on below
        self.inline_paren = "(" in split[1] and paren_outside(split[1], False)[1] and self._paren_closes_ahead(i)
        return True

    def _is_dual_cue(self, i: int) -> bool:
        """Two cues side by side ("DIRK        TODD"): the start of dual dialogue in plain text."""
        core = self.p.core[i]
        if "    " not in core or not core[:2].isupper() or not split_dual_cue(core):
            return False
        self.dual_pending = True  # its speech lines hold two columns: wider than speech
        j, gap = self._next_content(i)
        return j >= 0 and gap == 0 and self.p.indent[j] < self.p.indent[i]

    # --- outside a dialogue block -------------------------------------------------------------

    def _outside(self, i: int) -> None:
        p, prof, tags = self.p, self.prof, self.tags
        t, x = p.text[i], p.indent[i]
        facts = self.facts.get(t)  # lines recur (cues above all): their text is read once
        if facts is None:
            facts = self.facts[t] = self._text_facts(i)
        core, is_upper, numbered, transition, heading = facts
        kind = (
            "scene_heading" if numbered
            else "transition" if transition and (is_upper or x > prof.action + 10 or len(core) <= 12)
            else "scene_heading" if heading and not (prof.indented and x >= prof.dialogue + 3 and not is_upper)
            else None
        )
        if kind is not None:
            tags[i] = kind
            self.prev_heading = kind == "scene_heading"
            self.seen_structure = True
            return
        # (a parenthetical set off after the name, "BEN      (holding up the", is the speech's
        # start where cues hold their speech, not a cue extension: try the inline reading first)
        inline_first = prof.inline_names and "  (" in t
        if inline_first and self._inline_cue(i) or self._is_cue(i) or (
            prof.inline_names and not inline_first and self._inline_cue(i)
        ):
            tags[i] = "character"
            self._open_block()
            self.prev_heading = False
            return
        strength = self.p.heading(core) if is_upper else 0
        if (
            strength
            or self._continues_heading(i, is_upper)
            or self._after_transition(i, core, is_upper)
            or prof.bare_headings and is_upper and self._bare_place(i, core)
        ):
            tags[i] = "scene_heading"
            self.prev_heading = self.seen_structure = True
            return
        self.prev_heading = False
        if not self.seen_structure:
            tags[i] = "title_page"
        elif is_upper and shot_search(core):
            tags[i] = "shot"
        else:
            tags[i] = "action"

    def _text_facts(self, i: int) -> tuple[str, bool, bool, bool, bool]:
        """What line i's text alone says, for a line outside dialogue: its core (upper case
        in a caseless script), capitalised or not, and whether it is a numbered heading, a
        transition or a heading by its words (the layout decides the rest, see `_outside`).
        A function of the line's text only, so `_outside` keeps it per text."""
        p = self.p
        t, core = p.text[i], p.core[i]
        if self.prof.caseless:
            core = core.upper()
        is_upper = core == core.upper()
        numbered = t[0] != p.core[i][0] and self._numbered(i)
        transition = is_transition(core, is_upper)
        heading = (is_upper or core[0] in "IiEeİı") and p.heading(core) == 2 or core[0] == "[" and (
            BRACKETED_SCENE.match(core) is not None  # a transcript's "[Scene: Central Perk ...]"
        )
        return core, is_upper, numbered, transition, heading

    def _numbered(self, i: int) -> bool:
        """Numbered on both sides: a production heading, whatever its case."""
        p = self.p
        t, core = p.text[i], p.core[i]
        if t[0] == core[0] or not NUMBERED_BOTH_ENDS.match(t) or shot_search(core.upper()):
            return False
        return len(core) <= 45 and not ends_sentence(core) or self.p.heading(core.upper()) > 0

    def _bare_place(self, i: int, core: str) -> bool:
        """In a script without INT./EXT., a short capitalised line alone between blank lines
        at the action column, not a name, a shot or a sentence, is a heading."""
        p = self.p
        if len(core) > 50 or ends_sentence(core) or core.endswith((".", ":", "-", "…", '"')) or shot_search(core):
            return False
        if p.indent[i] > self.prof.action + 2 or p.shape(core)[1] in self.prof.names:
            return False
        return (i == 0 or not p.text[i - 1] or p.furniture[i - 1]) and (i + 1 == p.n or not p.text[i + 1])

    def _continues_heading(self, i: int, is_upper: bool) -> bool:
        """A heading wrapped onto the next line ("... MINUTES" / "LATER")."""
        p = self.p
        if not (self.prev_heading and is_upper and i > 0 and p.text[i - 1]) or abs(p.indent[i] - p.indent[i - 1]) > 2:
            return False
        core = p.core[i]
        if TIME_ONLY.match(core):
            return True
        wrapped = p.core[i - 1][-1] in ",-/" or len(p.raw[i - 1]) >= self.prof.action_edge - 12
        return wrapped and len(core) <= 30 and ":" not in core

    def _after_transition(self, i: int, core: str, is_upper: bool) -> bool:
        """The line a transition cuts to is a place, INT./EXT. or not; not a place: a
        character the script gives speech to (CUT TO: / MARA: a shot of her), a label
        (CREDITS:) or the text of a TITLE CARD:, quoted text on screen, a line off the
        action column (FADE TO: / BLACK, centred), the subject of a sentence that goes on
        in lower case under it."""
        if not is_upper or len(core) > 60 or ends_sentence(core) or core.endswith((".", ":")):
            return False
        p = self.p
        j = i - 1
        while j >= 0 and (not p.text[j] or p.furniture[j]) and j > i - 6:
            j -= 1
        if j < 0 or self.tags[j] != "transition" or shot_match(core) or core[0] in "\"'“‘" or ": " in core:
            return False
        if p.core[j].startswith("TITLE"):  # TITLE CARD: the card's text follows
            return False
        if self.prof.indented and p.indent[i] > self.prof.action + 2:
            return False
        k = i + 1
        while k < p.n and not p.text[k] and k < i + 4:
            k += 1
        if k < p.n and p.text[k][:1].islower():  # A SPINNING PINWHEEL / held by a boy: a sentence's subject
            return False
        return p.shape(core)[1] not in self.prof.names

    def _untitle_prologue(self) -> None:
        """Lines before the first structural line are title page only if they look like one.

        A script that opens straight on action (no title page, no FADE IN) would otherwise
        lose its first paragraph to the title page; so would one whose opening action
        follows the title page's page break.
        """
        tags, texts = self.tags, self.p.text
        if "title_page" not in tags:
            return
        first = next((i for i, t in enumerate(tags) if t not in ("title_page", "blank", "page_marker")), len(tags))
        head = [i for i in range(first) if tags[i] == "title_page" and i not in self.hints]  # hints stay
        # Title pages are short centred lines; a run of prose lines is opening action.
        prose = [i for i in head if len(texts[i]) > 50 and not texts[i].isupper() or _prose_line(texts[i])]
        start = prose[0] if len(prose) >= 2 else len(tags)
        # The title page is one page: what follows its page break (a page marker after it) is the script.
        if head:
            broken = next((i for i in range(head[0], first) if tags[i] == "page_marker"), len(tags))
            start = min(start, broken)
        for i in head:
            if i >= start:
                tags[i] = "action"


def _prose_line(text: str) -> bool:
    """A line of a sentence: seven words or more, most of them in lower case (not all: a
    sentence has capitals; not letters spaced out, "s t r a n g e"), and no credit ("based
    on a story by Ann Lee")."""
    words = text.split()
    return (
        len(words) >= 7
        and "by" not in map(str.lower, words)
        and not text.islower()
        and sum(w[0].islower() for w in words) >= 0.6 * len(words)
        and len(text) >= 3 * len(words)
    )


def _voiced(core: str, shape: int) -> bool:
    """A capitalised name with a voice extension: "MAYOR (V.O.)", "ANNE (O.S.)"."""
    return shape == 1 and "(" in core and VOICE_EXTENSION.search(core) is not None


def tag_lines(lines: list[str], hints: dict[int, LineType] | None = None) -> list[LineType]:
    """One tag per input line; `hints` are types known from the file (kept as given). Never
    raises on any text."""
    return read_lines(lines, hints)[0]


def read_lines(
    lines: list[str], hints: dict[int, LineType] | None = None
) -> tuple[list[LineType], list[str], list[int]]:
    """`tag_lines`; the lines without the revision marks the tagger found in the right
    margin (`lines.without_margin_mark`: a scene's text is built from these, so no revision
    mark ends up inside a sentence; every other line is kept as it is); and in a
    double-spaced script the blank lines that mean nothing (`lines.double_spaced`), which
    must not break a speech or a paragraph (empty otherwise)."""
    tagger = _Tagger(lines, hints or {})
    keep = double_spaced(tagger.p.lens, tagger.p.indent)
    if keep is None:
        return tagger.run(), _unmarked(lines, tagger.p, range(len(lines))), []
    # Double-spaced: tag the script without its lone blank lines, then put them back.
    where = {old: new for new, old in enumerate(keep)}
    inner = _Tagger([lines[i] for i in keep], {where[i]: k for i, k in (hints or {}).items() if i in where})
    inner_tags = inner.run()
    tags: list[LineType] = ["blank"] * len(lines)
    for new, old in enumerate(keep):
        tags[old] = inner_tags[new]
    for i, kind in (hints or {}).items():
        if 0 <= i < len(tags):
            tags[i] = kind
    spacers = sorted(set(range(len(lines))) - set(keep))
    return tags, _unmarked(lines, inner.p, keep), spacers


def _unmarked(lines: list[str], read: Lines, where: Sequence[int]) -> list[str]:
    """`lines` with each line `read` cut a revision mark from replaced by its cut form
    (`where[k]`: the line of `lines` that `read`'s line k is)."""
    if not read.marked:
        return lines
    out = list(lines)
    for k in read.marked:
        out[where[k]] = read.raw[k]
    return out


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector around a parse.

    A parse allocates a few hundred thousand small objects that hold no reference
    cycles; left on, the collector walks them again and again (about 12% of the parse
    time). Reference counting still frees everything; the collector is back on after.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def form_tags(form: TextForm) -> list[LineType]:
    """The tags of a text form: the element types its source format carries when it has them
    all, else the tagger's, with the reader's `hints` kept and used as context (a hinted
    page marker inside a speech does not end it; a hinted cue opens a block)."""
    if form.tags is not None:
        return form.tags
    return tag_lines(form.lines, form.hints)


def tag(form: TextForm) -> list[TaggedLine]:
    """Tag a text form (see `form_tags`)."""
    with paused_gc():
        return list(map(TaggedLine, range(len(form.lines)), form_tags(form), form.lines))

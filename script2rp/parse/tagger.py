"""Tag every physical line of a screenplay's text form.

Hand-written rules, not a library: no maintained Python package tags raw screenplay
text (IMSDb dumps, PDF text) line by line; the published parsers are either research
code tied to one dataset or readers of well-formed Fountain. The rules here follow how a
reader finds the structure of a typed script:

1. Page furniture first, by pattern alone (page numbers, CONTINUED, (MORE), revision
   headers, lone asterisks): it can sit anywhere, even inside a speech.
2. Layout: each script has its own indentation columns. We learn them per script from
   lines that are unambiguous (a capitalised short line directly followed by an indented
   line is a cue; the lines after cues give the dialogue column; long lines give the
   action column and the width of action vs dialogue).
3. Sequence: a cue opens a dialogue block; lines of the block are dialogue or
   parenthetical until a blank line or a return to the action column.

Every decision is local and linear in the number of lines, so tagging runs at several
MB/s in pure Python.
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from operator import sub

from script2rp.model import LineType, TaggedLine, TextForm

# --- page furniture -----------------------------------------------------------------
_SCENE_NO = r"[A-Z]{0,2}\d{1,4}[A-Z]{0,3}"
_PAGE_MARKER = re.compile(
    r"""^(?:
        (?:page\s*|p\.\s*)?-?\s*\d{1,4}[A-Z]{0,2}(?:\s*-\s*\d{1,4}[A-Z]{0,2})?\s*\.?\s*-?  # 12. | 78A. | 75-78. | p. 70 | - 5 -
      | \d{1,4}\s*/\s*\d{1,4}                                   # 12/120
      | \(?\s*(?:MORE|CONTINUED|CONT'D|CONT’D|CONTINUING)\s*\)?\s*:?(?:\s*\(\d+\))?   # (MORE) (CONTINUED) CONTINUED: (2)
      | """ + _SCENE_NO + r"""\s+(?:CONTINUED|OMITTED|OMIT)\s*:?\s*(?:\(\d+\))?\s*(?:""" + _SCENE_NO + r""")?\s*\**  # 65 CONTINUED: 65
      | (?:CONTINUED|OMITTED)\s*:?\s*(?:\(\d+\))?\s*(?:""" + _SCENE_NO + r""")?
      | \*+                                                      # revision asterisks alone
      | (?:FINAL\s+)?(?:SHOOTING\s+)?(?:DRAFT|SCRIPT)\s*[-:]?\s*\d{1,2}[/.]\d{1,2}[/.]\d{2,4}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Cheap pre-check so the page-marker pattern runs on few lines.
_MARKER_HINT = re.compile(r"[\d(*-]|.\d|(?i:page|p\.|more|cont|omit|final|shoot|draft|scrip)")
_REVISION = re.compile(
    r"\b(?:white|blue|pink|yellow|green|goldenrod|buff|salmon|cherry|tan|gold|grey|gray)\s+(?:rev(?:ision|ised|s)?\.?|pages?)\b"
    r"|\brevis(?:ed|ion)s?\b.*(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4})"
    r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b.*\s\d{1,3}[A-Z]?\.$",
    re.IGNORECASE,
)

# --- headings, transitions, shots ----------------------------------------------------
_HEADING_KW = re.compile(
    r"^(?:INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|I\s*/\s*E|E\s*/\s*I|INT|EXT|EST|INTERIOR|EXTERIOR)\b\.?(?!')",
    re.IGNORECASE,
)
_TIME_OF_DAY = (
    r"(?:(?:LATE|EARLY|MID|NEXT|THAT|SAME|LATER THAT)[ -])?(?:DAY|NIGHT|MORNING|EVENING|AFTERNOON|DUSK|DAWN|SUNSET|SUNRISE|"
    r"NOON|MIDNIGHT|LATER|MOMENTS? LATER|A (?:LITTLE|BIT|MOMENT|WHILE) LATER|(?:A )?(?:FEW )?(?:MINUTES?|HOURS?|SECONDS?) LATER|CONTINUOUS|SAME|"
    r"SAME TIME|PRESENT|MAGIC HOUR|TWILIGHT|DAYTIME|NIGHTTIME)"
)
_HEADING_NO_KW = re.compile(
    r"^(?:-+\s*)?[A-Z0-9][A-Z0-9 .,'’&/#()-]*?\s?(?:-|--|–|—)\s*" + _TIME_OF_DAY + r"\b[^a-z]{0,60}$"
)
_SEGMENT = re.compile(
    r"^(?:(?:BEGIN|START|END)\s+(?:OF\s+)?)?(?:MONTAGE|SERIES OF SHOTS|FLASHBACK|FLASH ?BACK|DREAM SEQUENCE)\b"
    r"|^(?:BACK TO (?:PRESENT|THE PRESENT|REALITY))\b",
)
_TRANSITION = re.compile(
    r"^[A-Z][A-Z .'’-]*\bTO:$"  # CUT TO:, SMASH CUT TO:, BACK TO:
    r"|^(?:FADE|CUT|DISSOLVE|SMASH|MATCH|JUMP|TIME|WIPE|IRIS|SHOCK|FLASH)\b[A-Z .'’-]{0,25}[:.]?$"
    r"|^(?:THE END|END CREDITS|ROLL CREDITS|INTERCUT(?: WITH)?:?)\.?$"
)
_SHOT = re.compile(
    r"^(?:ANGLE(?:\s+ON)?|CLOSE(?:\s*-?\s*UP|\s+ON|\s+SHOT)?|EXTREME CLOSE|ECU|CU|INSERT|WIDE(?:\s+ON|\s+SHOT|\s+ANGLE)?|"
    r"REVERSE(?:\s+ANGLE)?|TRACKING(?:\s+SHOT)?|AERIAL(?:\s+SHOT)?|ESTABLISHING(?:\s+SHOT)?|MEDIUM(?:\s+SHOT)?|"
    r"TWO SHOT|OVER THE SHOULDER|POV|BACK ON|ON THE|PAN(?:\s+TO)?|MOVING|HIGH ANGLE|LOW ANGLE|FAVORING|NEW ANGLE|"
    r"SLOW MOTION|SPLIT SCREEN|OMITTED)\b"
    r"|\bPOV\b"
)

# --- cues ------------------------------------------------------------------------------
_EXTENSIONS = re.compile(r"\s*\([^()]*\)?")
_CUE_NAME = re.compile(r"^(?:M[ac]|O'|D')?[A-Z0-9][A-Z0-9 .,'’&#/-]*(?:M[ac][A-Z][A-Z0-9 .'’-]*)?$")
_SENTENCE_END = re.compile(r"[!?;,]$|[a-z]\.$")
_DUAL_SPLIT = re.compile(r"\S\s{4,}\S")
_TRAILING_NOISE = re.compile(r"(?:\s+\*+|\s+" + _SCENE_NO + r"\s*\**)$")
_LEADING_SCENE_NO = re.compile(r"^" + _SCENE_NO + r"\s+(?=\S)")
_NUMBERED = re.compile(r"^(" + _SCENE_NO + r")\s+\S.*\S\s+\1\s*\**$")
_TRAILING_LETTER = re.compile(r"(?<=\S)\s{4,}[A-Za-z]$")
_WORD = re.compile(r"[A-Za-z0-9]")

BLANK: LineType = "blank"


@dataclass(slots=True)
class Layout:
    """Indentation columns learned from one script (character columns of the text form)."""

    action: int
    dialogue: int
    cue: int
    dialogue_width: int  # usual right edge of dialogue lines
    action_width: int
    indented: bool  # cues/dialogue sit right of the action column
    names: frozenset[str] = frozenset()  # recurring cue-like lines: speaker names in any case
    lower_cues: bool = False  # cues are not capitalised: recognise them by layout alone
    caseless: bool = False  # the whole script is in one case: capitals carry no signal


def _strip_core(text: str) -> str:
    if not (text[-1] in "0123456789*" or text[0].isdigit() or text[1:2].isdigit() or text[2:4].isdigit()):
        return text
    core = _TRAILING_NOISE.sub("", text)
    core = _LEADING_SCENE_NO.sub("", core) if core != text or _LEADING_SCENE_NO.match(text) else core
    return core.strip()


def is_page_marker(text: str) -> bool:
    if (len(text) <= 45 or "   " in text) and _MARKER_HINT.match(text) and _PAGE_MARKER.match(text):
        return True
    if len(text) >= 90 or not (
        text[-1].isdigit() or "evis" in text or "EVIS" in text or (text[-1] == "." and text[-2:-1].isdigit())
    ):
        return False
    # Each branch of _REVISION needs "rev", "page" (any case) or a final period.
    if text[-1] != ".":
        low = text.lower()
        if "rev" not in low and "page" not in low:
            return False
    return bool(_REVISION.search(text))


# Whole-document candidate scans. Each pattern starts with a newline, so the regex engine
# skips from line to line at C speed; only the few lines found get the per-line checks
# (`_strip_core`, `is_page_marker`, watermark letters). Line ends are scanned in the
# reversed text, so those patterns start with a newline too. Each pattern finds a
# superset of the lines its checks can change.
_CAND_START = re.compile(r"\n(?:[^\n]{0,3}\d|[(*-]|[^\W\d_](?=\n))")
# The words of `_MARKER_HINT`, run on the lower-cased text (much faster than IGNORECASE);
# the IGNORECASE form only for text holding a letter lower() folds differently.
_CAND_WORD = re.compile(r"\n(?:page|p\.|more|cont|omit|final|shoot|draft|scrip)")
_CAND_WORD_ANY_CASE = re.compile(_CAND_WORD.pattern, re.IGNORECASE)
_CAND_END = re.compile(r"\n(?:[\d*]|\.\d|[A-Za-z] [^\S\n]{3})")  # reversed: ends in a digit, *, ".5", "    x"


def _hit_lines(pattern: re.Pattern[str], wrapped: str, inside: bool = False) -> list[int]:
    """Indices of the lines whose leading newline a match of `pattern` starts at (with
    `inside`: the lines a match starts in), in `wrapped` = "\\n" + "\\n".join(lines) + "\\n"."""
    out: list[int] = []
    line = -1 if inside else 0
    pos = 0
    count = wrapped.count
    for m in pattern.finditer(wrapped):
        s = m.start()
        line += count("\n", pos, s)
        pos = s
        out.append(line)
    return out


class _Prepped:
    """Per-line features as parallel lists: no object per line, this is the hot path.

    raw: tabs expanded, right-stripped (a trailing watermark letter removed); text:
    stripped; indent; core: text without scene numbers and revision marks; furniture:
    page number, CONTINUED, (MORE), revision header...; debris: a stray letter from a PDF
    watermark (layout-wise a blank line, tagged page_marker).
    """

    __slots__ = ("raw", "text", "indent", "core", "furniture", "debris")

    def __init__(self, lines: list[str]) -> None:
        joined = "\n".join(lines)
        if joined.count("\n") != len(lines) - 1 and lines:  # newlines inside lines: not ours to split
            lines = [line.replace("\n", " ") for line in lines]
            joined = "\n".join(lines)
        if "\t" in joined:
            lines = [line.expandtabs(8) for line in lines]
        raw = [line.rstrip() for line in lines]
        text = [r.lstrip() for r in raw]
        n = len(text)
        wrapped = "\n" + "\n".join(text) + "\n"
        ends = [n - 1 - i for i in _hit_lines(_CAND_END, wrapped[::-1])]
        cands = set(_hit_lines(_CAND_START, wrapped))
        if "ı" in wrapped or "İ" in wrapped or "ſ" in wrapped:  # fold like IGNORECASE does
            cands.update(_hit_lines(_CAND_WORD_ANY_CASE, wrapped))
        else:
            cands.update(_hit_lines(_CAND_WORD, wrapped.lower()))
        for i in ends:
            r = raw[i]
            if len(r) > 8 and r[-2] == " " and r[-1].isalpha():
                r = raw[i] = _TRAILING_LETTER.sub("", r)
                text[i] = r.lstrip()
        cands.update(ends)
        for word in ("evis", "EVIS"):  # one literal at a time: much faster than an alternation
            if word in wrapped:
                cands.update(_hit_lines(re.compile(word), wrapped, inside=True))
        indent = list(map(sub, map(len, raw), map(len, text)))
        core = text[:]
        furniture = [False] * n
        debris = [False] * n
        for i in cands:
            t = text[i]
            if not t:
                continue
            if len(t) == 1 and t.isalpha():
                debris[i] = furniture[i] = True
            else:
                core[i] = _strip_core(t)
                furniture[i] = is_page_marker(t)
        self.raw, self.text, self.indent, self.core = raw, text, indent, core
        self.furniture, self.debris = furniture, debris


@lru_cache(maxsize=16384)
def cue_name(core: str) -> str | None:
    """The name part of a plausible character cue, or None."""
    name = _EXTENSIONS.sub("", core).strip().rstrip(":").strip().lstrip("@").rstrip("^").strip()
    if not name or len(name) > 38 or len(name.split()) > 5 or not _WORD.search(name):
        return None
    if ")" in name and "(" not in core:  # "AWAY)": the end of a parenthetical broken over lines
        return None
    if name.replace(" ", "").replace(".", "").replace("#", "").isdigit():
        return None
    return name


@lru_cache(maxsize=8192)
def _looks_like_cue_caps(core: str) -> bool:
    name = cue_name(core)
    if name is None or not _CUE_NAME.match(name) or _SENTENCE_END.search(name):
        return False
    if name.endswith(".") and not re.search(r"\b(?:DR|MR|MRS|MS|ST|JR|SR|LT|SGT|CAPT|COL|GEN|PROF|REV|NO)\.$", name):
        return False
    return not (_TRANSITION.match(core) or _HEADING_KW.match(core) or _SHOT.match(name))


@lru_cache(maxsize=8192)
def _caps_cue(core: str) -> bool:
    """A capitalised cue; the extension may be in any case: JOHN (cont'd), McCLANE (V.O.)."""
    name = cue_name(core)
    return name is not None and (name.isupper() or name.startswith("Mc")) and _looks_like_cue_caps(core)


@lru_cache(maxsize=8192)
def _looks_like_cue_lower(core: str) -> bool:
    """A cue in an all-lower-case script: a short name, no sentence punctuation."""
    name = cue_name(core)
    return (
        name is not None
        and len(name.split()) <= 4
        and name[0].isalpha()
        and not _SENTENCE_END.search(name)
        and not name.endswith(".")
        and not core.startswith("(")
    )


@lru_cache(maxsize=8192)
def _looks_like_cue_any_case(core: str) -> bool:
    """A cue in a script whose cues are not capitalised: short, no sentence punctuation."""
    name = cue_name(core)
    if name is None or len(name.split()) > 3 or _SENTENCE_END.search(name) or name.endswith("."):
        return False
    if core.startswith("(") or not name[0].isalpha():
        return False
    words = name.split()
    return all(w[0].isupper() or w[0].isdigit() or w in ("of", "the", "de", "van", "von") for w in words)


def is_scene_heading(core: str) -> bool:
    if _HEADING_KW.match(core):
        rest = _HEADING_KW.sub("", core, count=1)
        # "INT." alone, or followed by a place; reject sentences like "Interior design is..."
        return not rest or rest[0] in " .-/–—:" and len(core) < 120
    upper = core.upper()
    if core == upper and (_HEADING_NO_KW.match(core) or (_SEGMENT.match(core) and len(core) <= 45)):
        return True
    return False


def _mode(values: list[int], default: int) -> int:
    if not values:
        return default
    return Counter(values).most_common(1)[0][0]


def _percentile(values: list[int], q: float, default: int) -> int:
    if not values:
        return default
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def learn_layout(p: _Prepped) -> Layout:
    """Learn a script's columns from its unambiguous lines (one pass over line pairs)."""
    texts, cores, indents, raws, furniture = p.text, p.core, p.indent, p.raw, p.furniture
    n = len(texts)
    lens = list(map(len, texts))
    upper = list(map(str.isupper, texts))
    caseless = sum(upper) <= 2 + 0.002 * n
    other_cue = _looks_like_cue_lower if caseless else _looks_like_cue_any_case
    long_ind = [ind for ind, k, up in zip(indents, lens, upper) if k >= 45 and not up]
    speech_of_caps: list[int] = []  # indices of likely cues
    speech_of_lower: list[int] = []
    standalone: Counter[str] = Counter()
    # Only a non-blank line followed by a non-blank line can be a cue; below, a short one
    # or one followed by a line further left.
    clens = list(map(len, cores))
    pairs = zip(lens, lens[1:], clens, indents, indents[1:])
    for i in [i for i, (a, b, c, x, y) in enumerate(pairs) if a and b and (c <= 30 or y < x)]:
        core = cores[i]
        caps = None
        if len(core) <= 30:
            caps = _caps_cue(core)
            if caps or ((i == 0 or not lens[i - 1]) and other_cue(core)):
                standalone[cue_name(core).upper()] += 1
        ind = indents[i]
        nind = indents[i + 1]
        if nind >= ind or furniture[i] or furniture[i + 1]:
            continue
        if caps if caps is not None else _caps_cue(core):
            speech_of_caps.append(i)
        elif ind >= 12 and nind <= ind - 4 and _looks_like_cue_lower(core):
            speech_of_lower.append(i)
    # A script whose cues are all in lower case: trust layout alone.
    lower_cues = caseless or (len(speech_of_caps) < 3 and len(speech_of_lower) >= 3)
    cue_ind, dlg_ind, dlg_end = [], [], []
    for i in speech_of_lower if lower_cues else speech_of_caps:
        cue_ind.append(indents[i])
        j = i + 1
        while j < n and texts[j] and texts[j][0] != "(" and j < i + 4:
            if not furniture[j]:
                dlg_ind.append(indents[j])
                dlg_end.append(len(raws[j]))
            j += 1
    action = _percentile(long_ind, 0.1, 0) if long_ind else 0
    action = _mode([v for v in long_ind if v <= action + 2], action)
    dialogue = _mode(dlg_ind, action)
    cue = _mode(cue_ind, dialogue + 10)
    dialogue_width = _percentile(dlg_end, 0.9, 60)
    others = [len(r) for r, ind, k, up in zip(raws, indents, lens, upper) if k > 20 and ind <= action + 1 and not up]
    action_width = _percentile(others, 0.9, 75)
    indented = cue > action + 4 and len(cue_ind) >= 3
    names = frozenset(name for name, k in standalone.items() if k >= 2)
    return Layout(action, dialogue, cue, dialogue_width, action_width, indented, names, lower_cues, caseless)


def _paren_outside(text: str, open_at_start: bool) -> tuple[str, bool]:
    """Text outside parentheses, and whether a parenthesis is still open at the end."""
    if not open_at_start and "(" not in text:
        return text, False
    depth = 1 if open_at_start else 0
    outside = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            outside.append(ch)
    return "".join(outside), depth > 0


def tag_lines(lines: list[str]) -> list[LineType]:
    """One tag per input line. Never raises on any text."""
    p = _Prepped(lines)
    layout = learn_layout(p)
    texts, indents, cores, raws, furniture, debris = p.text, p.indent, p.core, p.raw, p.furniture, p.debris
    n = len(texts)
    tags: list[LineType] = ["blank"] * n
    names = layout.names
    indented, lower_cues, caseless = layout.indented, layout.lower_cues, layout.caseless
    col_action, col_dialogue, col_cue = layout.action, layout.dialogue, layout.cue

    def _known_name(core: str) -> bool:
        return bool(names) and len(core) <= 40 and (cue_name(core) or "").upper() in names

    def _follows_transition(i: int) -> bool:
        j = i - 1
        while j >= 0 and (not texts[j] or furniture[j]) and j > i - 6:
            j -= 1
        return j >= 0 and tags[j] == "transition"

    def near_page_break(i: int) -> bool:
        """A blank line that only pads a page break does not end a speech."""
        for step in (-1, 1):
            j = i + step
            while 0 <= j < n and not texts[j] and abs(j - i) < 4:
                j += step
            if 0 <= j < n and furniture[j] and not debris[j]:
                return True
        return False

    def closes_paren(i: int) -> bool:
        """A blank line inside a parenthetical broken over lines: "(notices something down",
        "", "BELOW)". The line after closes it: the speech goes on."""
        j = i + 1
        while j < n and not texts[j] and j < i + 3:
            j += 1
        if j >= n or not texts[j] or furniture[j]:
            return False
        t = texts[j]
        close = t.find(")")
        return close >= 0 and "(" not in t[:close] and (not indented or indents[j] > col_action + 3)

    def is_cue(i: int) -> bool:
        core = cores[i]
        if len(core) > 60:
            return False
        ind = indents[i]
        if indented:
            if ind < col_dialogue + 3 or ind < col_action + 5 or ind > col_cue + 25:
                return False
        elif not (_caps_cue(core) or _known_name(core)):
            return False
        j = i + 1
        if j >= n:
            return False
        k = j
        if not texts[j] or furniture[j]:
            # Some scripts put a blank line (or a page break) between a cue and its speech.
            while k < n and (not texts[k] or furniture[k]) and k < j + 3:
                k += 1
            if k >= n or k == j + 3:
                return False
            if not (texts[k][0] == "(" or (indented and abs(indents[k] - col_dialogue) <= 2 and indents[k] < ind)):
                return False
            if not _caps_cue(core) and not (
                indented and abs(ind - col_cue) <= 8 and _looks_like_cue_any_case(core)
            ):
                return False
        nxt = texts[k]
        if indented:
            if nxt and indents[k] >= ind + 8 and nxt[0] != "(":
                return False
            if _caps_cue(core):
                upper = core.upper()
                return _looks_like_cue_caps(upper) and not _TRANSITION.match(upper)
            near = abs(ind - col_cue) <= 8
            if lower_cues:
                return near and _looks_like_cue_lower(core)
            return near and _looks_like_cue_any_case(core)
        # Flat layout: capitalised short line directly followed by text.
        if _known_name(core):
            return True
        if not _caps_cue(core):
            return False
        if nxt.isupper() and nxt[0] != "(" and len(nxt) < 40:
            return False  # two caps lines in a row in a flat script: headings or shouted action
        return True

    # 0 outside dialogue, 1 expecting speech after a cue, 2 inside speech, 3 blank after speech
    state = 0
    block_indent: int | None = None
    same_columns = indented and abs(col_dialogue - col_action) <= 2
    speech_gap = indented and col_dialogue > col_action + 3
    dialogue_edge = layout.dialogue_width + 6
    paren_open = False
    prev_heading = False
    seen_structure = False
    for i, text in enumerate(texts):
        if not text or debris[i]:
            if text:
                tags[i] = "page_marker"
            if state == 2 and not near_page_break(i) and not (paren_open and closes_paren(i)):
                state = 3
                paren_open = False
            prev_heading = False
            continue
        if furniture[i]:
            tags[i] = "page_marker"
            block_indent = None  # a speech may go on after a page break at another indent
            continue
        core = cores[i]
        if caseless:
            core = core.upper()
            upper_core = core
        else:
            upper_core = core.upper()
        is_upper = core == upper_core
        ind = indents[i]

        if state == 3:  # a blank line ended a speech; "(beat)" after it resumes the speech
            state = 0
            if text[0] == "(" and col_action + 3 < ind < col_cue + 8:
                state = 1
        if state:
            if paren_open or text[0] == "(":
                outside, paren_open = _paren_outside(text, paren_open)
                if _WORD.search(outside):
                    tags[i] = "dialogue"
                    state = 2
                    if block_indent is None:
                        block_indent = ind
                else:
                    tags[i] = "parenthetical"
                continue
            if is_upper and (block_indent is None or ind != block_indent):
                if _TRANSITION.match(core) or (_HEADING_KW.match(core) and is_scene_heading(core)):
                    state, block_indent, paren_open = 0, None, False
                    if _TRANSITION.match(core):
                        tags[i] = "transition"
                        prev_heading = False
                    else:
                        tags[i] = "scene_heading"
                        prev_heading = True
                    continue
            if (
                block_indent is None or ind > block_indent + 3 or (names and len(core) <= 40 and _known_name(core))
            ) and is_cue(i):
                tags[i] = "character"
                state, block_indent = 1, None
                continue
            if state == 1 or block_indent is None:
                speech = not (speech_gap and ind <= col_action + 2)
            else:
                speech = ind >= block_indent - 2 and not (same_columns and len(raws[i]) > dialogue_edge)
            if speech and not (not indented and core.isupper() and is_scene_heading(core)):
                tags[i] = "dialogue"
                paren_open = "(" in text and _paren_outside(text, False)[1]
                if block_indent is None:
                    block_indent = ind
                state = 2
                continue
            state = 0
            paren_open = False

        if (
            text[0] != core[0]
            and is_upper
            and _NUMBERED.match(text)
            and (len(core) <= 45 or _HEADING_NO_KW.match(core))
            and not _SHOT.search(core)
        ):
            tags[i] = "scene_heading"  # numbered on both sides: a production heading
            prev_heading = True
            seen_structure = True
            continue
        if (
            (is_upper or core[0] in "IiEeİı")
            and is_scene_heading(core)
            and (not indented or ind < col_dialogue + 3 or is_upper)
        ):
            tags[i] = "scene_heading"
            prev_heading = True
            seen_structure = True
            continue
        if prev_heading and is_upper and i > 0 and texts[i - 1] and ind == indents[i - 1]:
            tags[i] = "scene_heading"  # heading wrapped onto a second line
            continue
        prev_heading = False
        if is_upper:
            if _TRANSITION.match(core.rstrip()):
                tags[i] = "transition"
                seen_structure = True
                continue
            if (
                len(core) <= 60
                and not _SENTENCE_END.search(core)
                and not core.endswith(".")
                and _follows_transition(i)
                and not is_cue(i)
            ):
                tags[i] = "scene_heading"  # the line a transition cuts to is a place, INT./EXT. or not
                prev_heading = True
                continue
        if (
            len(cores[i]) <= 60
            and (not indented or col_dialogue + 3 <= ind <= col_cue + 25 and ind >= col_action + 5)
            and is_cue(i)
        ):
            tags[i] = "character"
            state, block_indent = 1, None
            paren_open = False
            seen_structure = True
            continue
        if not seen_structure:
            tags[i] = "title_page"
            continue
        if is_upper and _SHOT.search(core):
            tags[i] = "shot"
            continue
        tags[i] = "action"

    _untitle_prologue(tags, texts)
    return tags


def _untitle_prologue(tags: list[LineType], texts: list[str]) -> None:
    """Lines before the first structural line are title page only if they look like one.

    A script that opens straight on action (no title page, no FADE IN) would otherwise
    lose its first paragraph to the title page.
    """
    if "title_page" not in tags:
        return
    first = next((i for i, t in enumerate(tags) if t not in ("title_page", "blank", "page_marker")), len(tags))
    head = [i for i in range(first) if tags[i] == "title_page"]
    if not head:
        return
    long_prose = [i for i in head if len(texts[i]) > 50 and not texts[i].isupper()]
    # Title pages are short centred lines; a run of long prose lines is opening action.
    if len(long_prose) >= 2:
        start = long_prose[0]
        for i in head:
            if i >= start:
                tags[i] = "action"


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
    all, else the tagger's, with the reader's `hints` kept."""
    if form.tags is not None:
        return form.tags
    tags = tag_lines(form.lines)
    for index, kind in form.hints.items():
        if 0 <= index < len(tags):
            tags[index] = kind
    return tags


def tag(form: TextForm) -> list[TaggedLine]:
    """Tag a text form (see `form_tags`)."""
    with paused_gc():
        return list(map(TaggedLine, range(len(form.lines)), form_tags(form), form.lines))

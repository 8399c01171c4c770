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

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

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
class _Line:
    raw: str  # tabs expanded, right-stripped
    text: str  # stripped
    indent: int
    core: str  # text without scene numbers and revision marks
    furniture: bool  # page number, CONTINUED, (MORE), revision header...
    debris: bool = False  # a stray letter from a PDF watermark: layout-wise a blank line


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


def _prep(lines: list[str]) -> list[_Line]:
    out = []
    for line in lines:
        raw = (line.expandtabs(8) if "\t" in line else line).rstrip()
        if len(raw) > 8 and raw[-2] == " " and raw[-1].isalpha():
            raw = _TRAILING_LETTER.sub("", raw)
        text = raw.lstrip()
        if len(text) == 1 and text.isalpha():
            out.append(_Line(raw, text, len(raw) - 1, text, True, debris=True))
        elif text:
            out.append(_Line(raw, text, len(raw) - len(text), _strip_core(text), is_page_marker(text)))
        else:
            out.append(_Line("", "", 0, "", False))
    return out


def is_page_marker(text: str) -> bool:
    if (len(text) <= 45 or "   " in text) and _MARKER_HINT.match(text) and _PAGE_MARKER.match(text):
        return True
    return (
        len(text) < 90
        and (text[-1].isdigit() or "evis" in text or "EVIS" in text or (text[-1] == "." and text[-2:-1].isdigit()))
        and bool(_REVISION.search(text))
    )


@lru_cache(maxsize=16384)
def cue_name(core: str) -> str | None:
    """The name part of a plausible character cue, or None."""
    name = _EXTENSIONS.sub("", core).strip().rstrip(":").strip().lstrip("@").rstrip("^").strip()
    if not name or len(name) > 38 or len(name.split()) > 5 or not _WORD.search(name):
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


def learn_layout(lines: list[_Line]) -> Layout:
    """Learn a script's columns from its unambiguous lines."""
    cue_ind, dlg_ind, dlg_end, long_ind = [], [], [], []
    speech_of_caps: list[int] = []  # indices of likely cues
    speech_of_lower: list[int] = []
    standalone: Counter[str] = Counter()
    n = len(lines)
    caps_lines = sum(1 for ln in lines if ln.text.isupper())
    caseless = caps_lines <= 2 + 0.002 * n
    for i, ln in enumerate(lines):
        if not ln.text:
            continue
        if (
            len(ln.core) <= 30
            and i + 1 < n
            and lines[i + 1].text
            and (
                _caps_cue(ln.core)
                or (
                    (i == 0 or not lines[i - 1].text)
                    and (_looks_like_cue_lower(ln.core) if caseless else _looks_like_cue_any_case(ln.core))
                )
            )
        ):
            standalone[cue_name(ln.core).upper()] += 1
        if len(ln.text) >= 45 and not ln.text.isupper():
            long_ind.append(ln.indent)
        nxt = lines[i + 1] if i + 1 < n else None
        if nxt is None or not nxt.text or nxt.indent >= ln.indent or ln.furniture or nxt.furniture:
            continue
        if _caps_cue(ln.core):
            speech_of_caps.append(i)
        elif ln.indent >= 12 and nxt.indent <= ln.indent - 4 and _looks_like_cue_lower(ln.core):
            speech_of_lower.append(i)
    # A script whose cues are all in lower case: trust layout alone.
    lower_cues = caseless or (len(speech_of_caps) < 3 and len(speech_of_lower) >= 3)
    for i in speech_of_lower if lower_cues else speech_of_caps:
        cue_ind.append(lines[i].indent)
        j = i + 1
        while j < n and lines[j].text and not lines[j].text.startswith("(") and j < i + 4:
            if not lines[j].furniture:
                dlg_ind.append(lines[j].indent)
                dlg_end.append(len(lines[j].raw))
            j += 1
    action = _percentile(long_ind, 0.1, 0) if long_ind else 0
    action = _mode([v for v in long_ind if v <= action + 2], action)
    dialogue = _mode(dlg_ind, action)
    cue = _mode(cue_ind, dialogue + 10)
    dialogue_width = _percentile(dlg_end, 0.9, 60)
    others = [
        len(ln.raw)
        for ln in lines
        if ln.text and ln.indent <= action + 1 and len(ln.text) > 20 and not ln.text.isupper()
    ]
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
    prepped = _prep(lines)
    layout = learn_layout(prepped)
    n = len(prepped)
    tags: list[LineType] = ["blank"] * n

    furniture = [ln.furniture for ln in prepped]

    def next_content(i: int) -> int:
        j = i + 1
        while j < n and furniture[j]:
            j += 1
        return j

    def _known_name(core: str) -> bool:
        return bool(layout.names) and len(core) <= 40 and (cue_name(core) or "").upper() in layout.names

    def _follows_transition(i: int) -> bool:
        j = i - 1
        while j >= 0 and (not prepped[j].text or furniture[j]) and j > i - 6:
            j -= 1
        return j >= 0 and tags[j] == "transition"

    def near_page_break(i: int) -> bool:
        """A blank line that only pads a page break does not end a speech."""
        for step in (-1, 1):
            j = i + step
            while 0 <= j < n and not prepped[j].text and abs(j - i) < 4:
                j += step
            if 0 <= j < n and furniture[j] and not prepped[j].debris:
                return True
        return False

    def is_cue(i: int) -> bool:
        ln = prepped[i]
        if len(ln.core) > 60:
            return False
        if layout.indented:
            if ln.indent < layout.dialogue + 3 or ln.indent < layout.action + 5 or ln.indent > layout.cue + 25:
                return False
        elif not (_caps_cue(ln.core) or _known_name(ln.core)):
            return False
        j = i + 1
        if j >= n:
            return False
        nxt = prepped[j]
        if not nxt.text or furniture[j]:
            # Some scripts put a blank line (or a page break) between a cue and its speech.
            k = j
            while k < n and (not prepped[k].text or furniture[k]) and k < j + 3:
                k += 1
            if k >= n or k == j + 3:
                return False
            nxt = prepped[k]
            if not (nxt.text.startswith("(") or (layout.indented and abs(nxt.indent - layout.dialogue) <= 2 and nxt.indent < ln.indent)):
                return False
            if not _caps_cue(ln.core) and not (
                layout.indented and abs(ln.indent - layout.cue) <= 8 and _looks_like_cue_any_case(ln.core)
            ):
                return False
        if layout.indented:
            if ln.indent < layout.dialogue + 3 or ln.indent < layout.action + 5:
                return False
            if ln.indent > layout.cue + 25:
                return False
            if nxt.text and nxt.indent >= ln.indent + 8 and not nxt.text.startswith("("):
                return False
            if _caps_cue(ln.core):
                return _looks_like_cue_caps(ln.core.upper()) and not _TRANSITION.match(ln.core.upper())
            near = abs(ln.indent - layout.cue) <= 8
            if layout.lower_cues:
                return near and _looks_like_cue_lower(ln.core)
            return near and _looks_like_cue_any_case(ln.core)
        # Flat layout: capitalised short line directly followed by text.
        if _known_name(ln.core):
            return True
        if not _caps_cue(ln.core):
            return False
        if nxt.text.isupper() and not nxt.text.startswith("(") and len(nxt.text) < 40:
            return False  # two caps lines in a row in a flat script: headings or shouted action
        return True

    # 0 outside dialogue, 1 expecting speech after a cue, 2 inside speech, 3 blank after speech
    state = 0
    block_indent: int | None = None
    same_columns = layout.indented and abs(layout.dialogue - layout.action) <= 2
    paren_open = False
    prev_heading = False
    seen_structure = False
    for i, ln in enumerate(prepped):
        text = ln.text
        if not text or ln.debris:
            tags[i] = "page_marker" if ln.debris else "blank"
            if state == 2 and not near_page_break(i):
                state = 3
                paren_open = False
            prev_heading = False
            continue
        if furniture[i]:
            tags[i] = "page_marker"
            block_indent = None  # a speech may go on after a page break at another indent
            continue
        core = ln.core.upper() if layout.caseless else ln.core
        upper_core = core.upper()

        if state == 3:  # a blank line ended a speech; "(beat)" after it resumes the speech
            state = 0
            if text.startswith("(") and ln.indent > layout.action + 3 and ln.indent < layout.cue + 8:
                state = 1
        if state in (1, 2):
            if paren_open or text.startswith("("):
                outside, paren_open = _paren_outside(text, paren_open)
                tags[i] = "dialogue" if _WORD.search(outside) else "parenthetical"
                if tags[i] == "dialogue":
                    state = 2
                    block_indent = block_indent if block_indent is not None else ln.indent
                continue
            if core == upper_core and (block_indent is None or ln.indent != block_indent):
                if _TRANSITION.match(core) or (_HEADING_KW.match(core) and is_scene_heading(core)):
                    state, block_indent, paren_open = 0, None, False
                    tags[i] = "transition" if _TRANSITION.match(core) else "scene_heading"
                    prev_heading = tags[i] == "scene_heading"
                    continue
            if (block_indent is None or ln.indent > block_indent + 3 or _known_name(core)) and is_cue(i):
                tags[i] = "character"
                state, block_indent = 1, None
                continue
            if state == 1 or block_indent is None:
                speech = not (layout.indented and layout.dialogue > layout.action + 3 and ln.indent <= layout.action + 2)
            else:
                speech = ln.indent >= block_indent - 2 and not (
                    same_columns and len(ln.raw) > layout.dialogue_width + 6
                )
            if speech and not (not layout.indented and core.isupper() and is_scene_heading(core)):
                tags[i] = "dialogue"
                _, paren_open = _paren_outside(text, False)
                if block_indent is None:
                    block_indent = ln.indent
                state = 2
                continue
            state = 0
            paren_open = False

        if (
            text[0] != core[0]
            and _NUMBERED.match(text)
            and core == upper_core
            and (len(core) <= 45 or _HEADING_NO_KW.match(core))
            and not _SHOT.search(core)
        ):
            tags[i] = "scene_heading"  # numbered on both sides: a production heading
            prev_heading = True
            seen_structure = True
            continue
        if is_scene_heading(core) and (not layout.indented or ln.indent < layout.dialogue + 3 or core == upper_core):
            tags[i] = "scene_heading"
            prev_heading = True
            seen_structure = True
            continue
        if prev_heading and core == upper_core and i > 0 and prepped[i - 1].text and ln.indent == prepped[i - 1].indent:
            tags[i] = "scene_heading"  # heading wrapped onto a second line
            continue
        prev_heading = False
        if core == upper_core and _TRANSITION.match(core.rstrip()):
            tags[i] = "transition"
            seen_structure = True
            continue
        if (
            core == upper_core
            and len(core) <= 60
            and not _SENTENCE_END.search(core)
            and not core.endswith(".")
            and _follows_transition(i)
            and not is_cue(i)
        ):
            tags[i] = "scene_heading"  # the line a transition cuts to is a place, INT./EXT. or not
            prev_heading = True
            continue
        if is_cue(i):
            tags[i] = "character"
            state, block_indent = 1, None
            paren_open = False
            seen_structure = True
            continue
        if not seen_structure:
            tags[i] = "title_page"
            continue
        if core == upper_core and _SHOT.search(core):
            tags[i] = "shot"
            continue
        tags[i] = "action"

    _untitle_prologue(tags, prepped)
    return tags


def _untitle_prologue(tags: list[LineType], lines: list[_Line]) -> None:
    """Lines before the first structural line are title page only if they look like one.

    A script that opens straight on action (no title page, no FADE IN) would otherwise
    lose its first paragraph to the title page.
    """
    first = next((i for i, t in enumerate(tags) if t not in ("title_page", "blank", "page_marker")), len(tags))
    head = [i for i in range(first) if tags[i] == "title_page"]
    if not head:
        return
    long_prose = [i for i in head if len(lines[i].text) > 50 and not lines[i].text.isupper()]
    # Title pages are short centred lines; a run of long prose lines is opening action.
    if len(long_prose) >= 2:
        start = long_prose[0]
        for i in head:
            if i >= start:
                tags[i] = "action"


def tag(form: TextForm) -> list[TaggedLine]:
    """Tag a text form, using the element types the source format carries when it has them."""
    tags = form.tags if form.tags is not None else tag_lines(form.lines)
    return [TaggedLine(i, t, line) for i, (t, line) in enumerate(zip(tags, form.lines))]

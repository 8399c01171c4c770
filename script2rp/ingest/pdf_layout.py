"""Words with page positions -> screenplay text lines, and the line types the page proves.

The text keeps the typed-script layout the tagger reads: one line per printed row,
words placed on a grid of 7.2 pt columns counted from the page's left edge (Courier
12 pt, 10 characters per inch), so a standard page has action at column 15, dialogue
25, parentheticals 31, cues 37 and transitions about 60, as in an IMSDb text file; a
vertical gap of k line pitches gives k-1 blank lines; pages are separated by a line
holding a form feed. Words closer than 2.5 character widths are one space apart.

What a text dump loses and positions keep, read here:

- margin marks: scene numbers left of the action column (and the same number on the
  right) or past the text's right edge, revision marks (`*`, `†`) in the right margin:
  removed from the line text;
- a scene heading wrapped onto the row under it (where the next word could not have
  fitted): one line;
- page furniture: a row among the first or last of many pages, at one height, with
  one text up to its numbers (running headers and footers, page numbers, a
  `(Printed with ...)` line) -> hint `page_marker`;
- the title page: the rows of page 1 before its first scene heading, opening or cue,
  when some of them are centred -> `title_page`;
- centred display text (its middle on the page's or the text's middle, its start on
  none of the script's columns, no left-aligned row touching it) -> `centered`;
- right-aligned transitions (capital rows ending where the script's `CUT TO:` end,
  however many rows) -> `transition`;
- slug lines: where scene headings have more space before them than action paragraphs
  (two blank lines against one in Final Draft and Fade In), a capital row at the action
  column spaced like a heading -> `scene_heading`;
- side-by-side dual dialogue (two cues on one row after a blank, the rows under them
  split at their gap or by the page's middle): written out as the left speech, a blank
  line and the right speech, each line hinted, the right cue in `TextForm.dual`.
- a word hyphenated at a row's end and continued on the next row of its paragraph
  ("Jacky-" / "boy."): the hyphen written as U+2010, which the parser keeps when it
  joins the rows (screenwriting software wraps after a hyphen, it does not split words).

The hints are the `TextForm.hints` the tagger keeps. All measures (character width, line
pitch, the script's columns, where transitions end) are learned per document, so scaled
pages and other margins read the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from script2rp.ingest.text import clean_line
from script2rp.model import LineType

CELL = 7.2  # points per text column
PAGE_BREAK = "\f"
_SAME_ROW = 4.0  # points: baselines closer than this are one row (scene numbers sit a little off)
_WIDE_GAP = 2.5  # character widths: a wider gap between words is layout, not a space
_MARGIN = 64.8  # points (0.9 in): baselines this close to the top or bottom edge are outside the text

_SCENE_NUMBER = re.compile(r"^\(?[A-Z]{0,2}\d{1,4}(?:[.-]\d{1,3})?[A-Z]{0,3}\.?\)?$")
_MARK = re.compile(r"^[^\w\s]{1,3}$")  # a revision mark: *, **, †
_DIGITS = re.compile(r"\d+")
_HEADING = re.compile(r"^(?:INT|EXT|EST|I/E|E/I|INT\.?/EXT|EXT\.?/INT|INTERIOR|EXTERIOR)[ ./]", re.IGNORECASE)
_OPENING = re.compile(r"^(?:FADE IN|COLD OPEN|TEASER|ACT ONE|PROLOGUE)\b")
_EXTENSION = re.compile(r"\s*\([^)]*\)?")
_TRANSITION_END = re.compile(r"[A-Z](?::|\.)$")
_CONTINUED = re.compile(r"^\(?(?:CONTINUED|MORE)\b")


@dataclass(slots=True)
class Word:
    x: float  # left edge of the first character, points from the page's left edge
    y: float  # baseline, points from the page's top edge
    text: str


@dataclass(slots=True)
class PageWords:
    width: float
    height: float
    words: list[Word]


@dataclass(slots=True)
class Row:
    y: float
    words: list[Word]
    kind: LineType | None = None
    bottom: float = 0.0  # baseline of its last printed row (a wrapped heading has two)
    x: float = 0.0  # where its first word starts
    text: str = ""  # its words, one space apart

    def set_words(self, words: list[Word]) -> None:
        self.words = words
        self.x = words[0].x
        self.text = " ".join([w.text for w in words])

    def plain(self) -> str:
        return self.text


@dataclass
class Geometry:
    """The document's measures, in points."""

    advance: float = CELL  # one character's width
    pitch: float = 12.0  # one line's height
    left: float = 108.0  # the action column
    right: float = 540.0  # the right edge of action text
    cue: float | None = None
    dialogue: float | None = None
    paren: float | None = None
    transition: float | None = None  # where right-aligned transitions end
    columns: list[float] = field(default_factory=list)  # where rows of the body start

    def end(self, row: Row) -> float:
        last = row.words[-1]
        return last.x + len(last.text) * self.advance

    def col(self, x: float | None, default: int) -> int:
        return default if x is None else max(0, round(x / CELL))


@dataclass(slots=True)
class Dual:
    """A side-by-side dual-dialogue block: rows[first:last] of a page, split in two."""

    first: int
    last: int
    left: list[tuple[str, LineType]]
    right: list[tuple[str, LineType]]


# --- rows and measures --------------------------------------------------------------------


def _X(w: Word) -> float:
    return w.x


def _YX(w: Word) -> tuple[float, float]:
    return w.y, w.x


def rows_of(words: list[Word]) -> list[Row]:
    rows: list[Row] = []
    for w in sorted(words, key=_YX):
        if rows and w.y - rows[-1].y < _SAME_ROW:
            rows[-1].words.append(w)
        else:
            rows.append(Row(w.y, [w]))
    for row in rows:
        row.words.sort(key=_X)
        row.set_words(row.words)
        row.bottom = row.y
    return rows


def _mode(values: list[float], default: float | None) -> float | None:
    return Counter(values).most_common(1)[0][0] if values else default


def _is_cue_text(text: str) -> bool:
    name = _EXTENSION.sub("", text).strip()
    return (
        0 < len(name) <= 38
        and len(name.split()) <= 5
        and name.upper() == name
        and any(c.isalpha() for c in name)
        and not name.endswith((":", ".", "!", "?", ","))
        and not _HEADING.match(name)
    )


def measure(pages: list[list[Row]]) -> Geometry:
    """The document's measures: the character width from word spacing, the pitch from
    row spacing, the action column and right edge from prose rows (page 1 left out:
    title pages), the speech columns from cues over speech."""
    geo = Geometry()
    steps = [
        step
        for rows in pages
        for row in rows
        for a, b in zip(row.words, row.words[1:])
        if 3.0 <= (step := (b.x - a.x) / (len(a.text) + 1)) <= 12.0
    ]
    if steps:
        geo.advance = sorted(steps)[len(steps) // 2]
    gaps = Counter(
        round(2 * (b.y - a.y)) / 2 for rows in pages for a, b in zip(rows, rows[1:]) if 6.0 <= b.y - a.y <= 30.0
    )
    if gaps:
        pitch, count = gaps.most_common(1)[0]
        half = max((g for g in gaps if abs(2 * g - pitch) <= 1.0), key=gaps.get, default=None)
        geo.pitch = half if half is not None and gaps[half] >= count / 4 else pitch
    body = [row for rows in pages[1:] or pages for row in rows]
    long_rows = [row for row in body if len(row.text) >= 40]  # prose, not spread-out rows
    geo.left = _mode([round(r.x) for r in long_rows], geo.left)
    ends = sorted(geo.end(r) for r in long_rows if abs(r.x - geo.left) < 2)
    geo.right = ends[int(0.95 * (len(ends) - 1))] if ends else geo.left + 60 * geo.advance
    _learn_speech_columns(geo, pages[1:] or pages)
    ends = [round(geo.end(r)) for r in body if r.x > geo.left + 30 * geo.advance and _TRANSITION_END.search(r.plain())]
    geo.transition = _mode(ends, None) if len(ends) >= 3 else None
    starts = Counter(round(r.x) for r in body)
    geo.columns = [x for x, k in starts.items() if k >= max(5, 0.01 * len(body))]
    geo.columns += [x for x in (geo.left, geo.cue, geo.dialogue, geo.paren) if x is not None]
    return geo


def _learn_speech_columns(geo: Geometry, pages: list[list[Row]]) -> None:
    cues, speech, parens = [], [], []
    for rows in pages:
        for a, b in zip(rows, rows[1:]):
            if b.y - a.y <= 1.5 * geo.pitch and b.x < a.x - 2 * geo.advance and _is_cue_text(a.plain()):
                cues.append(round(a.x))
                (parens if b.words[0].text.startswith("(") else speech).append(round(b.x))
    if len(cues) >= 3:
        geo.cue, geo.dialogue, geo.paren = _mode(cues, None), _mode(speech, None), _mode(parens, None)


# --- margin marks and page furniture --------------------------------------------------------


def _gap_before(words: list[Word], k: int, geo: Geometry) -> float:
    a, b = words[k - 1], words[k]
    return b.x - (a.x + len(a.text) * geo.advance)


def _is_right_mark(words: list[Word], geo: Geometry, middle: float, numbers: bool) -> bool:
    """The last word is a margin mark: a scene number past the text's right edge (when
    `numbers`), or a revision mark (symbols only: *, †) past it or far right of the row's
    text."""
    last = words[-1]
    if len(words) > 1 and _gap_before(words, len(words) - 1, geo) < 2 * geo.advance:
        return False
    if _MARK.match(last.text):
        far = len(words) > 1 and _gap_before(words, len(words) - 1, geo) >= 8 * geo.advance
        return last.x >= geo.right - geo.advance or (far and last.x >= middle + 20 * geo.advance)
    return numbers and len(words) > 1 and bool(_SCENE_NUMBER.match(last.text)) and last.x >= geo.right - 3 * geo.advance


def strip_margin_marks(rows: list[Row], geo: Geometry, page: PageWords) -> list[Row]:
    """Rows without their scene numbers and revision marks in the margins (a number on
    the right that repeats the left one goes wherever it sits); rows left empty go.
    In the top and bottom margins a number alone on the right is a page number: kept."""
    margin = geo.left - 1.5 * geo.advance
    out = []
    for row in rows:
        numbers_right = _MARGIN <= row.y <= page.height - _MARGIN
        words = row.words
        first = words[0]
        number = None
        if first.x < margin and (_SCENE_NUMBER.match(first.text) or _MARK.match(first.text)):
            if len(words) == 1 or _gap_before(words, 1, geo) >= 2 * geo.advance:
                words = words[1:]
                number = first.text
        while words and _is_right_mark(words, geo, page.width / 2, numbers_right):
            words = words[:-1]
        if len(words) > 1 and words[-1].text == number and _gap_before(words, len(words) - 1, geo) >= 2 * geo.advance:
            words = words[:-1]
        if words:
            if words is not row.words:
                row.set_words(words)
            out.append(row)
    return out


def mark_furniture(pages: list[list[Row]], heights: list[float], geo: Geometry, edge_rows: int = 3) -> None:
    """Rows among the first or last of many pages, at one height, with one text up to its
    numbers -> page_marker. Text whose numbers change (page numbers, numbered headers)
    needs a third of the pages; constant text (a watermark line, a dated header) needs
    half in the top or bottom margin, where no script text goes, or four fifths anywhere."""
    if len(pages) < 3:
        return
    seen: dict[str, list[tuple[int, Row]]] = {}
    for p, rows in enumerate(pages):
        edge = rows[:edge_rows] + rows[max(edge_rows, len(rows) - edge_rows) :]
        for row in edge:
            key = _DIGITS.sub("#", " ".join(row.plain().lower().split()))
            seen.setdefault(key, []).append((p, row))
    for key, hits in seen.items():
        height = _mode([round(row.y) for _, row in hits], 0.0)
        hits = [(p, row) for p, row in hits if abs(row.y - height) <= 3.0]
        numbered = len({row.plain() for _, row in hits}) > 1
        in_margin = all(row.y < _MARGIN or row.y > heights[p] - _MARGIN for p, row in hits)
        hit_pages = len({p for p, _ in hits})
        share = hit_pages / len(pages)
        if hit_pages < 3 or share < (0.3 if numbered else 0.5):
            continue
        if (numbered or in_margin or share >= 0.8) and not _is_speaker_column(hits, geo) and not _HEADING.match(key):
            for _, row in hits:
                row.kind = "page_marker"


def _is_speaker_column(hits: list[tuple[int, Row]], geo: Geometry) -> bool:
    """A cue repeated at the top of pages (MARA (CONT'D)) is a speaker, not furniture."""
    return geo.cue is not None and all(abs(row.x - geo.cue) < geo.advance for _, row in hits)


# --- headings --------------------------------------------------------------------------------


def _is_caps(text: str) -> bool:
    return text.upper() == text and any(c.isalpha() for c in text)


def join_wrapped_headings(rows: list[Row], geo: Geometry) -> list[Row]:
    """A scene heading continued on the row under it, at its column, where the first
    word of that row would not have fitted: one row (INT. CAR, NORTHBOUND ON THE
    BRIDGE, MINUTES / LATER)."""
    out: list[Row] = []
    for row in rows:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind is None
            and row.kind is None
            and _HEADING.match(prev.plain())
            and row.y - prev.bottom <= 1.5 * geo.pitch
            and abs(row.x - prev.x) < 0.5 * geo.advance
            and _is_caps(row.plain())
            and geo.end(prev) + (1 + len(row.words[0].text)) * geo.advance > geo.right + geo.advance
        ):
            prev.set_words(prev.words + row.words)
            prev.bottom = row.bottom
            continue
        out.append(row)
    return out


def _is_transition_row(row: Row, geo: Geometry) -> bool:
    """A capitalised row far right of the action column ending like a transition (CUT TO:)."""
    text = row.plain()
    return row.x > geo.left + 30 * geo.advance and _is_caps(text) and bool(_TRANSITION_END.search(text))


def _gaps(pages: list[list[Row]], geo: Geometry):
    """(row, blank lines before it, whether it follows a transition) for the rows at the
    action column that follow another row of script text on their page."""
    for rows in pages:
        for a, b in zip(rows, rows[1:]):
            if a.kind is None and b.kind is None and abs(b.x - geo.left) < 0.5 * geo.advance:
                yield b, round((b.y - a.bottom) / geo.pitch) - 1, _is_transition_row(a, geo)


def mark_slug_lines(pages: list[list[Row]], geo: Geometry) -> None:
    """Where the script's scene headings take more space before them than its action
    paragraphs (Final Draft, Fade In: two blank lines against one), a capitalised row at
    the action column with a heading's space before it is a heading too (a slug line
    such as FROM CASEY'S CAMERA.), and so is one standing alone at the top of a page,
    where the writing app drops the space before an element."""
    heading, action = Counter(), Counter()
    for row, gap, _ in _gaps(pages, geo):
        if _HEADING.match(row.plain()):
            heading[gap] += 1
        elif gap and not _is_caps(row.plain()):
            action[gap] += 1
    if sum(heading.values()) < 5 or not action:
        return
    space, count = heading.most_common(1)[0]
    if count < 0.8 * sum(heading.values()) or space <= action.most_common(1)[0][0]:
        return
    slugs = [
        (row, after)
        for row, gap, after in _gaps(pages, geo)
        if gap == space and _is_caps(text := row.plain()) and not _HEADING.match(text) and not text.endswith(":")
    ]
    # A transition's own space after it can make any row under it look like a heading:
    # there a slug line counts only in a script that writes them elsewhere too.
    plain = any(not after for _, after in slugs)
    for row, after in slugs:
        if plain or not after:
            row.kind = "scene_heading"
    if plain:  # the space before is dropped at the top of a page: there a slug stands alone
        for rows in pages:
            body = [row for row in rows if row.kind != "page_marker"]
            if body and _slug_opens_page(body, geo):
                body[0].kind = "scene_heading"


def _slug_opens_page(body: list[Row], geo: Geometry) -> bool:
    """The page's first row of script text is a capitalised row alone at the action column."""
    row = body[0]
    text = row.plain()
    return (
        row.kind is None
        and abs(row.x - geo.left) < 0.5 * geo.advance
        and _is_caps(text)
        and not _HEADING.match(text)
        and not text.endswith(":")
        and not _CONTINUED.match(text)
        and (len(body) == 1 or body[1].y - row.bottom > 1.5 * geo.pitch)
    )


# --- title page, centred text, dual dialogue ---------------------------------------------------


def _on_axis(row: Row, geo: Geometry, page_width: float) -> bool:
    """The row's middle is the page's middle or the text's."""
    middle = (row.x + geo.end(row)) / 2
    return any(abs(middle - axis) <= geo.advance for axis in (page_width / 2, (geo.left + geo.right) / 2))


def is_centred(row: Row, geo: Geometry, page_width: float) -> bool:
    """On an axis and not starting on one of the script's columns (a long action row
    has its middle on the text's too)."""
    if not _on_axis(row, geo, page_width):
        return False
    return not any(abs(row.x - col) < 0.6 * geo.advance for col in geo.columns)


def _opens_speech(rows: list[Row], i: int, geo: Geometry) -> bool:
    """A cue: a short capitalised row with the next row directly under it, further left."""
    if i + 1 >= len(rows) or not _is_cue_text(rows[i].plain()):
        return False
    nxt = rows[i + 1]
    return nxt.y - rows[i].y <= 1.5 * geo.pitch and nxt.x < rows[i].x - 2 * geo.advance


def _is_structure(rows: list[Row], i: int, geo: Geometry, page_width: float) -> bool:
    """A scene heading, an opening (FADE IN), or a cue over its speech; two centred rows
    are title lines whatever their columns (BREAKING BAD / FINAL PRODUCTION DRAFT)."""
    text = rows[i].plain()
    if _HEADING.match(text) or _OPENING.match(text):
        return True
    if geo.cue is None or abs(rows[i].x - geo.cue) >= 1.5 * geo.advance or not _opens_speech(rows, i, geo):
        return False
    return not (_on_axis(rows[i], geo, page_width) and _on_axis(rows[i + 1], geo, page_width))


def mark_title_page(rows: list[Row], geo: Geometry, page_width: float) -> None:
    """Page 1 up to its first heading, opening or cue, when that part is laid out centred."""
    end = next((i for i in range(len(rows)) if _is_structure(rows, i, geo, page_width)), len(rows))
    head = [row for row in rows[:end] if row.kind is None]
    if any(is_centred(row, geo, page_width) for row in head):
        for row in head:
            row.kind = "title_page"


def mark_centred(rows: list[Row], geo: Geometry, page_width: float) -> None:
    """Centred rows whose neighbours (rows with no blank line between) are centred too: a
    centred row under or over a left-aligned one is a wrapped line or a cue."""
    centred = [row.kind is None and is_centred(row, geo, page_width) for row in rows]
    for i, row in enumerate(rows):
        if not centred[i]:
            continue
        above = i > 0 and row.y - rows[i - 1].bottom <= 1.5 * geo.pitch and not centred[i - 1]
        below = i + 1 < len(rows) and rows[i + 1].y - row.y <= 1.5 * geo.pitch and not centred[i + 1]
        if not (above or below):
            row.kind = "centered"


def mark_transitions(rows: list[Row], geo: Geometry, page_width: float) -> None:
    """Capitalised rows right of the page's middle that end where the script's
    transitions end: a transition, however many rows it takes (CUT TO: KNIVES /
    CLATTERING DOWN)."""
    if geo.transition is None:
        return
    for row in rows:
        text = row.plain()
        if (
            row.kind is None
            and row.x > page_width / 2
            and abs(geo.end(row) - geo.transition) <= 1.5 * geo.advance
            and _is_caps(text)
            and not _CONTINUED.match(text)
        ):
            row.kind = "transition"


def _split(row: Row, geo: Geometry, middle: float) -> tuple[list[Word], list[Word]]:
    """A row of a dual block -> (left words, right words): at its widest gap when that
    gap is layout, else the whole row on the side of the page its start is on."""
    words = row.words
    gaps = [(b.x - (a.x + len(a.text) * geo.advance), k) for k, (a, b) in enumerate(zip(words, words[1:]), 1)]
    widest = max(gaps, default=(0.0, 0))
    if widest[0] >= _WIDE_GAP * geo.advance:
        return words[: widest[1]], words[widest[1] :]
    return (words, []) if row.x < middle else ([], words)


def _split_at_right_column(rows: list[Row], splits: list[tuple[list[Word], list[Word]]], geo: Geometry) -> None:
    """Rows of a dual block whose two halves come closer than a layout gap ("side-" and
    "weren't" one space apart): split where the right half's other rows start."""
    starts = [right[0].x for left, right in splits if left and right]
    if not starts:
        return
    column = min(starts)
    for k, (row, (left, right)) in enumerate(zip(rows, splits)):
        if left and right or row.x >= column - 0.5 * geo.advance:
            continue
        at = next((n for n, w in enumerate(row.words) if n and abs(w.x - column) < 0.5 * geo.advance), None)
        if at is not None and _gap_before(row.words, at, geo) >= 0.5 * geo.advance:
            splits[k] = (row.words[:at], row.words[at:])


def _typed(lines: list[list[Word]]) -> list[tuple[str, LineType]]:
    out: list[tuple[str, LineType]] = []
    depth = 0
    for k, words in enumerate(lines):
        text = " ".join(w.text for w in words)
        if k == 0:
            out.append((text, "character"))
            continue
        paren = depth > 0 or text.startswith("(")
        depth = max(0, depth + text.count("(") - text.count(")"))
        out.append((text, "parenthetical" if paren else "dialogue"))
    return out


def _dual_cues(rows: list[Row], i: int, geo: Geometry, middle: float) -> tuple[list[Word], list[Word]] | None:
    """(left cue, right cue) when row i opens a dual block: two cues side by side,
    one on each half of the page, after a blank line."""
    row = rows[i]
    if row.kind is not None or len(row.words) < 2 or not row.x < middle < row.words[-1].x:
        return None
    if i and row.y - rows[i - 1].bottom <= 1.5 * geo.pitch:
        return None
    left, right = _split(row, geo, middle)
    if not (left and right and right[0].x >= middle):
        return None
    if not (_is_cue_text(" ".join(w.text for w in left)) and _is_cue_text(" ".join(w.text for w in right))):
        return None
    return left, right


def find_duals(rows: list[Row], geo: Geometry, page_width: float) -> list[Dual]:
    middle = page_width / 2
    blocks: list[Dual] = []
    i = 0
    while i < len(rows):
        cues = _dual_cues(rows, i, geo, middle)
        if cues is None:
            i += 1
            continue
        sides: tuple[list[list[Word]], list[list[Word]]] = ([cues[0]], [cues[1]])
        j = i + 1
        while j < len(rows) and rows[j].kind is None and rows[j].y - rows[j - 1].bottom <= 1.5 * geo.pitch:
            j += 1
        splits = [_split(row, geo, middle) for row in rows[i + 1 : j]]
        _split_at_right_column(rows[i + 1 : j], splits, geo)
        for split in splits:
            for side, words in zip(sides, split):
                if words:
                    side.append(words)
        if j > i + 1:
            blocks.append(Dual(i, j, _typed(sides[0]), _typed(sides[1])))
            for row in rows[i:j]:
                row.kind = "dialogue"  # taken: the block writes its own lines
        i = j
    return blocks


# --- line-end hyphens ------------------------------------------------------------------------

_HYPHEN_END = re.compile(r"\w-$")  # "Jacky-", "seven-", "X-": not a dash ("--")
HYPHEN = "\u2010"  # a line-end hyphen that is the writer's (see structure.join_lines)
_WORD_START = re.compile(r"\w")


def mark_line_end_hyphens(rows: list[Row], geo: Geometry) -> None:
    """A word hyphenated at the end of a row, continued on the row under it in the same
    paragraph (same column, no blank line between): its hyphen becomes U+2010 HYPHEN,
    which the parser keeps when it joins the rows ("Jacky-" / "boy." -> "Jacky-boy.").
    Screenwriting software does not hyphenate words to fit a line: it wraps after the
    hyphen of a hyphenated word or a cut-off word ("I was-" / "okay."), so the hyphen is
    the writer's, where a typed script's line-end hyphen is often a word split. The rows
    keep their words: moving them would change the rows' widths, which the tagger reads."""
    for prev, row in pairwise(rows):
        last = prev.words[-1]
        if (
            prev.kind is None
            and row.kind is None
            and _HYPHEN_END.search(last.text)
            and _WORD_START.match(row.words[0].text)
            and row.y - prev.bottom <= 1.5 * geo.pitch
            and abs(row.x - prev.x) < 0.5 * geo.advance
            and prev.text.count("(") <= prev.text.count(")")  # not inside a parenthetical
        ):
            prev.set_words([*prev.words[:-1], Word(last.x, last.y, last.text[:-1] + HYPHEN)])


# --- text -----------------------------------------------------------------------------------


def render(row: Row, geo: Geometry) -> str:
    """The row's words on the column grid."""
    words, advance = row.words, geo.advance
    wide = _WIDE_GAP * advance
    parts = [" " * round(row.x / CELL)]
    length = len(parts[0])
    end = row.x
    for w in words:
        if w is not words[0]:
            gap = w.x - end
            pad = 1 if gap < wide else max(1, round(w.x / CELL) - length)
            parts.append(" " * pad)
            length += pad
        parts.append(w.text)
        length += len(w.text)
        end = w.x + len(w.text) * advance
    return "".join(parts)


def _dual_lines(block: Dual, geo: Geometry) -> list[tuple[str, LineType | None, bool]]:
    cols = {
        "character": geo.col(geo.cue, 37),
        "dialogue": geo.col(geo.dialogue, 25),
        "parenthetical": geo.col(geo.paren, 31),
    }
    out: list[tuple[str, LineType | None, bool]] = []
    for side, lines in enumerate((block.left, block.right)):
        if side:
            out.append(("", None, False))
        for k, (text, kind) in enumerate(lines):
            out.append((clean_line(" " * cols[kind] + text), kind, side == 1 and k == 0))
    return out


def _page_lines(rows: list[Row], duals: dict[int, Dual], geo: Geometry) -> list[tuple[str, LineType | None, bool]]:
    """(text, hint, opens the second half of a dual pair) for each line of one page;
    `duals` by their first row."""
    out: list[tuple[str, LineType | None, bool]] = []
    prev_y: float | None = None
    i = 0
    while i < len(rows):
        row = rows[i]
        if prev_y is not None:
            out.extend([("", None, False)] * max(0, round((row.y - prev_y) / geo.pitch) - 1))
        block = duals.get(i)
        if block is not None:
            out.extend(_dual_lines(block, geo))
            prev_y = rows[block.last - 1].bottom
            i = block.last
            continue
        out.append((clean_line(render(row, geo)), row.kind, False))
        prev_y = row.bottom
        i += 1
    return out


def lay_out(pages: list[PageWords]) -> tuple[list[str], dict[int, LineType], set[int]]:
    """(lines, hints, dual cue lines) of a whole document."""
    page_rows = [rows_of(p.words) for p in pages]
    geo = measure(page_rows)
    page_rows = [strip_margin_marks(rows, geo, p) for rows, p in zip(page_rows, pages)]
    mark_furniture(page_rows, [p.height for p in pages], geo)
    page_rows = [join_wrapped_headings(rows, geo) for rows in page_rows]
    first = next((k for k, rows in enumerate(page_rows) if rows), None)
    if first is not None:
        mark_title_page(page_rows[first], geo, pages[first].width)
    mark_slug_lines(page_rows, geo)
    lines: list[str] = []
    hints: dict[int, LineType] = {}
    dual: set[int] = set()
    for k, (rows, page) in enumerate(zip(page_rows, pages)):
        if k:
            lines.append(PAGE_BREAK)
        duals = {b.first: b for b in find_duals(rows, geo, page.width)}
        mark_centred(rows, geo, page.width)
        mark_transitions(rows, geo, page.width)
        mark_line_end_hyphens(rows, geo)
        for text, kind, second in _page_lines(rows, duals, geo):
            if kind is not None:
                hints[len(lines)] = kind
            if second:
                dual.add(len(lines))
            lines.append(text)
    return lines, hints, dual

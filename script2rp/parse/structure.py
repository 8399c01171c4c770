"""Tagged lines -> `Screenplay`: front matter, scenes, elements, cast.

Rules (all pure functions of the tagged lines; line spans are 0-based, inclusive):

Front matter
  `title_page` lines, and a cast list before the first scene heading (from a line such
  as "CAST OF CHARACTERS" up to the first transition or heading), go to
  `Screenplay.front_matter`, never into a scene. `page_marker`, `blank` and `title_page`
  lines never become elements.

Scenes (split)
  A scene starts at every `scene_heading` line and runs to the next one. Content before
  the first heading becomes scene 0 with heading None, only if it yields elements (a
  lone "FADE IN:" does). Headings are cleaned: scene numbers (on both sides, or a
  leading one before INT/EXT) and revision asterisks removed, whitespace folded, upper
  case (headings are capitals by convention; Fountain renders them so).

Scenes (merge)
  A scene with fewer than `min_scene_lines` non-blank lines (heading included; page
  furniture not counted; default 4, i.e. a heading plus at most two lines, the
  establishing shots cinematika folded into their neighbours) is merged into the
  FOLLOWING scene; small scenes accumulate until the group reaches the size; a short
  group left at the end joins the previous scene. A merged scene keeps the first
  heading; each later heading in the group stays in place as an Action of kind "shot"
  (a secondary slug line), so no location change is lost. `merged_from` lists the
  original scene indices (empty when nothing was merged); scenes are re-indexed 0..n-1.
  `min_scene_lines=0` disables merging.

Elements
  Action: consecutive lines of one kind (action, shot, centered, note) form one
  element; a blank line ends it, page markers in between do not. Text is joined with
  single spaces (see hyphenation below). Dialogue/parenthetical lines with no cue before
  them are tagger slips and are kept as action. Every `transition` line is a Transition.
  Dialogue: a `character` line and the parenthetical/dialogue/lyrics lines after it;
  blank lines, page markers and notes inside the block are skipped when more speech
  follows (notes become note Actions right after the Dialogue), and between the cue and
  its first line too (the tagger took that line for the cue's speech, as in scripts that
  leave a blank line under every cue). A cue with no speech and no parenthetical, or
  with no name in it, is not dialogue (usually an all-caps action line): it becomes an
  Action. Parentheticals (multi-line ones joined) go to `parentheticals` without their
  outer parentheses, at the word position of `text` where they sit; a first one that is
  only an extension ("BEN" / "(V.O.)") is the cue's extension instead.
  (Implementation: one code letter per line, and one regex finds blocks and paragraphs,
  so the per-line work runs in C; see `_TOKENS`.)
  Rejoined speeches: a cue of the same speaker with only blanks/page markers since the
  previous block continues that block when a "(MORE)" marker sits in between or the cue
  says CONT'D (and the extension does not change, unless (MORE) was seen); the second
  half of a dual pair is never rejoined. Dual: `form.dual` names cue lines opening the
  second half of a pair; that Dialogue and the one before it get `dual=True`.

Codes (what the line kinds alone do not say)
  A cue line that holds the start of its speech ("MARA  Listen to me.", "MARA: Listen.")
  is a block by itself: the name is the cue, the rest the first speech line. A cue line
  with two names side by side ("DIRK        TODD", dual dialogue typed in columns) gives
  two Dialogues, both dual, each speech line cut at its gap nearest the right column. A
  heading line right after a heading that is not a heading by itself ("... MINUTES" /
  "LATER") continues it: one scene. An OMITTED heading ("SCENE 225 OMITTED") opens no
  scene.

Hyphenation
  Lines are joined with one space, except that a line ending in a hyphen directly after
  a lower-case letter, followed by a line starting lower case, is joined without a
  space: the hyphen is dropped ("some-" + "thing" -> "something") unless the word
  before it is a common compound prefix or already hyphenated ("well-" + "known" ->
  "well-known", "mother-in-" + "law" -> "mother-in-law"). A letter-hyphen before a
  capital keeps the hyphen ("X-" + "Ray" -> "X-Ray"). "--" (a dash) is never joined.
  Typed scripts rarely hyphenate at line ends, so a hyphen there is usually a real
  one: the prefix list keeps the common compounds, the rest are taken as word splits.
  Lines from different pages of a rejoined speech are never hyphen-joined. A line ending
  in U+2010 HYPHEN (the PDF reader's mark for a line-end hyphen that is the writer's)
  keeps it as "-" and joins without a space ("Jacky" U+2010 + "boy" -> "Jacky-boy").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter, itemgetter
from pathlib import Path

from script2rp.model import Action, Dialogue, Element, Scene, Screenplay, TaggedLine, TextForm, Transition
from script2rp.parse.cast import DEFAULT_MAIN_THRESHOLD, count_cast
from script2rp.parse.names import canonical_extension, has_contd, normalise_cue
from script2rp.parse.patterns import OMITTED as _OMITTED
from script2rp.parse.patterns import BRACKETED_SCENE, VOICE_EXTENSION, heading_strength, split_dual_cue, split_inline_cue

__all__ = [
    "build_screenplay",
    "build_from_kinds",
    "is_screenplay",
    "clean_heading",
    "join_lines",
    "DEFAULT_MIN_SCENE_LINES",
]

DEFAULT_MIN_SCENE_LINES = 4

_SKIP = frozenset({"blank", "page_marker", "title_page"})
_SPEECH = frozenset({"dialogue", "parenthetical", "lyrics"})
_MORE = re.compile(r"^\(?\s*MORE\s*\)?$", re.IGNORECASE)
_MORE_IN_TEXT = re.compile(r"\(\s*MORE\s*\)", re.IGNORECASE)  # fast scan; the whole line is checked after
_MORE_LINE = re.compile(r"^\s*\(\s*MORE\s*\)\s*$", re.IGNORECASE)
_CAST_HEADER = re.compile(
    r"^(?:THE\s+)?(?:CAST(?:\s+OF\s+CHARACTERS|\s+LIST)?|CHARACTERS|DRAMATIS\s+PERSONAE)\s*:?$", re.IGNORECASE
)
_SCENE_NO = r"[A-Z]{0,2}\d{1,4}[A-Z]{0,3}\.?"
_HEADING_BOTH_NUMBERS = re.compile(r"^(" + _SCENE_NO + r")\s+(.+?)\s+\1$")
_HEADING_LEADING_NUMBER = re.compile(
    r"^" + _SCENE_NO + r"\s+(?=(?:INT|EXT|EST|I/E|E/I|INTERIOR|EXTERIOR)\b)", re.IGNORECASE
)
_HEADING_TRAILING_NUMBER = re.compile(r"\s{2,}" + _SCENE_NO + r"$")
_LINE_END_HYPHEN = re.compile(r"[-\u2010][ \t]*\n")
_COMPOUND_PREFIXES = frozenset(
    "self well ill half all ex non anti co cross semi multi pre post pro quasi pseudo so "
    "mid far near long short high low old new great twenty thirty forty fifty sixty seventy "
    "eighty ninety one two three four five six seven eight nine".split()
)


# --- text helpers ------------------------------------------------------------------------


def join_lines(left: str, right: str) -> str:
    """Append one physical line to joined text (see "Hyphenation" in the module doc)."""
    right = " ".join(right.split())
    if not left or not right:
        return left or right
    if left[-1] == "\u2010":  # a reader's mark: the writer's own hyphen at a line end (PDF)
        return left[:-1] + "-" + right
    if len(left) >= 2 and left[-1] == "-" and left[-2].isalpha():
        if right[0].isupper():
            return left + right  # "X-" + "Ray", "Jean-" + "Luc"
        if left[-2].islower() and right[0].islower():
            word = left.rsplit(" ", 1)[-1][:-1]
            if "-" in word or word.lstrip("\"'(").lower() in _COMPOUND_PREFIXES:
                return left + right
            return left[:-1] + right
    return left + " " + right


def _join_all(texts: list[str]) -> str:
    joined = "\n".join(texts)
    if "-" not in joined and "\u2010" not in joined or not _LINE_END_HYPHEN.search(joined):  # the common case
        return " ".join(joined.split())
    out = ""
    for t in texts:
        out = join_lines(out, t)
    return out


def clean_heading(text: str) -> str:
    """Scene heading without scene numbers or revision marks, single-spaced, upper case."""
    s = text.strip().rstrip("*").strip()
    if s[:1] == "[":  # a transcript's "[Scene: Central Perk.]"
        s = s[m.end() :] if (m := BRACKETED_SCENE.match(s)) else s
        s = s.rstrip("]").strip()
    # (its number has a digit among the first three characters: most headings skip the regex)
    m = (s[:1].isdigit() or s[1:2].isdigit() or s[2:3].isdigit()) and _HEADING_BOTH_NUMBERS.match(s)
    if m:
        s = m.group(2)
    else:
        stripped = _HEADING_LEADING_NUMBER.sub("", s)
        if stripped != s:
            s = re.sub(r"\s+" + _SCENE_NO + r"$", "", stripped)
        else:
            s = _HEADING_TRAILING_NUMBER.sub("", s)
    return " ".join(s.rstrip("*").split()).upper()


def _strip_parens(s: str) -> str:
    s = s.strip()
    if s.startswith("("):
        s = s[1:]
    if s.endswith(")"):
        s = s[:-1]
    return " ".join(s.split())


def _title(form: TextForm) -> str:
    if form.title:
        return form.title
    stem = Path(form.source).stem if form.source and not form.source.startswith("<") else ""
    stem = " ".join(re.sub(r"[_]+|(?<=\w)[-.](?=\w)", " ", stem).split())
    return stem or "Untitled"


# --- dialogue blocks ------------------------------------------------------------------------


class _Block:
    """A dialogue block while scanning; several page-broken halves share one. (A slotted
    class, not a dataclass: thousands are made per script and this is the hot path.)"""

    __slots__ = ("cue", "raw_cue", "speaker", "extension", "dual_second", "last", "lines", "items", "notes")

    def __init__(self, cue: int, raw_cue: str, speaker: str, extension: str | None, dual_second: bool,
                 last: int, lines: list[str] | None, items: list[tuple[str, str]] | None, notes: list[int]):
        self.cue, self.raw_cue, self.speaker, self.extension = cue, raw_cue, speaker, extension
        self.dual_second, self.last, self.notes = dual_second, last, notes
        self.lines = lines  # plain speech lines, when the block has nothing else
        self.items = items  # otherwise (kind, text) pairs; kind "break" marks a page-break rejoin

    def all_items(self) -> list[tuple[str, str]]:
        return self.items if self.items is not None else [("dialogue", t) for t in self.lines or ()]

    def extend(self, other: _Block) -> None:
        """Append the page-broken rest of this speech."""
        self.items = [*self.all_items(), ("break", ""), *other.all_items()]
        self.lines = None
        self.notes += other.notes
        self.last = other.last

    def dialogue(self) -> Dialogue:
        if self.lines is not None:  # most blocks: speech lines only
            return Dialogue(self.speaker, _join_all(self.lines), (self.cue, self.last),
                            self.extension, [], [], self.raw_cue, self.dual_second)
        pieces: list[str] = []  # runs of speech lines, each joined (hyphenation repaired)
        n_words = 0
        run: list[str] = []
        parens: list[str] = []
        positions: list[int] = []
        open_paren: list[str] | None = None
        lyrics = False

        def flush() -> None:
            nonlocal n_words
            if run:
                joined = _join_all(run)
                if joined:
                    pieces.append(joined)
                    n_words += joined.count(" ") + 1
                run.clear()

        def close() -> None:
            nonlocal open_paren
            if open_paren is not None:
                parens.append(_strip_parens(" ".join(open_paren)))
                open_paren = None

        for kind, line in self.all_items():
            if kind == "parenthetical":
                flush()
                s = line.strip()
                if open_paren is not None:
                    so_far = " ".join(open_paren)
                    if so_far.count("(") > so_far.count(")") or not s.startswith("("):
                        open_paren.append(s)
                        continue
                close()
                open_paren = [s]
                positions.append(n_words)
            elif kind == "break":
                flush()
                close()
            else:
                close()
                lyrics = lyrics or kind == "lyrics"
                run.append(line)
        flush()
        close()
        text = " ".join(pieces)
        return Dialogue(
            speaker=self.speaker,
            text=text,
            line_span=(self.cue, self.last),
            extension=self.extension,
            parentheticals=parens,
            parenthetical_positions=positions,
            raw_cue=self.raw_cue,
            dual=self.dual_second,
            lyrics=lyrics,
        )


# One character per line kind, so blocks and paragraphs are found by one regex at C speed.
_CODE = {"character": "C", "dialogue": "D", "parenthetical": "P", "lyrics": "L", "action": "A", "shot": "S",
         "centered": "c", "note": "N", "transition": "T", "scene_heading": "H", "blank": "B",
         "page_marker": "M", "title_page": "F"}
_KIND = {v: k for k, v in _CODE.items()}
_TOKENS = re.compile(
    r"""(?P<block>(?:C[BMFN]*+[DPL]|I)(?:[BMFN]*+[DPL])*+)  # cue, speech; gaps only before more speech
      | (?P<dual>W[MFN]*+[DPL](?:[BMFN]*+[DPL])*+)   # two cues side by side, two speeches in columns
      | (?P<action>[ADPLC](?:M*+[ADPL])*+)          # action; cue-less speech and a lone cue are action too
      | (?P<shot>S(?:M*+S)*+)
      | (?P<centered>c(?:M*+c)*+)
      | (?P<note>N(?:M*+N)*+)
      | (?P<transition>T)""",  # H, h, B, M, F start no token: they are skipped
    re.VERBOSE,
)


def _action(codes: str, texts: list[str], a: int, b: int, kind: str) -> Action:
    parts = texts[a:b] if codes.find("M", a, b) < 0 else [texts[x] for x in range(a, b) if codes[x] != "M"]
    return Action(_join_all(parts), (a, b - 1), kind)  # type: ignore[arg-type]


def _block(codes: str, texts: list[str], a: int, b: int, dual: set[int],
           cues: dict[str, tuple[str, str | None]]) -> _Block | None:
    """The dialogue block on lines [a, b), or None when the cue holds no speaker name.
    `cues`: raw cue -> `normalise_cue(raw)`, for this script (cues recur)."""
    raw = texts[a].strip()
    first: list[str] = []
    if codes[a] == "I":  # the cue's line holds the start of the speech
        raw, speech = split_inline_cue(raw, any_case=True)  # type: ignore[misc]
        first = [speech]
    got = cues.get(raw)
    if got is None:
        got = cues[raw] = normalise_cue(raw)
    speaker, extension = got
    if not speaker:
        return None
    if codes.count("D", a + 1, b) == b - a - 1 and not (first and first[0][0] == "("):
        return _Block(a, raw, speaker, extension, a in dual, b - 1, first + texts[a + 1 : b], None, [])
    if not first and codes[a + 1] == "P" and (ext := _extension_line(texts[a + 1])):
        # "ELDERLY WOMAN" / "(V.O.)": the cue's extension on a line of its own
        raw, extension = f"{raw} {texts[a + 1].strip()}", ext
        codes = codes[: a + 1] + "M" + codes[a + 2 :]
    body = codes[a + 1 : b]
    # (a cue line's "(softly) Go." is speech with a parenthetical in it, as on a line of its own)
    items = [("parenthetical" if t[0] == "(" and (")" not in t or t.endswith(")")) else "dialogue", t) for t in first]
    items += [(_KIND[c], texts[a + 1 + k]) for k, c in enumerate(body) if c in "DPL"]
    notes = [a + 1 + k for k, c in enumerate(body) if c == "N"]
    return _Block(a, raw, speaker, extension, a in dual, b - 1, None, items, notes)


def _extension_line(text: str) -> str | None:
    """The extension a line holds alone ("(V.O.)", "(O.S.)"), spelled as cues spell it."""
    t = text.strip()
    return canonical_extension(t) if VOICE_EXTENSION.fullmatch(t) else None


_GAP = re.compile(r"\S(\s{3,})(?=\S)")


def _dual_blocks(codes: str, texts: list[str], a: int, b: int) -> tuple[_Block, _Block] | None:
    """Side-by-side dual dialogue in plain text: the cue line holds both names, each speech
    line both columns. Each line is cut at its gap nearest the right column."""
    cue_line = texts[a]
    names = split_dual_cue(cue_line.strip())
    if not names:
        return None
    left_cue = len(cue_line) - len(cue_line.lstrip())
    right_cue = cue_line.index(names[1], left_cue + len(names[0]))
    body = [k for k in range(a + 1, b) if codes[k] in "DPL"]
    starts = [len(texts[k]) - len(texts[k].lstrip()) for k in body]
    left_col = min(starts, default=left_cue)
    right_col = right_cue - (left_cue - left_col)  # the speech sits as far left of its cue
    columns: tuple[list[tuple[str, str]], list[tuple[str, str]]] = ([], [])
    for k in body:
        line = texts[k].rstrip()
        cut = min((m.end(1) for m in _GAP.finditer(line)), key=lambda e: abs(e - right_col), default=None)
        if cut is None or abs(cut - right_col) > 12:
            cut = 0 if len(line) - len(line.lstrip()) >= right_col - 3 else len(line)
        for side, part in ((0, line[:cut].strip()), (1, line[cut:].strip())):
            if part:
                columns[side].append(("parenthetical" if part[0] == "(" else "dialogue", part))
    blocks = []
    for side, name in enumerate(names):
        speaker, extension = normalise_cue(name)
        if not speaker:
            return None
        blocks.append(_Block(a, name, speaker, extension, side == 1, b - 1, None, columns[side], []))
    return blocks[0], blocks[1]


def _rejoins(prev: _Block, block: _Block, codes: str, texts: list[str]) -> bool:
    """Does `block` continue `prev` across a page break (see module doc)?"""
    if prev.speaker != block.speaker or block.dual_second or codes[prev.last + 1 : block.cue].strip("BM"):
        return False
    more = any(codes[x] == "M" and _MORE.match(texts[x].strip()) for x in range(prev.last + 1, block.cue))
    same_ext = block.extension is None or block.extension == prev.extension
    return more or (has_contd(block.raw_cue) and same_ext)


def _elements(codes: str, texts: list[str], start: int, end: int, dual: set[int],
              cues: dict[str, tuple[str, str | None]]) -> list[Element]:
    """Elements of lines [start, end) (see "Elements" in the module doc)."""
    elements: list[Element] = []
    open_block: _Block | None = None  # the last token, while a page-broken rest may follow

    def close_block(block: _Block) -> None:
        d = block.dialogue()
        if d.dual:  # the first half: the Dialogue before it (its notes aside)
            partner = next((e for e in reversed(elements) if not (isinstance(e, Action) and e.kind == "note")), None)
            if isinstance(partner, Dialogue):
                partner.dual = True
        elements.append(d)
        for x in block.notes:
            elements.append(Action(" ".join(texts[x].split()), (x, x), "note"))

    for m in _TOKENS.finditer(codes, start, end):
        a, b = m.span()
        kind = m.lastgroup
        if kind == "dual" and (pair := _dual_blocks(codes, texts, a, b)):
            if open_block is not None:
                close_block(open_block)
            close_block(pair[0])
            open_block = pair[1]
            continue
        block = _block(codes, texts, a, b, dual, cues) if kind in ("block", "dual") else None
        if block is not None and open_block is not None and _rejoins(open_block, block, codes, texts):
            open_block.extend(block)
            continue
        if open_block is not None:
            close_block(open_block)
        open_block = block
        if block is not None:
            continue
        if kind == "transition":
            elements.append(Transition(" ".join(texts[a].split()), (a, a)))
        else:  # action, shot, centered, note; or a "block" whose cue holds no name
            elements.append(_action(codes, texts, a, b, "action" if kind == "block" else kind))
    if open_block is not None:
        close_block(open_block)
    return elements


def _front_matter(codes: str, texts: list[str], first_heading: int) -> list[int]:
    """Indices of front-matter lines: title page anywhere, a cast list before the first heading."""
    front = [m.start() for m in re.finditer("F", codes)]
    for i in range(first_heading):
        if codes[i] not in "BMF" and _CAST_HEADER.match(texts[i].strip()):
            end = codes.find("T", i, first_heading)
            front += [j for j in range(i, first_heading if end < 0 else end) if codes[j] not in "BM"]
            break
    return sorted(set(front))


def _kind_codes(kinds: Iterable[str]) -> str:
    """One code letter per line kind (unknown kinds read as action)."""
    return "".join(map(_CODE.get, kinds, repeat("A")))


def _codes(codes: str, texts: list[str]) -> str:
    """The codes with what the line kinds alone do not say (see "Codes" in the module doc):
    a "(MORE)" the tagger left in a speech is page furniture; a cue that holds its speech is
    I, two cues side by side W; a heading's wrapped second line h; an OMITTED heading M."""
    chars: dict[int, str] = {}
    joined = "\n".join(texts)
    line, pos = 0, 0
    for m in _MORE_IN_TEXT.finditer(joined):
        line += joined.count("\n", pos, m.start())
        pos = m.start()
        if line < len(texts) and codes[line] in "DPL" and _MORE_LINE.match(texts[line]):
            chars[line] = "M"
    for m in re.finditer("C", codes):
        i = m.start()
        t = texts[i]
        if t.isupper() and "    " in t.strip() and split_dual_cue(t):
            chars[i] = "W"
        elif (":" in t or not t.isupper()) and split_inline_cue(t, any_case=True):  # (its name in any case)
            chars[i] = "I"  # ("SOUP NAZI: $3!": a speech with no lower case at all too)
    for m in re.finditer("H", codes):
        i = m.start()
        t = texts[i]
        if ("OMIT" in t or "omit" in t) and _OMITTED.match(clean_heading(t)):
            chars[i] = "M"
        elif i and codes[i - 1] == "H" and heading_strength(clean_heading(t)) < 2:
            chars[i] = "h"  # "... MINUTES" / "LATER": one heading over two lines
    if not chars:
        return codes
    out = list(codes)
    for i, c in chars.items():
        out[i] = c
    return "".join(out)


@dataclass
class _Segment:
    original: int
    heading: str | None
    heading_line: int | None
    elements: list[Element]
    size: int


_LINE_SPAN = attrgetter("line_span")
_END = itemgetter(1)


def _span(seg: _Segment) -> tuple[int, int]:
    first = seg.heading_line if seg.heading_line is not None else seg.elements[0].line_span[0]
    return first, max(first, max(map(_END, map(_LINE_SPAN, seg.elements)), default=first))


def _merge(segments: list[_Segment], min_lines: int) -> list[Scene]:
    groups: list[list[_Segment]] = []
    pending: list[_Segment] = []
    size = 0
    for seg in segments:
        pending.append(seg)
        size += seg.size
        if size >= min_lines:
            groups.append(pending)
            pending, size = [], 0
    if pending:
        if groups:
            groups[-1].extend(pending)
        else:
            groups.append(pending)
    scenes: list[Scene] = []
    for group in groups:
        headed = next((g for g in group if g.heading is not None), None)
        elements: list[Element] = []
        for g in group:
            if g.heading is not None and g.heading_line is not None and g is not headed:
                elements.append(Action(g.heading, (g.heading_line, g.heading_line), "shot"))
            elements.extend(g.elements)
        spans = [_span(g) for g in group]
        scenes.append(
            Scene(
                index=len(scenes),
                heading=headed.heading if headed else None,
                elements=elements,
                line_span=(spans[0][0], max(e for _, e in spans)),
                merged_from=[g.original for g in group] if len(group) > 1 else [],
            )
        )
    return scenes


def build_screenplay(
    form: TextForm,
    tagged: list[TaggedLine],
    *,
    min_scene_lines: int = DEFAULT_MIN_SCENE_LINES,
    main_threshold: int = DEFAULT_MAIN_THRESHOLD,
) -> Screenplay:
    """Group tagged lines into scenes and elements, then count the cast (module doc)."""
    kinds = list(map(attrgetter("type"), tagged))
    texts = list(map(attrgetter("text"), tagged))
    return build_from_kinds(form, kinds, texts, min_scene_lines=min_scene_lines, main_threshold=main_threshold)


def build_from_kinds(
    form: TextForm,
    kinds: list[str],
    texts: list[str],
    *,
    min_scene_lines: int = DEFAULT_MIN_SCENE_LINES,
    main_threshold: int = DEFAULT_MAIN_THRESHOLD,
    codes: str | None = None,
) -> Screenplay:
    """`build_screenplay` on parallel lists (line kinds, line texts): no object per line.
    `codes` is `_kind_codes(kinds)` when the caller has it already."""
    raw_codes = _kind_codes(kinds) if codes is None else codes
    codes = _codes(raw_codes, texts)
    headings = [m.start() for m in re.finditer("H", codes)]
    front = _front_matter(codes, texts, headings[0] if headings else len(codes))
    front_matter = [" ".join(texts[i].split()) for i in front if texts[i].strip()]
    if front:
        chars = list(codes)
        for i in front:
            chars[i] = "F"
        codes = "".join(chars)

    def size(a: int, b: int) -> int:  # non-blank lines, page furniture not counted
        seg = codes[a:b]
        return len(seg) - seg.count("B") - seg.count("M") - seg.count("F")

    segments: list[_Segment] = []
    bounds = [*headings, len(codes)]
    cues: dict[str, tuple[str, str | None]] = {}
    prologue = _elements(codes, texts, 0, bounds[0], form.dual, cues)
    if prologue:
        segments.append(_Segment(0, None, None, prologue, size(0, bounds[0])))
    for h, nxt in zip(bounds, bounds[1:]):
        elements = _elements(codes, texts, h + 1, nxt, form.dual, cues)
        heading = texts[h] if codes[h + 1 : h + 2] != "h" else texts[h] + " " + texts[h + 1]
        segments.append(_Segment(len(segments), clean_heading(heading), h, elements, size(h, nxt)))
    scenes = _merge(segments, min_scene_lines)
    characters, merges = count_cast(scenes, main_threshold, codes=raw_codes)
    return Screenplay(
        title=_title(form),
        scenes=scenes,
        characters=characters,
        source=form.source,
        format=form.format,
        front_matter=front_matter,
        alias_merges=merges,
    )


def is_screenplay(tagged: list[TaggedLine]) -> bool:
    """Heuristic gate against non-screenplays (novel prose, essays, code).

    True when there is at least one cue directly followed by speech (blank lines and
    page markers aside), speech lines (cues, dialogue, parentheticals, lyrics) make up at
    least 5% of the content lines, and either a scene heading or transition exists or
    there are at least two such dialogue blocks. Prose tagged as action fails the first
    test; a novel whose odd capitalised line is read as a cue fails the second.
    """
    return codes_look_like_screenplay(_kind_codes(map(attrgetter("type"), tagged)), [t.text for t in tagged])


_SPOKEN_BLOCK = re.compile("C[BM]*[DPL]")


def codes_look_like_screenplay(codes: str, texts: list[str] | None = None) -> bool:
    """`is_screenplay` on the line codes (`_kind_codes`); with the line texts, cues that
    hold their speech ("MARA: Listen.") count as dialogue blocks too."""
    content = len(codes) - codes.count("B") - codes.count("M") - codes.count("F")
    if not content:
        return False
    blocks = len(_SPOKEN_BLOCK.findall(codes))
    if blocks < 2 and texts is not None:
        blocks += _codes(codes, texts).count("I")
    speech = codes.count("C") + codes.count("D") + codes.count("P") + codes.count("L")
    structure = codes.count("H") + codes.count("T")
    return blocks >= 1 and speech >= 0.05 * content and (structure >= 1 or blocks >= 2)

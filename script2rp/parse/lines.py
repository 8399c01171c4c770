"""Per-line facts the tagger needs, computed once per script as parallel lists.

raw: tabs expanded, right-stripped, right-margin marks removed (a PDF watermark letter, a
revision asterisk); text: stripped; indent; core: text without scene numbers and revision
marks; furniture: page number, CONTINUED, (MORE), revision header, footer, or a line that
repeats on every page with the page number in it (a running header, a draft stamp);
debris: a stray letter from a PDF watermark (layout-wise a blank line).

Speed: no object per line, and most per-line checks run only on the few lines a
whole-document regex scan finds (each scan pattern starts with a newline, so the regex
engine skips from line to line at C speed). Line ends are scanned in the reversed text.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from itertools import accumulate, chain, repeat
from operator import sub

from script2rp.parse.patterns import NUMBERED_BOTH_ENDS, SCENE_NO, STAMP, heading_strength, is_page_marker, name_shape

# Possessive, from the start of a whitespace run only: the same matches as the plain form
# ("(?:\s+\*+|\s+NUMBER\.?\s*\**)$"), without retrying inside every run of spaces.
_TRAILING_NOISE = re.compile(r"(?<!\s)(?:\s++[*\u2020\u2021]+|\s++" + SCENE_NO + r"\.?\s*\**)$")
_LEADING_SCENE_NO = re.compile(r"^" + SCENE_NO + r"\.?\s+(?=\S)")
_TRAILING_LETTER = re.compile(r"(?<=\S)\s{4,}[A-Za-z]$")
_DIGITS = re.compile(r"\d+")

# (A digit among the first four characters, found without backtracking: the first digit.)
_CAND_START = re.compile(r"\n(?:[^\n\d]{0,3}+\d|[(*-]|[^\W\d_](?=\n))")
# The words of the page-marker pre-check, on the lower-cased text (much faster than
# IGNORECASE); the IGNORECASE form only for text holding a letter lower() folds differently.
_CAND_WORD = re.compile(r"\n(?:page|p\.|p a|more|cont|final|shoot|draft|scrip)")
_CAND_WORD_ANY_CASE = re.compile(_CAND_WORD.pattern, re.IGNORECASE)
_CAND_END = re.compile(r"\n(?:[\d*\u2020\u2021]|\.\d|[A-Za-z] [^\S\n]{3})")  # reversed: ends in a digit, *, †, ".5", "    x"
_MARGIN = 60  # a revision mark sits past this column
_MARKS = "*\u2020\u2021"  # revision marks: asterisks, daggers


def without_margin_mark(line: str) -> str:
    """A right-stripped line without the revision mark at its right margin: past column 60,
    a run of asterisks or daggers set off by a space ("Go.      **", "Go.     ††"), or one
    asterisk glued to the text ("...the door.*"). A run glued to the text ("Go**") stays."""
    if len(line) <= _MARGIN or line[-1] not in _MARKS:
        return line
    body = line.rstrip(_MARKS)
    if body[-1:].isspace() or len(line) - len(body) == 1 and line[-1] == "*":
        return body.rstrip() or line
    return line


def hit_lines(pattern: re.Pattern[str], wrapped: str, inside: bool = False) -> list[int]:
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


_MATCH_START = re.Match.start


def _trailing_noise(text: str) -> re.Match[str] | None:
    """`_TRAILING_NOISE.search(text)`, tried only from the second-last whitespace run: a
    match spans at most two runs (the one before the number, one before its asterisks),
    and a search from the start would try every position of the line."""
    head = text.rsplit(None, 2)
    return _TRAILING_NOISE.search(text, len(head[0]) if len(head) == 3 else 0)


def strip_core(text: str) -> str:
    """The line without scene numbers on either side and revision asterisks."""
    end = text[-1]
    if not (end in "0123456789*\u2020\u2021" or end == "." and text[-2:-1].isdigit() or text[0].isdigit()
            or text[1:2].isdigit() or text[2:4].isdigit()):
        return text
    # (Each pattern matches at most once, at the end or at the start: cut, not `sub`.)
    m = _trailing_noise(text)
    core = text
    if m:
        core = text[: m.start()]
        if m := _trailing_noise(core):  # "12 *": a number and a revision mark
            core = core[: m.start()]
    if core != text or _LEADING_SCENE_NO.match(text):
        if m := _LEADING_SCENE_NO.match(core):
            core = core[m.end() :]
            if m := _LEADING_SCENE_NO.match(core):
                core = core[m.end() :]
    if m := NUMBERED_BOTH_ENDS.match(core):  # (alone, a lower-case "2nd" or "a1" is a word)
        core = m.group(2)
    return core.strip() or text


class Lines:
    """The parallel per-line lists (see the module doc)."""

    __slots__ = ("raw", "text", "indent", "core", "furniture", "debris", "n", "shapes", "headings", "lens", "wrapped",
                 "backwards", "marked")

    def __init__(self, lines: list[str], page_markers: frozenset[int] = frozenset()) -> None:
        joined = "\n".join(lines)
        if joined.count("\n") != len(lines) - 1 and lines:  # newlines inside lines: not ours to split
            lines = [line.replace("\n", " ") for line in lines]
            joined = "\n".join(lines)
        if "\t" in joined:
            lines = [line.expandtabs(8) for line in lines]
        raw = list(map(str.rstrip, lines))
        text = list(map(str.lstrip, raw))
        n = self.n = len(text)
        wrapped = "\n" + "\n".join(text) + "\n"
        self.wrapped = wrapped  # "\n" + the stripped lines + "\n", for whole-text scans
        self.backwards = wrapped[::-1]  # for scans that start from what ends a line
        ends = [n - 1 - i for i in self.hits(_CAND_END, self.backwards)]
        cands = set(self.hits(_CAND_START))
        if "ı" in wrapped or "İ" in wrapped or "ſ" in wrapped:  # fold like IGNORECASE does
            cands.update(self.hits(_CAND_WORD_ANY_CASE))
        else:
            cands.update(self.hits(_CAND_WORD, wrapped.lower()))
        marked: list[int] = []
        for i in ends:
            r = raw[i]
            if len(r) > 8 and r[-2] == " " and r[-1].isalpha():
                r = raw[i] = _TRAILING_LETTER.sub("", r)
                text[i] = r.lstrip()
            elif r[-1] in _MARKS and (cut := without_margin_mark(r)) is not r:
                r = raw[i] = cut
                text[i] = r.lstrip()
                marked.append(i)
        cands.update(ends)
        for word in ("evis", "EVIS"):  # one literal at a time: much faster than an alternation
            if word in wrapped:
                cands.update(hit_lines(re.compile(word), wrapped, inside=True))
        self.indent = list(map(sub, map(len, raw), map(len, text)))
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
                core[i] = strip_core(t)
                furniture[i] = is_page_marker(t)
        for i in page_markers:
            if 0 <= i < n and text[i]:
                furniture[i] = True
        for i in _running_lines(text, core, furniture, cands):
            furniture[i] = True
        self.raw, self.text, self.core, self.furniture, self.debris = raw, text, core, furniture, debris
        self.marked = marked  # lines whose revision mark was cut (`without_margin_mark`)
        self.lens = list(map(len, text))
        # Memos for this script only: core -> name_shape(core), heading_strength(core).
        self.shapes: dict[str, tuple[int, str]] = {}
        self.headings: dict[str, int] = {}

    def hits(self, pattern: re.Pattern[str], wrapped: str | None = None) -> list[int]:
        """`hit_lines(pattern, self.wrapped)` for a pattern whose matches start at a line's
        leading newline (`wrapped`: a same-length copy of it, such as its lower case)."""
        scanned = self.wrapped if wrapped is None else wrapped
        # `hit_lines` with its loop in C: the newlines between one hit and the next, summed.
        starts = list(map(_MATCH_START, pattern.finditer(scanned)))
        return list(accumulate(map(scanned.count, repeat("\n"), chain((0,), starts), starts)))

    def heading(self, core: str) -> int:
        got = self.headings.get(core)
        if got is None:
            got = self.headings[core] = heading_strength(core)
        return got

    def shape(self, core: str) -> tuple[int, str]:
        got = self.shapes.get(core)
        if got is None:
            got = self.shapes[core] = name_shape(core)
        return got


def _running_lines(text: list[str], core: list[str], furniture: list[bool], cands: set[int]) -> list[int]:
    """Running headers, footers and draft stamps: a line that recurs on page after page,
    either with a number that counts up (the page number: "A Legal Mind 51.") or
    unchanged and dated or marked as a draft ("GREEN AMENDED 18/04/10", "FINAL SHOOTING
    SCRIPT" atop every page). Scene headings
    recur with rising scene numbers too, so they never count."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i in cands:
        t = text[i]
        if t and not furniture[i] and 6 <= len(t) <= 90 and t[0] != "(" and (_DIGITS.search(t) or STAMP.search(t)):
            groups[_DIGITS.sub("#", " ".join(t.lower().split()))].append(i)
    out: list[int] = []
    for key, idx in groups.items():
        if len(idx) < 4 or not any(c.isalpha() for c in key) or heading_strength(core[idx[0]]):
            continue
        idx.sort()
        numbers = [tuple(map(int, _DIGITS.findall(text[i]))) for i in idx]
        distinct = len(set(numbers))
        rising = sum(a <= b for a, b in zip(numbers, numbers[1:]))
        if distinct == 1:
            # (without a number, about once a page: "FINAL SHOOTING SCRIPT" atop each page, not
            # a name that recurs in a scene; the median gap is 30 lines or more)
            if STAMP.search(text[idx[0]]) and (numbers[0] or sorted(b - a for a, b in zip(idx, idx[1:]))[len(idx) // 2 - 1] >= 30):
                out += idx
        elif len(idx) >= 6 and distinct >= 5 and rising >= 0.8 * (len(idx) - 1):
            out += idx
    return out


def double_spaced(lens: list[int], indent: list[int]) -> list[int] | None:
    """The lines to keep when a script is double-spaced (a blank line after every line, so
    one blank line means nothing and two or more end a paragraph): every line but the lone
    blank lines. None for an ordinary script."""
    n = len(lens)
    content = n - lens.count(0)
    if content < 20 or n - content < 0.9 * content:
        return None
    followed = sum(1 for a, b in zip(lens, lens[1:]) if a and not b)
    if followed < 0.85 * content:
        return None
    # Paragraphs end with two or more blank lines; a script of one-line paragraphs (every
    # line followed by one blank line) is not double-spaced. Unless the blank line follows
    # every line, speeches and their cues included (a web page's line breaks doubled): its
    # blank lines say nothing, and where its columns tell speech from action, they are dropped.
    wide = sum(1 for a, b, c in zip(lens, lens[1:], lens[2:]) if a and not b and not c)
    if wide < 0.25 * followed:
        columns = Counter(x for x, k in zip(indent, lens) if k)
        if followed < 0.9 * content or columns.most_common(1)[0][1] > 0.8 * content:
            return None
    return [i for i in range(n) if lens[i] or (0 < i < n - 1 and not (lens[i - 1] and lens[i + 1]))]

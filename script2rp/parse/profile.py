"""A script's own layout, learned from its unambiguous lines before any line is tagged.

Typed screenplays agree on the grammar (a cue, then speech; headings and action between)
but not on the columns: cues at 20 or 37 or flush left, dialogue a tab right of the
action or at the same column, a second set of margins on every other page. So nothing
about columns is fixed in the tagger. Here each script is read once for anchors, lines
whose role the text alone makes near certain:

- a cue: a capitalised name-shaped line directly followed by a line that reads as speech
  (an opening parenthesis, or text to its left, or in a flush-left script plain text);
  the lines of its block are dialogue and parenthetical anchors;
- action: long, not capitalised lines outside those blocks;
- headings: lines that start with INT./EXT.

Counting anchors per indent gives, for every column, how much of it is cue, speech and
action. The tagger then asks the profile, not a constant, whether a line at column x
after a cue is still speech, and whether a name at column x is a cue. Recurring cue names
(`names`) let a cue typed in lower case (`mara`, SAIL's noise) or at the action column
still be read as a cue.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from itertools import accumulate, islice
from dataclasses import dataclass

from script2rp.parse.lines import Lines
from script2rp.parse.patterns import HEADING_KW, HONORIFICS, SCENE_NO, TIME_ONLY, name_shape, split_inline_cue

_HONORIFICS = frozenset(w.upper() + dot for w in HONORIFICS for dot in ("", "."))
# The thresholds set by hand on the dev scripts (`benchmarks/tagger_noise.py` re-chooses them
# leaving each script out, to check they are not fitted to any one script).
SPREAD = 3  # columns either side pooled when a column has few anchors of its own
SIDE_RATIO = 5  # a column is speech (action) when it holds this many times more of it
EDGE_MARGIN = 6  # columns past the usual right edge of speech that make a line too wide for it


@dataclass(slots=True)
class Profile:
    """Per-column role evidence and the script-wide facts the tagger needs."""

    speech_side: list[int]  # per indent: +1 speech column, -1 action column, 0 both or unknown
    cue_side: list[bool]  # per indent: cues sit here
    action: int  # the action column
    dialogue: int  # the usual first column of speech
    cue: int  # the usual cue column
    indented: bool  # cues sit well right of the speech: position alone tells a cue
    dialogue_edge: int  # usual right edge of speech lines
    action_edge: int  # usual right edge of action lines
    names: frozenset[str]  # recurring speaker names, upper case
    caseless: bool  # the whole script is in one case: capitals carry no signal
    gap_after_cue: bool  # a blank line often sits between a cue and its speech
    inline_names: frozenset[str] = frozenset()  # names that open lines holding cue and speech
    inline_layout: bool = False  # most cues share their line with the speech
    inline_hanging: bool = False  # and its next lines hang right of the name
    first_words: frozenset[str] = frozenset()  # first words of `names` and honorifics ("MR.")
    bare_headings: bool = False  # headings are a bare place in capitals, no INT./EXT.
    title_cues: bool = False  # cues are typed in title case ("Mr. Park"): any such name may be one

    def speech_at(self, x: int) -> int:
        return self.speech_side[x] if x < len(self.speech_side) else -1

    def cue_at(self, x: int) -> bool:
        return self.cue_side[x] if x < len(self.cue_side) else False


def _mode(values: Counter[int], default: int) -> int:
    return values.most_common(1)[0][0] if values else default


def _percentile(values: list[int], q: float, default: int) -> int:
    if not values:
        return default
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _pooled(counts: Counter[int], width: int) -> list[float]:
    """Counts per column; a column with fewer than 3 anchors borrows from its neighbours."""
    own = [counts.get(x, 0) for x in range(width)]
    total = list(accumulate(own, initial=0))
    return [
        k if k >= 3 else k + 0.25 * (total[min(width, x + SPREAD + 1)] - total[max(0, x - SPREAD)])
        for x, k in enumerate(own)
    ]


class _Anchors:
    """Anchor counts per column, filled by one pass over the script."""

    def __init__(self) -> None:
        self.cue: Counter[int] = Counter()
        self.speech: Counter[int] = Counter()  # filled from speech_cols at the end
        self.first_speech: Counter[int] = Counter()
        self.speech_cols: list[int] = []
        self.first_cols: list[int] = []
        self.action: Counter[int] = Counter()
        self.speech_edges: list[int] = []
        self.action_edges: list[int] = []
        self.names: Counter[str] = Counter()
        self.blocks = 0
        self.gaps = 0


_KW_FIRST = frozenset("IiEeİı")  # what HEADING_KW's first letter matches (IGNORECASE)


def _speech_follows(p: Lines, i: int, j: int, caps_only: bool) -> bool:
    """Does line j read as the speech of a cue on line i?"""
    t = p.text[j]
    if t[0] == "(":
        return True
    core = p.core[j]
    if core[0] in _KW_FIRST and HEADING_KW.match(core):
        return False
    x, y = p.indent[i], p.indent[j]
    if y < x - 2:
        return True
    return abs(y - x) <= 2 and not (caps_only and t.isupper()) and len(t) > 1


def _block(p: Lines, j: int, a: _Anchors, edge: int) -> int:
    """Count the speech lines of an anchor block starting at line j; return the line after.
    A line at another column or past `edge` (the usual right edge of a cue's first speech
    line) ends the block: without blank lines, action may follow speech directly."""
    text, indent, lens, furniture = p.text, p.indent, p.lens, p.furniture
    cols, edges = a.speech_cols, a.speech_edges
    n = p.n
    first = -1
    paren = False
    while j < n and lens[j]:
        if not furniture[j]:
            t = text[j]
            if paren or t[0] == "(":
                paren = ")" not in t
            else:
                x = indent[j]
                if first < 0:
                    first = x
                    a.first_cols.append(x)
                elif x - first > 2 or first - x > 2 or x + lens[j] > edge:
                    break
                cols.append(x)
                edges.append(x + lens[j])
        j += 1
    return j


_ACTION_STRIDE = 3  # action anchors are counted on every third line of a long script
_FEW = 30  # fewer capitalised anchor cues than this: the script may type its cues otherwise
_NO_CAPITALS = str.maketrans("", "", string.ascii_uppercase)


def _few_capitals(wrapped: str) -> bool:
    """Hardly any capital letters at all (not just no capitalised lines)."""
    return len(wrapped) - len(wrapped.translate(_NO_CAPITALS)) <= 0.005 * len(wrapped)


# A line whose first three characters hold a capital and no lower-case letter, or that
# starts with "Mc": the lines that may be capitalised cues (when short).
# (Possessive: the first capital, the first lower-case letter; no backtracking.)
_CAPS_LINE = re.compile(r"\n(?:(?=[^\nA-Z]{0,2}+[A-Z])(?![^\na-z]{0,2}+[a-z])|Mc)")


def _cue_candidates(p: Lines, caseless: bool, caps: list[int]) -> list[int]:
    """Lines that may be anchor cues: short and capitalised (`caps`: the `_CAPS_LINE` hits),
    or any short line in a script in one case."""
    furniture = p.furniture
    if caseless:
        return [i for i in range(p.n - 1) if 0 < p.lens[i] <= 50 and not furniture[i]]
    lens = p.lens
    return [i for i in caps if i < p.n - 1 and lens[i] <= 50 and not furniture[i]]


def _other_case_candidates(p: Lines) -> tuple[list[int], list[int]]:
    """For scripts whose cues are not capitalised: short lines with the next line well to
    their left (cues by position), and short lines over text after a blank line that start
    with a capital (title-case cues, "Mr. Park", flush left)."""
    text, indent, lens, furniture = p.text, p.indent, p.lens, p.furniture
    left: list[int] = []
    titled: list[int] = []
    for i in range(p.n - 1):
        k = lens[i]
        if not k or k > 50 or not lens[i + 1] or furniture[i]:
            continue
        t = text[i]
        if t[:3].isupper() or t[:2] == "Mc":
            continue
        if indent[i] >= 8 and indent[i] >= indent[i + 1] + 4:
            left.append(i)
        elif k <= 30 and (i == 0 or not lens[i - 1]) and t[0].isupper():
            titled.append(i)
    return left, titled


def _find_cues(p: Lines, candidates: list[int], caseless: bool) -> list[tuple[int, int, int]]:
    """Anchor cues as (cue line, first speech line, blank lines between)."""
    text, core, indent, furniture, shapes = p.text, p.core, p.indent, p.furniture, p.shapes
    n = p.n
    found: list[tuple[int, int, int]] = []
    last = -1
    for i in candidates:
        if i <= last:
            continue  # inside the speech of the anchor before
        t = text[i]
        c = core[i]
        shape = (shapes.get(c) or p.shape(c))[0]
        if not shape or shape != 1 and not caseless and (t[:3].isupper() or t[:2] == "Mc"):
            continue
        j = i + 1
        while j < n and furniture[j]:
            j += 1
        gap = 0
        if j < n and not text[j]:
            gap = 1
            j += 1
            while j < n and furniture[j]:
                j += 1
        if j >= n or not text[j] or not _speech_follows(p, i, j, not caseless):
            continue
        if gap and text[j][0] != "(" and indent[j] >= indent[i] - 2:
            continue
        found.append((i, j, gap))
        last = j
    return found


def flush_right(p: Lines, i: int, j: int) -> bool:
    """Do lines i and j end at the same column (one either way)? A cue and its speech do
    so only by chance; lines set flush right ("DIGITAL" / "DISTORTION TO" / "BLACK.") always."""
    return -1 <= p.indent[i] + p.lens[i] - p.indent[j] - p.lens[j] <= 1


def learn(p: Lines) -> Profile:
    """The profile of one script (see the module doc)."""
    text = p.text
    n = p.n
    caseless = sum(map(str.isupper, text)) <= 2 + 0.002 * n and _few_capitals(p.wrapped)
    caps = [] if caseless else p.hits(_CAPS_LINE)  # found by a whole-text scan: most lines are not
    found = _find_cues(p, _cue_candidates(p, caseless, caps), caseless)
    titled: list[int] = []
    if len(found) < _FEW and not caseless:  # few capitalised cues: look for cues in other cases
        left, titled = _other_case_candidates(p)
        found = sorted(found + _find_cues(p, left, caseless))
    # A blank line between a cue and its speech is a layout only when it is common; a few
    # such "cues" are centred titles over action.
    # Where most cues stand right of their speech, a caps line over text at its own column
    # is a shot or a heading over action, not a cue.
    left = [f for f in found if p.indent[f[1]] < p.indent[f[0]] - 2 or text[f[1]][0] == "("]
    if len(left) >= 0.5 * len(found):
        found = left
    # A caps line over a line that starts right of where cues start (speech never does), the
    # two ending at the same column, is a transition set flush right over lines, not a cue.
    cue_col = _mode(Counter(p.indent[i] for i, _, _ in found), 0)
    found = [f for f in found if p.indent[f[1]] < cue_col or not flush_right(p, f[0], f[1])]
    a = _Anchors()
    a.gaps = sum(g for _, _, g in found)
    if a.gaps < 0.3 * len(found):
        found = [f for f in found if not f[2]]
        a.gaps = 0
    a.blocks = len(found)
    in_block = bytearray(n)
    firsts = [len(p.raw[j]) for _, j, _ in found if text[j][0] != "("]
    edge = _percentile(firsts, 0.9, 60) + EDGE_MARGIN
    for cue, j, _ in found:
        a.cue[p.indent[cue]] += 1
        a.names[p.shapes[p.core[cue]][1]] += 1
        end = _block(p, j, a, edge)
        in_block[cue:end] = b"\x01" * (end - cue)
    a.speech.update(a.speech_cols)
    a.first_speech.update(a.first_cols)
    inline = _action_and_inline(p, in_block, a, caps)
    inline.update(_title_case_speakers(_INLINE_BACKWARDS, p.backwards))  # "Monica: There's nothing to tell!"
    prof = _profile(a, p.indent, caseless)
    title_names = _title_names(p, titled)
    blocks = a.blocks  # cues on a line of their own
    if len(title_names) >= 5 and len(title_names) >= a.blocks / 2:
        prof.title_cues = True  # cues are typed in title case: their columns say nothing
        prof.indented = False
        blocks += sum(p.shapes[p.core[i]][1] in title_names for i in titled)
    prof.names |= title_names | frozenset(_title_case_speakers(_ALONE_BACKWARDS, p.backwards))  # "First Citizen:" over speech
    hung = inline.pop("\0hanging", 0)
    lines = sum(inline.values())
    prof.inline_hanging = lines > 0 and hung >= 0.3 * lines
    if lines >= 5:  # a layout of its own when there are few ordinary cues; else known speakers only
        own = prof.inline_layout = lines >= 0.5 * blocks
        prof.inline_names = frozenset(name for name, k in inline.items() if name in prof.names or own and k >= 3)
        if own:
            prof.indented = False  # the cues sit at the action column
    prof.bare_headings = _bare_headings(p)
    prof.first_words = frozenset(n.split(None, 1)[0] for n in prof.names | prof.inline_names if n) | _HONORIFICS
    return prof


def _action_and_inline(p: Lines, in_block: bytearray, a: _Anchors, caps: list[int]) -> Counter[str]:
    """Count action anchors (long lines outside the cue blocks); return the names of lines
    that hold a cue and its speech together (key "\\0hanging": how many of them have their
    next line hanging right of the name). Such a line opens with two capitals or "Mc" and
    its third character is not lower case, so it is among `caps` (the `_CAPS_LINE` hits)."""
    text, indent, lens, furniture = p.text, p.indent, p.lens, p.furniture
    inline: Counter[str] = Counter()
    speech: set[int] = set()  # inline cue lines and the hanging lines of their speeches
    for i in caps:
        if i >= p.n or lens[i] < 8 or in_block[i] or furniture[i] or text[i].isupper():
            continue
        t = text[i]
        if not (t[0] in _ASCII_CAPS and t[1] in _ASCII_CAPS or t[:2] == "Mc"):
            continue
        split = split_inline_cue(text[i])
        if not split:
            continue
        inline[name_shape(split[0])[1]] += 1
        speech.add(i)
        j = i + 1
        if j < p.n and lens[j] and indent[j] > indent[i]:
            inline["\0hanging"] += 1
            while j < p.n and lens[j] and indent[j] == indent[i + 1]:
                speech.add(j)
                a.speech[indent[j]] += 1
                j += 1
    # Action columns from every few lines only (their counts scaled back): the proportions
    # of columns are what matters, and this pass would otherwise read every line.
    step = _ACTION_STRIDE if p.n > 2000 else 1
    action = [
        i for i in range(0, p.n, step)
        if lens[i] >= 30 and not in_block[i] and not furniture[i] and i not in speech and text[i][0] != "("
        and not text[i].isupper()
    ]
    for i in action:
        a.action[indent[i]] += step
    a.action_edges.extend(indent[i] + lens[i] for i in action)
    return inline


# Title-case speakers, found by a scan of the reversed text: each ": " or ":\n" is a
# literal to search for, from which the name is read backwards to its line's start (a scan
# forwards would try every line). "Mc" names too.
_NAME_BACKWARDS = r"((?:[a-z]+[A-Z](?:cM)? ){0,2}[a-z]+[A-Z](?:cM)?)\n"
_INLINE_BACKWARDS = re.compile(r" :" + _NAME_BACKWARDS)  # "Monica: There's nothing to tell!"
_ALONE_BACKWARDS = re.compile(r"\n:" + _NAME_BACKWARDS)  # "First Citizen:" alone over the speech
# (labels that open a line with a colon and are no speaker)
_LABELS = frozenset("NOTE NOTES SCENE TITLE SUBTITLE SUBTITLES CAPTION CARD SUPER INSERT LATER WRITTEN DRAFT "
                    "DATE PAGE CUT FADE DISSOLVE CREDITS SOURCE SETTING TIME PLACE AUTHOR BY".split())


def _title_case_speakers(pattern: re.Pattern[str], backwards: str) -> Counter[str]:
    """Names `pattern` finds in the reversed text three times or more, labels ("Note:")
    aside, in upper case."""
    counts = Counter(m[::-1].upper() for m in pattern.findall(backwards))
    return Counter({name: k for name, k in counts.items() if k >= 3 and name not in _LABELS})


_ASCII_CAPS = frozenset(string.ascii_uppercase)
# (after a scene number too: a shooting script numbers its headings)
_KEYWORD_START = re.compile(r"\n(?:" + SCENE_NO + r"\.?[^\S\n]+)?(?:INT[. ]|EXT[. ]|I/E|INTERIOR|EXTERIOR|int\.|ext\.)")


# A blank line (its leading newline) before a line with a blank line after it.
_ALONE = re.compile(r"\n\n(?=[^\n]+\n\n)")


def _bare_headings(p: Lines) -> bool:
    """A script that writes its headings as a bare place ("ROOFTOP", "THE KITCHEN"): almost
    no INT./EXT., but capitalised lines standing alone between blank lines."""
    if len(list(islice(_KEYWORD_START.finditer(p.wrapped), 3))) == 3:  # (stops at the third)
        return False
    alone = sum(map(str.isupper, map(p.text.__getitem__, map((1).__add__, p.hits(_ALONE)))))
    return alone >= 10


def _title_names(p: Lines, titled: list[int]) -> frozenset[str]:
    """Title-case names over speech ("Mr. Park", flush left) that recur in the script."""
    counts: Counter[str] = Counter()
    for i in titled:
        shape, name = p.shape(p.core[i])
        if shape == 2 and not p.text[i + 1].isupper():
            counts[name] += 1
    return frozenset(name for name, k in counts.items() if k >= 3 and not TIME_ONLY.match(name))


def _profile(a: _Anchors, indent: list[int], caseless: bool) -> Profile:
    width = max(indent, default=0) + 2
    speech, action, cue = _pooled(a.speech, width), _pooled(a.action, width), _pooled(a.cue, width)
    speech_side = []
    for s, x in zip(speech, action):
        total = s + x
        speech_side.append(0 if total < 1 else 1 if s >= SIDE_RATIO * x else -1 if x >= SIDE_RATIO * s else 0)
    cue_side = [c >= 3 and c >= 2 * (s + x) for c, s, x in zip(cue, speech, action)]
    act_col = _mode(a.action, 0)
    dlg_col = _mode(a.first_speech, act_col)
    cue_col = _mode(a.cue, dlg_col + 10)
    return Profile(
        speech_side=speech_side,
        cue_side=cue_side,
        action=act_col,
        dialogue=dlg_col,
        cue=cue_col,
        indented=a.blocks >= 3 and cue_col >= dlg_col + 4 and cue_col >= act_col + 4,
        # Too few speech lines to know their width: make it the action's (no width rule).
        dialogue_edge=_percentile(a.speech_edges if len(a.speech_edges) >= 20 else a.action_edges, 0.9, 60),
        action_edge=_percentile(a.action_edges, 0.9, 60),
        names=frozenset(name for name, k in a.names.items() if k >= 2),
        caseless=caseless,
        gap_after_cue=a.blocks >= 3 and a.gaps >= 0.3 * a.blocks,
    )

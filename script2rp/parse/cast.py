"""Who speaks, how much, where: the cast table and the main-cast / NPC split.

Speakers are already normalised by `names.normalise_cue`, so grouping by
`Dialogue.speaker` performs exactly the safe merges (extension, CONT'D, case, spacing)
and nothing else: "JOHN" and "JOHNNY" stay two characters, because a fuzzy merge that
joins two people corrupts every card built on it, while a missed merge only splits one.

Main cast vs NPC follows cinematika-v0.1: a character with fewer than `main_threshold`
(default 15) dialogue blocks in the whole script is an NPC.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from script2rp.model import Character, Dialogue, Scene, TaggedLine

__all__ = ["count_cast", "DEFAULT_MAIN_THRESHOLD"]

DEFAULT_MAIN_THRESHOLD = 15
_SPOKEN = frozenset({"dialogue", "lyrics"})


def _spoken_prefix(lines: Sequence[TaggedLine]) -> list[int]:
    """spoken[b] - spoken[a] = dialogue/lyrics lines among lines[a:b]."""
    return [0, *accumulate(t.type in _SPOKEN for t in lines)]


def _physical_lines(d: Dialogue, spoken: list[int] | None) -> int:
    """Lines of speech in the block. `Dialogue` records only its span, so with the tagged
    lines we count the dialogue/lyrics lines inside it (page furniture and parentheticals
    excluded); without them we estimate: span less the cue and one line per parenthetical."""
    first, last = d.line_span
    if spoken is not None and 0 <= first <= last < len(spoken) - 1:
        return spoken[last + 1] - spoken[first]
    if not d.text:
        return 0
    return max(1, last - first - len(d.parentheticals))


def count_cast(
    scenes: list[Scene],
    main_threshold: int = DEFAULT_MAIN_THRESHOLD,
    *,
    lines: Sequence[TaggedLine] | None = None,
    codes: str | None = None,
) -> tuple[list[Character], dict[str, list[str]]]:
    """Per speaker: dialogue blocks, dialogue lines, words, scenes (sorted), first scene,
    main or NPC, and the raw cue spellings merged into the name.

    Returns (characters sorted by dialogue blocks descending then name, merge report
    {name: raw spellings} for names typed more than one way). `lines` (the tagged lines the
    scenes were built from) makes `dialogue_lines` exact; see `_physical_lines`. `codes`
    (one letter per tagged line, D for dialogue and L for lyrics) does the same faster.
    """
    spoken = _spoken_prefix(lines) if codes is None and lines is not None else None
    stats: dict[str, list] = {}  # name -> [blocks, lines, words, scenes, spellings]
    spelled: dict[str, str] = {}  # raw cue -> its spelling in the merge report
    last_line = len(spoken) - 2 if spoken is not None else len(codes) - 1 if codes is not None else -1
    count = codes.count if codes is not None else None  # speech lines in a span, counted in C
    for scene in scenes:
        for d in scene.elements:
            if not isinstance(d, Dialogue):
                continue
            st = stats.get(d.speaker)
            if st is None:
                st = stats[d.speaker] = [0, 0, 0, set(), {}]
            st[0] += 1
            first, last = d.line_span
            if 0 <= first <= last <= last_line:  # `_physical_lines`, inline
                if count is not None:
                    st[1] += count("D", first, last + 1) + count("L", first, last + 1)
                else:
                    st[1] += spoken[last + 1] - spoken[first]  # type: ignore[index]
            else:
                st[1] += _physical_lines(d, spoken)
            t = d.text
            # Joined text is single-spaced: its words are its spaces plus one (checked cheaply).
            st[2] += t.count(" ") + 1 if t and t.isprintable() and "  " not in t and t[0] != " " != t[-1] else len(t.split())
            st[3].add(scene.index)
            raw = d.raw_cue or d.speaker
            spelling = spelled.get(raw)
            if spelling is None:
                spelling = spelled[raw] = " ".join(raw.split())
            st[4][spelling] = None
    characters = [
        Character(
            name=name,
            dialogue_blocks=n_blocks,
            dialogue_lines=n_lines,
            words=n_words,
            scenes=sorted(present),
            first_scene=min(present),
            is_main=n_blocks >= main_threshold,
            aliases=list(spellings),
        )
        for name, (n_blocks, n_lines, n_words, present, spellings) in stats.items()
    ]
    characters.sort(key=lambda c: (-c.dialogue_blocks, c.name))
    report = {c.name: c.aliases for c in characters if len(c.aliases) > 1}
    return characters, report

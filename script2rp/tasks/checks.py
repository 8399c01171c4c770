"""Checks the prose stages share: screenplay notation left in a model's text, and how much of a
scene's dialogue a transcript kept."""

from __future__ import annotations

import re
from collections.abc import Iterable

from script2rp.model import Dialogue

_DEBRIS = re.compile(
    r"\b(?:INT|EXT|I/E)\.\s|\bINT\./EXT\b|\bCONT['’]D\b|\((?:V\.O\.|O\.S\.|O\.C\.)\)|"
    r"\b(?:CUT|DISSOLVE|SMASH CUT|MATCH CUT) TO:|\bFADE (?:IN|OUT)[:.]"
)
_WORD = re.compile(r"[a-z0-9']+")


def debris(text: str) -> str | None:
    """The first piece of screenplay notation left in a text, if any."""
    m = _DEBRIS.search(text)
    return m.group(0).strip() if m else None


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def coverage(dialogues: Iterable[Dialogue], transcript: str, block_recall: float = 0.7) -> float:
    """Share of dialogue blocks whose words mostly (`block_recall`) appear in the transcript.

    Word-set recall rather than exact matching: a model may fix punctuation or split a speech
    around narration, which is fine; dropping or inventing lines is what this catches.
    """
    vocab = set(words(transcript))
    blocks = [set(words(d.text)) for d in dialogues]
    blocks = [b for b in blocks if b]
    if not blocks:
        return 1.0
    kept = sum(1 for b in blocks if len(b & vocab) / len(b) >= block_recall)
    return kept / len(blocks)


# Two quote marks side by side: a quote inside a quoted speech (`""Not yet." Every night?"`).
_NESTED = re.compile(r'["“”]["“”]')


def prose_problems(text: str) -> list[tuple[str, str]]:
    """What is wrong with the prose of a roleplay text, as (kind, the paragraph's start): nested
    quotes, narration that is a bare fragment (`Mara`, `][`), a paragraph that stops mid-sentence."""
    from script2rp.cinematika import match_turn
    from script2rp.tasks.shapes import ends_sentence, is_fragment

    problems = []
    for para in (p.strip() for p in text.split("\n\n")):
        if not para:
            continue
        found = match_turn(para)
        if _NESTED.search(para):
            problems.append(("nested quotes", para[:80]))
        stage_note = para.startswith("*") and para.endswith("*") and para.count("*") == 2  # `*Inside. Tent.*`
        if found is None and not stage_note and is_fragment(para):
            problems.append(("mid-sentence" if len(para.split()) > 2 else "fragment", para[:80]))
        elif found is not None and not (ends_sentence(para) or para.endswith(('"', "”", "*"))):
            problems.append(("mid-sentence", para[-80:]))
    return problems


def prose_problem(text: str) -> str | None:
    """The first of `prose_problems`, as a reason."""
    problems = prose_problems(text)
    return f"{problems[0][0]}: {problems[0][1]!r}" if problems else None

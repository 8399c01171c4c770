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

"""`memories`: a stretch of roleplay turns (one scene's transcript) -> a short long-term memory."""

from __future__ import annotations

import re

from script2rp.tasks import structured as shapes
from script2rp.tasks.job import Invalid, Job
from script2rp.tasks.prompt import stage_prompt
from script2rp.tasks.text import turns

STAGE = "memories"
MAX_WORDS = 120


def jobs(row_id: str, movie_id: str, item: str, transcript: str, structured: bool = False) -> list[Job]:
    prompt = stage_prompt(STAGE, structured)
    return [Job(
        id=row_id, stage=STAGE, movie=movie_id, item=item, prompt=prompt,
        text=prompt.fill(transcript=transcript),
        check=(lambda answer: check(shapes.sentences_text(answer, "memory"))) if structured else check,
        json_schema=shapes.sentences_schema("memory", 1, 4) if structured else None,
    )]


def check(answer: str) -> str:
    memory = " ".join(answer.strip().removeprefix("Memory:").split())
    if not memory:
        raise Invalid("empty answer")
    if len(memory.split()) > MAX_WORDS:
        raise Invalid(f"{len(memory.split())} words, want at most {MAX_WORDS}")
    if any(name for name, _ in turns(answer)):
        raise Invalid("memory contains dialogue turns")
    if not re.search(r"[.!?]", memory):
        raise Invalid("not a sentence")
    return memory

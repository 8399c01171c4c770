"""`memories`: a stretch of roleplay turns (one scene's transcript) -> a short long-term memory."""

from __future__ import annotations

import re

from script2rp.tasks.job import Invalid, Job
from script2rp.tasks.prompt import load_prompt
from script2rp.tasks.text import turns

STAGE = "memories"
MAX_WORDS = 120


def jobs(row_id: str, movie_id: str, item: str, transcript: str) -> list[Job]:
    prompt = load_prompt(STAGE)
    return [Job(
        id=row_id, stage=STAGE, movie=movie_id, item=item, prompt=prompt,
        text=prompt.fill(transcript=transcript), check=check,
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

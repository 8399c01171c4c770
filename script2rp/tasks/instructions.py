"""The instruction at the head of an instruction config's input (`prompts/instructions.yaml`):
one of several phrasings per task, chosen from the row id, so the choice is stable across builds
and spread evenly over the rows."""

from __future__ import annotations

import zlib
from string import Template

from script2rp.tasks.stage import Context

FILE = "instructions"


def instructions(ctx: Context, task: str) -> list[Template]:
    data, _ = ctx.prompts.data(FILE)
    return [Template(text) for text in data[task]]


def instructed(phrasings: list[Template], row_id: str, content: str, **fields: str) -> str:
    """The input of one row: its instruction, a blank line, the content."""
    choice = phrasings[zlib.crc32(row_id.encode()) % len(phrasings)]
    return f"{choice.substitute(fields).strip()}\n\n{content.strip()}"

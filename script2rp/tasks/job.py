"""What a generation stage hands the builder: one `Job` per model answer it needs.

A job carries its instruction and a `check` that turns the answer into the stage's value or
raises `Invalid` with a one-line reason. The builder (`script2rp.build.llm_stage`) sends jobs,
re-asks invalid ones and records final failures; stages never see the engine.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from script2rp.model import Screenplay
from script2rp.tasks.prompt import Prompt
from script2rp.tasks.text import display_name


class Invalid(ValueError):
    """An answer that fails a stage's validator; the message is the reason recorded."""


@dataclass
class Job:
    id: str  # stable across runs: the row id it feeds, plus a part number where a scene is split
    stage: str
    movie: str
    item: str  # what it is about: "scene 3", "MARA"
    prompt: Prompt
    text: str
    check: Callable[[str], Any]
    json_schema: dict | None = None
    distinct: tuple[str, ...] = ()  # JSON keys whose values may not repeat (SamplingParams.distinct)


@dataclass
class Movie:
    """A parsed screenplay with the names the stages share."""

    id: str
    screenplay: Screenplay
    path: str
    names: dict[str, str] = field(default_factory=dict)  # speaker -> display name

    @classmethod
    def of(cls, screenplay: Screenplay, path: str, taken: set[str]) -> Movie:
        base = slug(screenplay.title) or "untitled"
        movie_id, n = base, 1
        while movie_id in taken:
            n += 1
            movie_id = f"{base}-{n}"
        taken.add(movie_id)
        names = {c.name: display_name(c.name, next(iter(c.aliases), "")) for c in screenplay.characters}
        return cls(movie_id, screenplay, path, names)

    @property
    def title(self) -> str:
        return self.screenplay.title

    def name(self, speaker: str) -> str:
        return self.names.get(speaker, display_name(speaker))


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60]

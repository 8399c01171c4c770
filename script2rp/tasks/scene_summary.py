"""`scene_summary`: a scene -> the 2-5 sentence scenario of its `[scenario]` block."""

from __future__ import annotations

import re

from script2rp.model import Scene
from script2rp.tasks import structured as shapes
from script2rp.tasks.job import Invalid, Job, Movie
from script2rp.tasks.prompt import stage_prompt
from script2rp.tasks.scene_enhancement import scene_id
from script2rp.tasks.text import debris, screenplay_text

STAGE = "scene_summary"
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*(?=\s|$)")


def jobs(movie: Movie, scene: Scene, *, max_chars: int, structured: bool = False) -> list[Job]:
    prompt = stage_prompt(STAGE, structured)
    text = screenplay_text(scene.heading, scene.elements)
    if len(text) > max_chars:  # a summary needs the gist, not every line
        text = text[:max_chars].rsplit("\n\n", 1)[0] + "\n\n[...]"
    return [Job(
        id=scene_id(movie, scene), stage=STAGE, movie=movie.id, item=f"scene {scene.index}",
        prompt=prompt, text=prompt.fill(movie=movie.title, scene=text),
        check=(lambda answer: check(shapes.sentences_text(answer, "scenario"))) if structured else check,
        json_schema=shapes.sentences_schema("scenario", 2, 4) if structured else None,
    )]


def check(answer: str) -> str:
    summary = " ".join(answer.strip().removeprefix("Scenario:").split())
    if not summary:
        raise Invalid("empty answer")
    found = debris(summary)
    if found:
        raise Invalid(f"screenplay notation left in: {found!r}")
    sentences = len(_SENTENCE_END.findall(summary))
    if not 2 <= sentences <= 5:
        raise Invalid(f"{sentences} sentences, want 2-5")
    return summary

"""`scene_summary`: a scene -> the 2-5 sentence scenario of its `[scenario]` block."""

from __future__ import annotations

import re
from collections.abc import Iterator

from script2rp.model import Movie
from script2rp.tasks import structured
from script2rp.tasks.checks import debris
from script2rp.tasks.instructions import instructions
from script2rp.tasks.screenplay import cast_sheet, scene_pairs, screenplay_text, shape_words
from script2rp.tasks.shapes import ends_sentence
from script2rp.tasks.stage import PAIR_COLUMNS, SCENE_COLUMNS, Config, Context, Failure, Invalid, Job, Results, Stage

_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*(?=\s|$)")


class SceneSummary(Stage):
    name = "scene_summary"
    prompt = "scene_summary"
    row_prompts = ("instructions",)
    config = Config(name, SCENE_COLUMNS + PAIR_COLUMNS,
                    "screenplay scene with an instruction (input) -> 2-5 sentence scenario (output)")

    def jobs(self, movie: Movie, results: Results, ctx: Context) -> Iterator[Job]:
        prompt = ctx.prompt(self.name)
        cast = cast_sheet(movie)
        least, most = ctx.shape.summary_sentences
        for scene in movie.screenplay.scenes:
            text = screenplay_text(scene.heading, scene.elements)
            if len(text) > ctx.max_scene_chars:  # a summary needs the gist, not every line
                text = text[:ctx.max_scene_chars].rsplit("\n\n", 1)[0] + "\n\n[...]"
            key = movie.scene_id(scene)
            yield Job(
                id=key, key=key, stage=self.name, movie=movie.id, item=f"scene {scene.index}",
                prompt=prompt, text=prompt.fill(movie=movie.title, cast=cast, scene=text, **shape_words(ctx.shape)),
                check=(lambda answer: check(structured.sentences_text(answer, "scenario"))) if ctx.structured else check,
                json_schema=structured.sentences_schema("scenario", least, most, ctx.shape) if ctx.structured else None,
                max_tokens=structured.sentences_budget(most, ctx.shape, prompt.max_tokens),
            )

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        return scene_pairs(movie, results[self.name], instructions(ctx, self.name))


def check(answer: str) -> str:
    summary = " ".join(answer.strip().removeprefix("Scenario:").split())
    if not summary:
        raise Invalid("empty answer")
    found = debris(summary)
    if found:
        raise Invalid(f"screenplay notation left in: {found!r}")
    if not ends_sentence(summary):
        raise Invalid(f"stops mid-sentence: {summary[-60:]!r}")
    sentences = len(_SENTENCE_END.findall(summary))
    if not 2 <= sentences <= 5:
        raise Invalid(f"{sentences} sentences, want 2-5")
    return summary

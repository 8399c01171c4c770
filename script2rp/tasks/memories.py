"""`memories`: a stretch of roleplay turns (one scene's transcript) -> a short long-term memory,
as a ShareGPT conversation (system, the turns, the memory)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from script2rp.cinematika import turns
from script2rp.model import Movie
from script2rp.tasks import structured
from script2rp.tasks.screenplay import cast_sheet
from script2rp.tasks.shapes import ends_sentence
from script2rp.tasks.stage import CONVERSATION, SCENE_COLUMNS, Config, Context, Failure, Invalid, Job, Results, Stage

MAX_WORDS = 120


class Memories(Stage):
    name = "memories"
    prompt = "memories"
    needs = ("scene_enhancement",)
    item_wise = True
    versions_from = ()  # the transcript is the input, not the product: the rows carry this prompt's version
    config = Config(name, SCENE_COLUMNS + [("conversations", CONVERSATION)],
                    "ShareGPT conversation: RP turns (human) -> long-term memory summary (gpt)")

    def jobs(self, movie: Movie, results: Results, ctx: Context) -> Iterator[Job]:
        prompt = ctx.prompt(self.name)
        transcripts = results["scene_enhancement"]
        cast = cast_sheet(movie)
        for scene in movie.screenplay.scenes:
            sid = movie.scene_id(scene)
            if sid not in transcripts:
                continue
            yield Job(
                id=sid, key=sid, stage=self.name, movie=movie.id, item=f"scene {scene.index}", prompt=prompt,
                text=prompt.fill(cast=cast, transcript=transcripts[sid]),
                check=(lambda answer: check(structured.sentences_text(answer, "memory"))) if ctx.structured else check,
                json_schema=structured.sentences_schema("memory", 1, 4, ctx.shape, colon=False) if ctx.structured else None,
                max_tokens=structured.sentences_budget(4, ctx.shape, prompt.max_tokens),
            )

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        # The rows teach the plain-text task, whichever form (free or JSON) produced the answer.
        prompt = ctx.prompts.load(self.name)
        transcripts, memories = results["scene_enhancement"], results[self.name]
        cast = cast_sheet(movie)
        for scene in movie.screenplay.scenes:
            sid = movie.scene_id(scene)
            if sid in memories:
                yield {"id": sid, "movie": movie.title, "scene_index": scene.index, "conversations": [
                    {"from": "system", "value": prompt.system},
                    {"from": "human", "value": prompt.fill(cast=cast, transcript=transcripts[sid])},
                    {"from": "gpt", "value": memories[sid]}]}


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
    if not ends_sentence(memory):
        raise Invalid(f"stops mid-sentence: {memory[-60:]!r}")
    return memory

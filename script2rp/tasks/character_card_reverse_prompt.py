"""`character_card_reverse_prompt`: a validated card -> the request that would produce it."""

from __future__ import annotations

from collections.abc import Iterator

import re

from script2rp.model import Movie
from script2rp.tasks.instructions import instructed, instructions
from script2rp.tasks.shapes import COMPACT, Shape, ends_sentence
from script2rp.tasks import structured
from script2rp.tasks.stage import CHARACTER_COLUMNS, PAIR_COLUMNS, Config, Context, Failure, Invalid, Job, Results, Stage


def request_schema(name: str, shape: Shape = COMPACT) -> dict:
    """One paragraph that names the character (its first name, as `check` wants) and ends on a
    sentence end; bounded only for the compact shape (see `structured`)."""
    first = re.escape(name.split()[0])
    text = r'[^"\\\n\r\t]'
    before, after = ("{10,100}", "{0,100}") if shape.bounded else ("+", "*")
    return {
        "type": "object",
        "properties": {"request": {"type": "string", "pattern": f"^{text}{before}{first}{text}{after}[.!?]$"}},
        "required": ["request"],
        "additionalProperties": False,
    }


class CharacterCardReversePrompt(Stage):
    name = "character_card_reverse_prompt"
    prompt = "character_card_reverse_prompt"
    needs = ("character_card",)
    item_wise = True
    row_prompts = ("instructions",)
    config = Config(name, CHARACTER_COLUMNS + PAIR_COLUMNS,
                    "card with an instruction (input) -> the request that would produce it (output)")

    def jobs(self, movie: Movie, results: Results, ctx: Context) -> Iterator[Job]:
        prompt = ctx.prompt(self.name)
        cards = results["character_card"]
        for character in movie.screenplay.main_characters:
            cid = movie.character_id(character)
            if cid not in cards:
                continue
            name = movie.name(character.name)
            yield Job(
                id=cid, key=cid, stage=self.name, movie=movie.id, item=name, prompt=prompt,
                text=prompt.fill(card=cards[cid]),
                check=lambda answer, name=name: check(
                    structured.load(answer).get("request", "") if ctx.structured else answer, name),
                json_schema=request_schema(name, ctx.shape) if ctx.structured else None,
            )

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        cards, requests = results["character_card"], results[self.name]
        phrasings = instructions(ctx, self.name)
        for character in movie.screenplay.main_characters:
            cid = movie.character_id(character)
            if cid in requests:
                name = movie.name(character.name)
                yield {"id": cid, "movie": movie.title, "character": name,
                       "input": instructed(phrasings, cid, cards[cid], name=name), "output": requests[cid]}


def check(answer: str, name: str) -> str:
    request = " ".join(answer.strip().removeprefix("Request:").split())
    if len(request.split()) < 8:
        raise Invalid("request too short")
    if "name:" in request and "characteristics:" in request:
        raise Invalid("answer repeats the card")
    first = name.split()[0].lower()
    if first not in request.lower():
        raise Invalid(f"request does not name {name}")
    if not ends_sentence(request):
        raise Invalid(f"stops mid-sentence: {request[-60:]!r}")
    return request

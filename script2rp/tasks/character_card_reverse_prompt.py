"""`character_card_reverse_prompt`: a validated card -> the request that would produce it."""

from __future__ import annotations

from collections.abc import Iterator

from script2rp.model import Movie
from script2rp.tasks import structured as shapes
from script2rp.tasks.stage import CHARACTER_COLUMNS, PAIR_COLUMNS, Config, Context, Failure, Invalid, Job, Results, Stage


def request_schema(name: str) -> dict:
    """One paragraph that names the character (its first name, as `check` wants)."""
    first = name.split()[0]
    text = r'[^"\\\n\r\t]'
    return {
        "type": "object",
        "properties": {"request": {"type": "string", "pattern": f"^{text}{{10,100}}{first}{text}{{10,100}}$"}},
        "required": ["request"],
        "additionalProperties": False,
    }


class CharacterCardReversePrompt(Stage):
    name = "character_card_reverse_prompt"
    prompt = "character_card_reverse_prompt"
    needs = ("character_card",)
    item_wise = True
    config = Config(name, CHARACTER_COLUMNS + PAIR_COLUMNS, "card (input) -> the request that would produce it (output)")

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
                    shapes.load(answer).get("request", "") if ctx.structured else answer, name),
                json_schema=request_schema(name) if ctx.structured else None,
            )

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        cards, requests = results["character_card"], results[self.name]
        for character in movie.screenplay.main_characters:
            cid = movie.character_id(character)
            if cid in requests:
                yield {"id": cid, "movie": movie.title, "character": movie.name(character.name),
                       "input": cards[cid], "output": requests[cid]}


def check(answer: str, name: str) -> str:
    request = answer.strip().removeprefix("Request:").strip()
    if len(request.split()) < 8:
        raise Invalid("request too short")
    if "name:" in request and "characteristics:" in request:
        raise Invalid("answer repeats the card")
    first = name.split()[0].lower()
    if first not in request.lower():
        raise Invalid(f"request does not name {name}")
    return request

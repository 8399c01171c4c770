"""`prompt_to_character_card`: the requests of `character_card_reverse_prompt` -> their cards,
the same pairs the other way round."""

from __future__ import annotations

from collections.abc import Iterator

from script2rp.model import Movie
from script2rp.tasks.stage import CHARACTER_COLUMNS, PAIR_COLUMNS, Config, Context, Failure, Results, Stage


class PromptToCharacterCard(Stage):
    name = "prompt_to_character_card"
    needs = ("character_card_reverse_prompt", "character_card")
    config = Config(name, CHARACTER_COLUMNS + PAIR_COLUMNS, "request (input) -> card (output)")

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        cards, requests = results["character_card"], results["character_card_reverse_prompt"]
        for character in movie.screenplay.main_characters:
            cid = movie.character_id(character)
            if cid in requests:
                yield {"id": cid, "movie": movie.title, "character": movie.name(character.name),
                       "input": requests[cid], "output": cards[cid]}

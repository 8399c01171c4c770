"""`rp_to_character_card`: a character's roleplay turns with an instruction -> their card. No model
call of its own: the answer is the character's validated card, the turns come from the build's
transcripts (or the screenplay's lines where a scene has none)."""

from __future__ import annotations

from collections.abc import Iterator

from script2rp.cinematika import name_key, turns
from script2rp.model import Dialogue, Movie
from script2rp.tasks.instructions import instructed, instructions
from script2rp.tasks.stage import CHARACTER_COLUMNS, PAIR_COLUMNS, Config, Context, Failure, Results, Stage

MAX_TURNS = 40


class RPToCharacterCard(Stage):
    name = "rp_to_character_card"
    needs = ("character_card",)
    uses = ("scene_enhancement",)
    row_prompts = ("instructions",)
    config = Config(name, CHARACTER_COLUMNS + PAIR_COLUMNS,
                    "a character's RP turns with an instruction (input) -> their card (output)")

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        phrasings = instructions(ctx, self.name)
        cards, transcripts = results["character_card"], results.get("scene_enhancement", {})
        for character in movie.screenplay.main_characters:
            cid = movie.character_id(character)
            if cid in cards:
                name = movie.name(character.name)
                lines = turns_of(movie, character.name, transcripts)
                yield {"id": cid, "movie": movie.title, "character": name,
                       "input": instructed(phrasings, cid, "\n".join(lines), name=name), "output": cards[cid]}


def turns_of(movie: Movie, speaker: str, transcripts: dict[str, str], limit: int = MAX_TURNS) -> list[str]:
    """A character's RP turns from the transcripts, or their screenplay lines where there are none."""
    name = movie.name(speaker)
    lines = []
    for scene in movie.screenplay.scenes:
        text = transcripts.get(movie.scene_id(scene))
        if text:
            lines += [f"{name}: {t}" for who, t in turns(text) if who and name_key(who) == name_key(name)]
        else:
            lines += [f'{name}: "{d.text}"' for d in scene.elements if isinstance(d, Dialogue) and d.speaker == speaker]
    return lines[:limit]

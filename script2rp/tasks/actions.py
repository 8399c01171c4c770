"""`actions`: inline actions, as ShareGPT: a main character's turn that carries what they do as
well as what they say (`Mara: She looks up. "You'll be the Board." She goes back to the rope.`).

Made from the model's transcripts, no model call of its own: each such turn of a main character
becomes one conversation: system, the instruction to play the character with their card; human,
what came just before in the scene (up to three paragraphs); gpt, the turn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from script2rp.cinematika import name_key, paragraphs
from script2rp.model import Movie
from script2rp.tasks.instructions import instructed, instructions
from script2rp.tasks.stage import CONVERSATION, SCENE_COLUMNS, Config, Context, Failure, Results, Stage

CONTEXT_PARAGRAPHS = 3
_SPEECH = re.compile(r'"[^"]*"|“[^”]*”')
_WORDS = re.compile(r"[A-Za-z]{2,}")


def has_action(turn_text: str) -> bool:
    """The turn tells what the speaker does, not only what they say: three words or more of prose
    outside the quotes (the speaker's name aside)."""
    rest = turn_text.split(":", 1)[1] if ":" in turn_text else turn_text
    return len(_WORDS.findall(_SPEECH.sub(" ", rest))) >= 3 and bool(_SPEECH.search(rest))


class Actions(Stage):
    name = "actions"
    needs = ("scene_enhancement", "character_card")
    row_prompts = ("instructions",)
    config = Config(name, SCENE_COLUMNS + [("conversations", CONVERSATION)],
                    "ShareGPT: the scene just before (human) -> a main character's turn with inline actions "
                    "(gpt), with the character's card as system")

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        phrasings = instructions(ctx, self.name)
        cards = results["character_card"]
        main = {name_key(movie.name(c.name)): c for c in movie.screenplay.main_characters}
        for scene in movie.screenplay.scenes:
            transcript = results["scene_enhancement"].get(movie.scene_id(scene))
            if not transcript:
                continue
            paras = paragraphs(transcript)
            for n, (who, text) in enumerate(paras):
                character = main.get(name_key(who)) if who else None
                card = cards.get(movie.character_id(character)) if character else None
                if card is None or n == 0 or not has_action(text):
                    continue
                row_id = f"{movie.scene_id(scene)}/actions-{n}"
                before = "\n\n".join(t for _, t in paras[max(0, n - CONTEXT_PARAGRAPHS):n])
                yield {"id": row_id, "movie": movie.title, "scene_index": scene.index, "conversations": [
                    {"from": "system", "value": instructed(phrasings, row_id, card, name=movie.name(character.name))},
                    {"from": "human", "value": before},
                    {"from": "gpt", "value": text}]}

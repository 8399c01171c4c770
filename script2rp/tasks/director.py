"""`director`: NPC <-> NPC conversations, as ShareGPT: a model that runs a roleplay must voice the
minor characters among themselves, not only answer the player.

Made from the model's transcripts, no model call of its own: each stretch of a scene in which only
NPCs speak (two of them at least, with the narration between their turns) becomes one conversation:
system, the director instruction with the scene's `[characters]` and `[scenario]` blocks; human, the
scene up to the stretch; gpt, the stretch.
"""

from __future__ import annotations

from collections.abc import Iterator

from script2rp.cinematika import characters_block, name_key, paragraphs, scenario_block
from script2rp.model import Movie
from script2rp.tasks.instructions import instructed, instructions
from script2rp.tasks.scene_by_scene import NEEDS, scene_inputs
from script2rp.tasks.stage import CONVERSATION, SCENE_COLUMNS, Config, Context, Failure, Results, Stage

OPENING = "(The scene opens.)"


def npc_stretches(transcript: str, npcs: set[str]) -> list[tuple[int, int]]:
    """(start, end) paragraph spans where only NPCs speak, two of them at least; narration inside a
    stretch belongs to it, narration at its edges does not."""
    paras = paragraphs(transcript)
    spans, start, speakers = [], None, set()
    for n, (who, _) in enumerate(paras + [("\0end", "")]):
        if who and name_key(who) in npcs:
            start = n if start is None else start
            speakers.add(name_key(who))
            end = n + 1
            continue
        if who or n == len(paras):  # a main character's turn (or the end) closes the stretch
            if start is not None and len(speakers) >= 2:
                spans.append((start, end))
            start, speakers = None, set()
    return spans


class Director(Stage):
    name = "director"
    needs = NEEDS
    row_prompts = ("instructions",)
    config = Config(name, SCENE_COLUMNS + [("conversations", CONVERSATION)],
                    "ShareGPT: the scene so far (human) -> the NPCs' exchange among themselves (gpt), "
                    "with the director's instruction, cards and scenario as system")

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        phrasings = instructions(ctx, self.name)
        for scene in movie.screenplay.scenes:
            inputs = scene_inputs(movie, scene, results)
            if inputs.missing:
                continue  # scene_by_scene records why
            npcs = {name_key(n) for n in inputs.npcs}
            paras = [text for _, text in paragraphs(inputs.transcript)]
            block = characters_block(list(inputs.cards.values()), inputs.npcs) + scenario_block(inputs.scenario)
            for k, (start, end) in enumerate(npc_stretches(inputs.transcript, npcs)):
                row_id = f"{movie.scene_id(scene)}/director-{k}"
                yield {"id": row_id, "movie": movie.title, "scene_index": scene.index, "conversations": [
                    {"from": "system", "value": instructed(phrasings, row_id, block)},
                    {"from": "human", "value": "\n\n".join(paras[:start]) or OPENING},
                    {"from": "gpt", "value": "\n\n".join(paras[start:end])}]}

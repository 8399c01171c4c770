"""`full_script`: the training text of a whole movie: its scenes in order, each character's card
(or NPC line) given where they first speak; scenes that lack an input are listed, not hidden."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from script2rp.cinematika import scene_text
from script2rp.model import Movie
from script2rp.tasks.scene_by_scene import NEEDS, scene_inputs
from script2rp.tasks.stage import TEXT, Config, Context, Failure, Results, Stage


class FullScript(Stage):
    name = "full_script"
    needs = NEEDS
    config = Config(name, [("id", TEXT), ("movie", TEXT), (name, TEXT), ("missing_scenes", pa.list_(pa.int32()))],
                    "training text per movie: scenes in order, characters introduced as they first appear")

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        introduced: set[str] = set()
        story, missing = [], []
        for scene in movie.screenplay.scenes:
            inputs = scene_inputs(movie, scene, results)
            if inputs.missing:
                missing.append(scene.index)
                continue
            new = [n for n in inputs.speakers if n not in introduced]
            introduced.update(new)
            cards = [inputs.cards[n] for n in new if n in inputs.cards]
            npcs = [movie.name(n) for n in new if n not in inputs.cards]
            story.append(scene_text(cards, npcs, inputs.scenario, inputs.transcript))
        if story:
            yield {"id": movie.id, "movie": movie.title, self.name: "\n\n".join(story), "missing_scenes": missing}
        else:
            yield Failure(movie.title, "no scene has a transcript, a summary and its cards", movie.id)

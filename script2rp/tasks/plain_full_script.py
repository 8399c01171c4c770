"""`plain_full_script`: the whole script as roleplay prose, one row per movie: `plain_scenes` in
order (the model's transcripts, or the rule's rendering in a build without a model)."""

from __future__ import annotations

from collections.abc import Iterator

from script2rp.model import Movie
from script2rp.tasks.plain_scenes import plain_scenes
from script2rp.tasks.stage import Config, Context, Failure, Results, Stage, TEXT


class PlainFullScript(Stage):
    name = "plain_full_script"
    uses = ("scene_enhancement",)
    config = Config(name, [("id", TEXT), ("movie", TEXT), (name, TEXT)],
                    "the whole script as roleplay prose, one row per movie (`plain_scenes` in order)")

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        texts = [text for _, text in plain_scenes(movie, results)]
        if texts:
            yield {"id": movie.id, "movie": movie.title, self.name: "\n\n".join(texts)}

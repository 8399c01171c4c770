"""`plain_full_script`: the whole script rendered as roleplay by rule, one row per movie."""

from __future__ import annotations

from collections.abc import Iterator

from script2rp.model import Movie
from script2rp.tasks.plain_scenes import plain_rp
from script2rp.tasks.stage import Config, Context, Failure, Results, Stage, TEXT


class PlainFullScript(Stage):
    name = "plain_full_script"
    config = Config(name, [("id", TEXT), ("movie", TEXT), (name, TEXT)],
                    "the whole script rendered as roleplay by rule, one row per movie")

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        scenes = (plain_rp(scene, movie.names) for scene in movie.screenplay.scenes)
        yield {"id": movie.id, "movie": movie.title, self.name: "\n\n".join(t for t in scenes if t)}

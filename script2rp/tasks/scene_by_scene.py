"""`scene_by_scene`: the training text of each scene: the `[characters]` block with the cards of
the main characters who speak in it and the `NPCS:` list, the `[scenario]` and the transcript."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from script2rp.cinematika import scene_text
from script2rp.model import Movie, Scene
from script2rp.tasks.stage import SCENE_COLUMNS, TEXT, Config, Context, Failure, Results, Stage

NEEDS = ("scene_enhancement", "scene_summary", "character_card")


@dataclass
class SceneInputs:
    """What a scene's training text is made of, in speaking order; `missing` says what is not there."""

    speakers: list[str]  # screenplay names
    cards: dict[str, str]  # main speaker -> card YAML
    npcs: list[str]  # display names of the speakers who are not main characters
    scenario: str | None
    transcript: str | None
    missing: list[str]


def scene_inputs(movie: Movie, scene: Scene, results: Results) -> SceneInputs:
    sid = movie.scene_id(scene)
    main = {c.name: movie.character_id(c) for c in movie.screenplay.main_characters}
    cards = results["character_card"]
    speakers = scene.speakers
    transcript, scenario = results["scene_enhancement"].get(sid), results["scene_summary"].get(sid)
    missing = [] if transcript is not None else ["no transcript"]
    missing += [] if scenario is not None else ["no summary"]
    lacking = [movie.name(n) for n in speakers if n in main and main[n] not in cards]
    if lacking:
        missing.append(f"no card for {', '.join(lacking)}")
    return SceneInputs(
        speakers=speakers, cards={n: cards[main[n]] for n in speakers if n in main and main[n] in cards},
        npcs=[movie.name(n) for n in speakers if n not in main], scenario=scenario, transcript=transcript,
        missing=missing,
    )


class SceneByScene(Stage):
    name = "scene_by_scene"
    needs = NEEDS
    config = Config(name, SCENE_COLUMNS + [(name, TEXT)],
                    "training text per scene: `[characters]` cards + `NPCS:`, `[scenario]`, the RP transcript")

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        for scene in movie.screenplay.scenes:
            sid = movie.scene_id(scene)
            inputs = scene_inputs(movie, scene, results)
            if inputs.missing:
                yield Failure(f"scene {scene.index}", "missing input: " + "; ".join(inputs.missing), sid)
                continue
            text = scene_text(list(inputs.cards.values()), inputs.npcs, inputs.scenario, inputs.transcript)
            yield {"id": sid, "movie": movie.title, "scene_index": scene.index, self.name: text}

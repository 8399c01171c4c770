"""The stages of a build, one module each (see `stage.py` for what a stage is).

The registry below is the whole list: the pipeline walks it in dependency order, the dataset
card and `--configs` list its configs in this order. Adding a config is one module (with its
prompt files in `prompts/`) and one line here; docs/architecture.md shows how.
"""

from __future__ import annotations

from script2rp.tasks.actions import Actions
from script2rp.tasks.character_card import CharacterCard
from script2rp.tasks.character_card_reverse_prompt import CharacterCardReversePrompt
from script2rp.tasks.director import Director
from script2rp.tasks.full_script import FullScript
from script2rp.tasks.memories import Memories
from script2rp.tasks.plain_full_script import PlainFullScript
from script2rp.tasks.plain_scenes import PlainScenes
from script2rp.tasks.prompt_to_character_card import PromptToCharacterCard
from script2rp.tasks.rp_to_character_card import RPToCharacterCard
from script2rp.tasks.scene_by_scene import SceneByScene
from script2rp.tasks.scene_enhancement import SceneEnhancement
from script2rp.tasks.scene_summary import SceneSummary
from script2rp.tasks.stage import Config, Context, Failure, Invalid, Job, Results, Stage

STAGES: tuple[Stage, ...] = (
    PlainScenes(),
    PlainFullScript(),
    SceneByScene(),
    FullScript(),
    CharacterCard(),
    SceneEnhancement(),
    SceneSummary(),
    RPToCharacterCard(),
    CharacterCardReversePrompt(),
    PromptToCharacterCard(),
    Memories(),
    Director(),
    Actions(),
)
BY_NAME: dict[str, Stage] = {stage.name: stage for stage in STAGES}
CONFIGS: dict[str, Config] = {stage.config.name: stage.config for stage in STAGES if stage.config}
STAGE_OF_CONFIG: dict[str, Stage] = {stage.config.name: stage for stage in STAGES if stage.config}


def closure(names: list[str], with_uses: bool = False) -> list[Stage]:
    """The stages that build `names` (stage names), with everything they need, in dependency order
    (registry order among independent ones). With `with_uses` (a build with a model), the stages
    they `use` come too."""
    wanted: set[str] = set()

    def add(name: str) -> None:
        if name not in wanted:
            wanted.add(name)
            stage = BY_NAME[name]
            for need in stage.needs + (stage.uses if with_uses else ()):
                add(need)

    for name in names:
        add(name)
    order: list[Stage] = []
    placed: set[str] = set()

    def place(stage: Stage) -> None:
        if stage.name in placed:
            return
        for before in stage.needs + tuple(u for u in stage.uses if u in wanted):
            place(BY_NAME[before])
        placed.add(stage.name)
        order.append(stage)

    for stage in STAGES:
        if stage.name in wanted:
            place(stage)
    return order


def asks_model(stage: Stage) -> bool:
    """The stage, or anything it needs, asks a model."""
    return stage.asks_model or any(asks_model(BY_NAME[n]) for n in stage.needs)


__all__ = ["STAGES", "BY_NAME", "CONFIGS", "STAGE_OF_CONFIG", "Config", "Context", "Failure", "Invalid", "Job",
           "Results", "Stage", "asks_model", "closure"]

"""What a stage is: one dataset config, the model work it needs, and how its rows are made.

Modelled on distilabel's Task (inputs, outputs, `format_input`, `format_output` in one class) and
datatrove's pipeline steps (one job each, composed by a runner that knows nothing of their
insides). A `Stage` declares

- `name`: the stage's name; model stages tag their requests `<name>:<job id>`, which seeds the
  sampling and keys recorded answers;
- `needs`: stages whose results it requires, and `uses`: stages whose results it takes when the
  build has them;
- `config`: the dataset config it writes (name, columns, one-line description), if any;
- `prompt`: the prompt file it asks the model with (`prompts/<prompt>.yaml`, and
  `<prompt>_json.yaml` for constrained decoding), for model stages;
- `jobs(movie, results, ctx)`: the model answers it needs, as `Job`s, each with its validator;
- `collect(movie, key, values)`: one result from the validated answers of a key's jobs (the parts
  of a long scene);
- `rows(movie, results, ctx)`: its config's rows, and a `Failure` for each item it cannot make.

The pipeline (`script2rp.pipeline`) walks the registry (`script2rp.tasks.STAGES`) in dependency
order; stages never see the engine, the cache or each other's code, only each other's results,
keyed by the ids `Movie` makes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa

from script2rp.model import Movie
from script2rp.tasks.prompt import Prompt, Prompts
from script2rp.tasks.shapes import CINEMATIKA, Shape


class Invalid(ValueError):
    """An answer that fails a stage's validator; the message is the reason recorded."""


@dataclass
class Job:
    """One model answer a stage needs. `check` turns the answer into the stage's value or raises
    `Invalid` with a one-line reason."""

    id: str  # stable across runs: the key it feeds, plus a part number where a scene is split
    key: str  # the result it contributes to (a row id made by `Movie`)
    stage: str
    movie: str
    item: str  # what its key is about: "scene 3", "Mara"
    prompt: Prompt
    text: str
    check: Callable[[str], Any]
    json_schema: dict | None = None
    distinct: tuple[str, ...] = ()  # JSON keys whose values may not repeat (SamplingParams.distinct)
    part: str = ""  # which part of the key's item: " part 2/3"
    max_tokens: int | None = None  # the answer's token budget, sized to the item; None: the prompt's


@dataclass
class Failure:
    """An item a stage could not make: recorded in the report, never dropped silently."""

    item: str
    reason: str
    id: str = ""
    raw: str | None = None


TEXT = pa.string()
PROVENANCE = [("model", TEXT), ("prompt_version", TEXT), ("script2rp_version", TEXT)]
SCENE_COLUMNS = [("id", TEXT), ("movie", TEXT), ("scene_index", pa.int32())]
CHARACTER_COLUMNS = [("id", TEXT), ("movie", TEXT), ("character", TEXT)]
PAIR_COLUMNS = [("input", TEXT), ("output", TEXT)]
CONVERSATION = pa.list_(pa.struct([("from", TEXT), ("value", TEXT)]))


@dataclass(frozen=True)
class Config:
    """A dataset config: its parquet schema (provenance columns added) and its card line."""

    name: str
    columns: list[tuple[str, pa.DataType]]
    description: str

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(self.columns + PROVENANCE)


@dataclass
class Context:
    """What stages may read of the build's options."""

    prompts: Prompts = field(default_factory=Prompts)
    structured: bool = False  # ask for JSON under a schema (constrained decoding)
    max_scene_chars: int = 6000  # a longer scene is sent in parts
    max_prompt_chars: int = 8000  # budget for a character's lines in a card prompt
    min_coverage: float = 0.9  # share of dialogue blocks a transcript must keep
    shape: Shape = CINEMATIKA  # how large the model's text should be

    def prompt(self, name: str) -> Prompt:
        """A model stage's prompt as this build asks it: `<name>_json` when structured."""
        return self.prompts.load(f"{name}_json" if self.structured else name)


# Results of the stages that ran: stage name -> key (a row id made by Movie) -> value.
Results = dict[str, dict[str, Any]]


class Stage:
    name: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()
    uses: ClassVar[tuple[str, ...]] = ()
    config: ClassVar[Config | None] = None
    prompt: ClassVar[str | None] = None  # model stages: the prompt file they ask with
    # Prompt files the rows are made with besides the model stages' (an instruction of our own).
    row_prompts: ClassVar[tuple[str, ...]] = ()
    # Whose prompt versions the rows carry; None: this stage's and those of everything it needs.
    versions_from: ClassVar[tuple[str, ...] | None] = None
    # Each job needs only its own key's results from the stages it needs (a scene's memory, that
    # scene's transcript), so jobs may go out as those results arrive, not when all of them are in.
    item_wise: ClassVar[bool] = False

    @property
    def asks_model(self) -> bool:
        return self.prompt is not None

    def jobs(self, movie: Movie, results: Results, ctx: Context) -> Iterable[Job]:
        return ()

    def collect(self, movie: Movie, key: str, values: list[Any]) -> Any:
        """The result of `key` from its jobs' validated values, in job order."""
        [value] = values
        return value

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        return iter(())

    def __repr__(self) -> str:
        return f"<stage {self.name}>"

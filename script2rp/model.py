"""The domain model every stage shares: files -> TextForm -> tagged lines -> Screenplay.

Plain dataclasses, no behaviour beyond small derived views, so they pickle across
processes and serialise to JSON with `dataclasses.asdict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

# Every physical line of a text form gets exactly one of these.
LINE_TYPES = (
    "scene_heading",
    "action",
    "shot",
    "character",
    "dialogue",
    "parenthetical",
    "transition",
    "lyrics",
    "centered",
    "page_marker",
    "title_page",
    "note",
    "blank",
)
LineType = Literal[
    "scene_heading",
    "action",
    "shot",
    "character",
    "dialogue",
    "parenthetical",
    "transition",
    "lyrics",
    "centered",
    "page_marker",
    "title_page",
    "note",
    "blank",
]


@dataclass
class TextForm:
    """One screenplay as physical lines with layout kept, whatever file it came from.

    `tags` is set when the source format carries element types (Fountain, FDX): the
    tagger then uses them instead of guessing. `dual` holds the indices of cue lines
    that open the second half of a dual-dialogue pair.

    `hints` holds the lines whose type a reader knows from the file itself when it cannot type
    them all (a PDF's page geometry proves running headers, title pages, centred text and
    side-by-side dual dialogue): the tagger keeps those and tags the rest.
    """

    lines: list[str]
    source: str
    format: str  # text | html | pdf | fountain | fdx
    tags: list[LineType] | None = None
    dual: set[int] = field(default_factory=set)
    hints: dict[int, LineType] = field(default_factory=dict)
    title: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class TaggedLine:
    index: int
    type: LineType
    text: str


@dataclass
class Action:
    text: str
    line_span: tuple[int, int]
    kind: Literal["action", "shot", "centered", "note"] = "action"


@dataclass
class Dialogue:
    speaker: str  # normalised: extensions and CONT'D removed, case folded to upper
    text: str
    line_span: tuple[int, int]
    extension: str | None = None  # V.O., O.S., PRE-LAP, ... (CONT'D is dropped)
    parentheticals: list[str] = field(default_factory=list)
    # (position in words of `text` where the parenthetical sits, parenthetical text)
    parenthetical_positions: list[int] = field(default_factory=list)
    raw_cue: str = ""
    dual: bool = False
    lyrics: bool = False


@dataclass
class Transition:
    text: str
    line_span: tuple[int, int]


Element = Union[Action, Dialogue, Transition]


@dataclass
class Scene:
    index: int
    heading: str | None  # None for the untitled opening before any heading
    elements: list[Element]
    line_span: tuple[int, int]
    merged_from: list[int] = field(default_factory=list)  # original scene numbers merged in

    @property
    def dialogues(self) -> list[Dialogue]:
        return [e for e in self.elements if isinstance(e, Dialogue)]

    @property
    def speakers(self) -> list[str]:
        seen: dict[str, None] = {}
        for d in self.dialogues:
            seen.setdefault(d.speaker, None)
        return list(seen)


@dataclass
class Character:
    name: str
    dialogue_blocks: int
    dialogue_lines: int
    words: int
    scenes: list[int]
    first_scene: int
    is_main: bool
    aliases: list[str] = field(default_factory=list)  # raw cue spellings merged into `name`


@dataclass
class Screenplay:
    title: str
    scenes: list[Scene]
    characters: list[Character]
    source: str
    format: str = "text"
    front_matter: list[str] = field(default_factory=list)
    alias_merges: dict[str, list[str]] = field(default_factory=dict)

    @property
    def main_characters(self) -> list[Character]:
        return [c for c in self.characters if c.is_main]

    @property
    def npcs(self) -> list[Character]:
        return [c for c in self.characters if not c.is_main]

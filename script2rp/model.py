"""The domain model every stage shares: files -> TextForm -> tagged lines -> Screenplay -> Movie.

Plain dataclasses, no behaviour beyond small derived views, so they pickle across
processes and serialise to JSON with `dataclasses.asdict`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal, Union, get_args

from script2rp.cinematika import display_name

# Every physical line of a text form gets exactly one of these.
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
LINE_TYPES: tuple[str, ...] = get_args(LineType)


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


@dataclass
class Movie:
    """A parsed screenplay as the build knows it: a stable id, and the names and row ids every
    stage shares. Row ids are made here and only here, so no code ever parses one back."""

    id: str
    screenplay: Screenplay
    path: str
    names: dict[str, str] = field(default_factory=dict)  # speaker -> display name

    @classmethod
    def of(cls, screenplay: Screenplay, path: str, taken: set[str]) -> Movie:
        """`taken`: ids already given in this build; a second movie of the same title gets `-2`."""
        base = slug(screenplay.title) or "untitled"
        movie_id, n = base, 1
        while movie_id in taken:
            n += 1
            movie_id = f"{base}-{n}"
        taken.add(movie_id)
        names = {c.name: display_name(c.name, next(iter(c.aliases), "")) for c in screenplay.characters}
        return cls(movie_id, screenplay, path, names)

    @property
    def title(self) -> str:
        return self.screenplay.title

    def name(self, speaker: str) -> str:
        """The display name of a speaker (`MARA` -> `Mara`)."""
        return self.names.get(speaker, display_name(speaker))

    def scene_id(self, scene: Scene) -> str:
        return f"{self.id}/scene-{scene.index:04d}"

    def character_id(self, character: Character) -> str:
        return f"{self.id}/character-{re.sub(r'[^a-z0-9]+', '-', character.name.lower()).strip('-')}"


def slug(text: str) -> str:
    """`The Lighthouse Keeper's Ledger` -> `the-lighthouse-keeper-s-ledger` (ASCII, at most 60)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60]

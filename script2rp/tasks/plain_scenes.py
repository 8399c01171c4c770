"""`plain_scenes`: each scene rendered as roleplay by rule, with no model: the setting and the
action as narration, dialogue as `Name: "..."` turns, parentheticals and extensions as italic
stage notes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from script2rp.cinematika import display_name
from script2rp.model import Action, Dialogue, Movie, Scene
from script2rp.tasks.screenplay import speech_pieces
from script2rp.tasks.stage import SCENE_COLUMNS, Config, Context, Failure, Results, Stage, TEXT

_HEADING = re.compile(
    r"^\s*(?:\d+[A-Z]?\s*[.)]?\s+)?(?P<prefix>INT\.?\s*/\s*EXT\.?|EXT\.?\s*/\s*INT\.?|I\s*/\s*E\.?|"
    r"INT\.?|EXT\.?|EST\.?)\s+(?P<rest>.*)$",
    re.IGNORECASE,
)
_PLACES = {"INT": "Inside", "EXT": "Outside", "EST": "Outside"}
_EXTENSIONS = {"V.O.": "voice-over", "O.S.": "off-screen", "O.C.": "off-screen"}


def setting_line(heading: str | None) -> str:
    """`INT. LIGHTHOUSE - KITCHEN - NIGHT #3#` -> `Inside. Lighthouse, kitchen. Night.`"""
    if not heading:
        return ""
    text = re.sub(r"\s*#[^#]*#\s*$|\s+\d+[A-Z]?\s*$|\s*\*+\s*$", "", heading.strip())
    m = _HEADING.match(text)
    where = ""
    if m:
        prefix = re.sub(r"[^A-Z]", "", m["prefix"].upper())
        where = _PLACES.get(prefix, "Inside and outside")  # INT/EXT, I/E
        text = m["rest"]
    parts = [p.strip(" .") for p in re.split(r"\s+(?:-+|–|—)\s+|\s*--\s*", text) if p.strip(" .")]
    if not parts:
        return f"{where}." if where else ""
    place = ", ".join(_sentence_case(p) for p in parts[:-1]) if len(parts) > 1 else _sentence_case(parts[0])
    when = _sentence_case(parts[-1]) if len(parts) > 1 else ""
    return " ".join(s for s in (f"{where}." if where else "", f"{place}.", f"{when}." if when else "") if s)


def _sentence_case(text: str) -> str:
    if not text.isupper():
        return text
    words = text.lower().split()
    return " ".join(w.capitalize() if i == 0 else w for i, w in enumerate(words))


def plain_rp(scene: Scene, names: dict[str, str]) -> str:
    """A scene as roleplay text by rule."""
    out = []
    setting = setting_line(scene.heading)
    if setting:
        out.append(f"*{setting}*")
    for el in scene.elements:
        if isinstance(el, Dialogue):
            out.append(_plain_turn(el, names.get(el.speaker, display_name(el.speaker))))
        elif isinstance(el, Action) and el.kind != "note":
            out.append(" ".join(el.text.split()))
        # Transitions are editing notation, not story: left out.
    return "\n\n".join(out)


def _plain_turn(d: Dialogue, name: str) -> str:
    bits = []
    if d.extension:
        bits.append(f"*({_EXTENSIONS.get(d.extension.upper(), d.extension.lower())})*")
    for kind, text in speech_pieces(d):
        if kind == "speech":  # quotes inside the speech become single ones, so turns stay parseable
            bits.append('"' + re.sub(r'["“”]', "'", text) + '"')
        else:
            bits.append(f"*{text.strip('()').strip()}*")
    return f"{name}: " + " ".join(bits)


class PlainScenes(Stage):
    name = "plain_scenes"
    config = Config(name, SCENE_COLUMNS + [(name, TEXT)],
                    "each scene rendered as roleplay by rule (no model): narration and `Name: \"...\"` turns")

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        for scene in movie.screenplay.scenes:
            text = plain_rp(scene, movie.names)
            if text:
                yield {"id": movie.scene_id(scene), "movie": movie.title, "scene_index": scene.index, self.name: text}

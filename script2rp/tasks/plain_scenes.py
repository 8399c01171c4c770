"""`plain_scenes`: each scene as roleplay prose, without cards or scenario.

As cinematika has it, these are the model's transcripts (`scene_enhancement`) when the build has a
model. Without one, a rule renders the scene: the setting and the action as narration, dialogue as
`Name: "..."` turns, parentheticals as italic stage notes, a voice-over or an off-screen line as a
sentence of narration; transitions, camera directions and `THE END` are left out, and names are
written as the cast's display names, not in the screenplay's capitals."""

from __future__ import annotations

import re
from collections.abc import Iterator

from script2rp.cinematika import display_name
from script2rp.model import Action, Dialogue, Movie, Scene
from script2rp.tasks.screenplay import speech_pieces
from script2rp.tasks.shapes import ends_sentence, is_fragment
from script2rp.tasks.stage import SCENE_COLUMNS, Config, Context, Failure, Results, Stage, TEXT

_HEADING = re.compile(
    r"^\s*(?:\d+[A-Z]?\s*[.)]?\s+)?(?P<prefix>INT\.?\s*/\s*EXT\.?|EXT\.?\s*/\s*INT\.?|I\s*/\s*E\.?|"
    r"INT\.?|EXT\.?|EST\.?)\s+(?P<rest>.*)$",
    re.IGNORECASE,
)
_PLACES = {"INT": "Inside", "EXT": "Outside", "EST": "Outside"}
# An extension as a sentence of narration; other extensions (PRE-LAP, CONT'D, ...) are editing notation.
_EXTENSIONS = {"V.O.": "{name}'s voice carries over the scene.", "O.S.": "{name} is heard but not seen.",
               "O.C.": "{name} is heard but not seen."}


_NOTATION = re.compile(r"^[*_>\s]*(?:THE END|END CREDITS|ROLL CREDITS|FADE (?:IN|OUT|TO BLACK)|CUT TO|BLACK(?: SCREEN)?|"
                       r"CONTINUED|OMITTED)\b[.:]?", re.IGNORECASE)


def setting_line(heading: str | None, names: dict[str, str] | None = None) -> str:
    """`INT. LIGHTHOUSE - KITCHEN - NIGHT #3#` -> `Inside. Lighthouse, kitchen. Night.`; words
    that are characters' names keep their capital (`Carl and Ellie's house`)."""
    if not heading:
        return ""
    text = re.sub(r"\s*#[^#]*#\s*$|\s+\d+[A-Z]?\s*$|\s*\*+\s*$", "", heading.strip(" <>*"))
    m = _HEADING.match(text)
    where = ""
    if m:
        prefix = re.sub(r"[^A-Z]", "", m["prefix"].upper())
        where = _PLACES.get(prefix, "Inside and outside")  # INT/EXT, I/E
        text = m["rest"]
    parts = [p.strip(" .") for p in re.split(r"\s+(?:-+|–|—)\s+|\s*--\s*", text) if p.strip(" .")]
    if not parts:
        return f"{where}." if where else ""
    case = lambda part: _sentence_case(part, names or {})  # noqa: E731
    place = ", ".join(case(p) for p in parts[:-1]) if len(parts) > 1 else case(parts[0])
    when = case(parts[-1]) if len(parts) > 1 else ""
    return " ".join(s for s in (f"{where}." if where else "", f"{place}.", f"{when}." if when else "") if s)


def _sentence_case(text: str, names: dict[str, str]) -> str:
    if not text.isupper():
        return text
    known = {word.upper() for name in names for word in name.split()}
    words = []
    for i, word in enumerate(text.split()):
        stem = re.split(r"['’]", word)[0]
        words.append(display_name(word) if i == 0 or stem in known else word.lower())
    return " ".join(words)


def _names_in_prose(text: str, names: dict[str, str]) -> str:
    """A screenplay's capitals for a character in action lines (`MARA mends`) as the display name."""
    for speaker, display in names.items():
        if len(speaker) > 1 and speaker in text:
            text = re.sub(rf"\b{re.escape(speaker)}\b", display, text)
    return text


def plain_rp(scene: Scene, names: dict[str, str]) -> str:
    """A scene as roleplay text by rule: consecutive action lines become one paragraph of narration
    that ends on a full sentence."""
    out: list[str] = []
    setting = setting_line(scene.heading, names)
    if setting:
        out.append(f"*{setting}*")
    action: list[str] = []
    for el in scene.elements:
        if isinstance(el, Action) and el.kind != "note":
            text = _clean(el.text)
            if el.kind == "shot":  # a merged scene's own heading becomes its setting; camera moves go
                if _HEADING.match(text):
                    out += [_narration(action, names)] if action else []
                    out.append(f"*{setting_line(text, names)}*")
                    action = []
            elif _HEADING.match(text):  # a heading read as action: still the setting, not notation
                out += [_narration(action, names)] if action else []
                out.append(f"*{setting_line(text, names)}*")
                action = []
            elif text and not _NOTATION.match(text):
                action.append(text)
            continue
        if action:
            out.append(_narration(action, names))
            action = []
        if isinstance(el, Dialogue):
            out.append(_plain_turn(el, names.get(el.speaker, display_name(el.speaker))))
        # Transitions are editing notation, not story: left out.
    if action:
        out.append(_narration(action, names))
    return "\n\n".join(out)


_CUE_NOTATION = re.compile(r"\s*\((?:V\.O\.|O\.S\.|O\.C\.|CONT['’]D)\)|\s*\bCONT['’]D\b")


def _clean(text: str) -> str:
    """A line without what the page put around it: revision marks, centring marks, emphasis, and
    cue extensions that leaked into it."""
    text = _CUE_NOTATION.sub("", re.sub(r"(?:^|\s)\*+(?=\s|$)", " ", text))
    return " ".join(text.split()).strip("*_<> ")


def _narration(lines: list[str], names: dict[str, str]) -> str:
    """Action lines as one paragraph, each a sentence."""
    text = " ".join(line if ends_sentence(line) else line.rstrip(",;:- ") + "." for line in lines)
    text = _names_in_prose(text, names)
    return f"*{text}*" if is_fragment(text) else text  # a lone beat (`Silence...`) as a stage note


def _plain_turn(d: Dialogue, name: str) -> str:
    bits = []
    for kind, text in speech_pieces(d):
        if kind == "speech":  # quotes inside the speech become single ones, so turns stay parseable
            bits.append('"' + re.sub(r'["“”]', "'", _clean(text)) + '"')
        else:
            bits.append(f"*{text.strip('()').strip()}*")
    where = _EXTENSIONS.get((d.extension or "").upper())
    if where:
        bits.append(f"*{where.format(name=name)}*")
    return f"{name}: " + " ".join(bits)


def plain_scenes(movie: Movie, results: Results) -> Iterator[tuple[Scene, str]]:
    """(scene, its roleplay text): the model's transcript when the build made them, else the rule's."""
    transcripts = results.get("scene_enhancement")
    for scene in movie.screenplay.scenes:
        text = transcripts.get(movie.scene_id(scene)) if transcripts is not None else plain_rp(scene, movie.names)
        if text:
            yield scene, text


class PlainScenes(Stage):
    name = "plain_scenes"
    uses = ("scene_enhancement",)
    config = Config(name, SCENE_COLUMNS + [(name, TEXT)],
                    "each scene as roleplay prose, no cards or scenario: the model's transcripts "
                    "(rendered by rule when the build had no model)")

    def rows(self, movie: Movie, results: Results, ctx: Context) -> Iterator[dict | Failure]:
        for scene, text in plain_scenes(movie, results):
            yield {"id": movie.scene_id(scene), "movie": movie.title, "scene_index": scene.index, self.name: text}

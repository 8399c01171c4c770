"""How a movie is shown to a model: scenes in plain screenplay layout (without page furniture),
the movie's cast, and the sizes the build asks for."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from string import Template

from script2rp.model import Action, Dialogue, Element, Movie, Scene, Transition
from script2rp.tasks.instructions import instructed
from script2rp.tasks.shapes import Shape


def element_text(el: Element) -> str:
    if isinstance(el, Dialogue):
        cue = el.speaker + (f" ({el.extension})" if el.extension else "")
        parts = [cue]
        for kind, text in speech_pieces(el):
            parts.append(text if kind == "speech" else f"({text.strip('()')})")
        return "\n".join(parts)
    if isinstance(el, Transition):
        return el.text
    return el.text


def screenplay_text(heading: str | None, elements: Iterable[Element]) -> str:
    """A scene (or a piece of one) in plain screenplay layout."""
    parts = [heading] if heading else []
    parts += [element_text(el) for el in elements]
    return "\n\n".join(parts)


def speech_pieces(d: Dialogue) -> list[tuple[str, str]]:
    """The speech split at its parentheticals: [("speech", "..."), ("paren", "(beat)"), ...]."""
    words = d.text.split()
    pieces: list[tuple[str, str]] = []
    start = 0
    positions = d.parenthetical_positions or [0] * len(d.parentheticals)
    for pos, paren in sorted(zip(positions, d.parentheticals), key=lambda p: p[0]):
        pos = min(max(pos, start), len(words))
        if pos > start:
            pieces.append(("speech", " ".join(words[start:pos])))
        pieces.append(("paren", paren))
        start = pos
    if start < len(words):
        pieces.append(("speech", " ".join(words[start:])))
    return pieces


def scene_pairs(movie: Movie, outputs: dict[str, str], phrasings: list[Template]) -> Iterator[dict]:
    """Rows of an instruction config over scenes: an instruction and the scene as screenplay text
    in, `outputs` (by scene id) out; scenes without an output have no row."""
    for scene in movie.screenplay.scenes:
        sid = movie.scene_id(scene)
        if sid in outputs:
            text = screenplay_text(scene.heading, scene.elements)
            yield {"id": sid, "movie": movie.title, "scene_index": scene.index,
                   "input": instructed(phrasings, sid, text), "output": outputs[sid]}


def cast_sheet(movie: Movie, intro_chars: int = 200, npcs: int = 60) -> str:
    """Who is who in the movie, the same text in every prompt of the movie, placed right after the
    shared instructions so the backend's prefix cache serves it: each main character with the
    action line that first names them (a screenplay introduces its people there), then the others."""
    sp = movie.screenplay
    lines = [f"Cast of {movie.title}:"]
    for character in sp.main_characters:
        intro = _introduction(sp.scenes, character.name)
        lines.append(f"- {movie.name(character.name)}" + (f": {intro[:intro_chars]}" if intro else ""))
    others = [movie.name(c.name) for c in sp.npcs][:npcs]
    if others:
        lines.append("Minor characters: " + ", ".join(others) + ".")
    return "\n".join(lines)


def _introduction(scenes: list[Scene], name: str) -> str:
    mention = re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)
    for scene in scenes:
        for el in scene.elements:
            if isinstance(el, Action) and mention.search(el.text):
                return " ".join(el.text.split())
    return ""


def shape_words(shape: Shape) -> dict[str, str]:
    """The sizes a prompt asks for, as words for its `$placeholders`."""
    span = lambda pair: f"{pair[0]} to {pair[1]}"  # noqa: E731
    return {
        "traits": span(shape.traits), "trait_chars": span(shape.trait_chars),
        "paragraphs": span(shape.description_paragraphs), "description_chars": span(shape.description_chars),
        "dialogue_lines": span(shape.dialogue_lines), "sentences": span(shape.summary_sentences),
        "narration": "one short sentence" if shape.bounded else "one to three sentences",
    }

"""How a scene is shown to a model: plain screenplay layout, without page furniture."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from script2rp.model import Dialogue, Element, Movie, Transition


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


def scene_pairs(movie: Movie, outputs: dict[str, str]) -> Iterator[dict]:
    """Rows of an instruction config over scenes: the scene as screenplay text in, `outputs` (by
    scene id) out; scenes without an output have no row."""
    for scene in movie.screenplay.scenes:
        sid = movie.scene_id(scene)
        if sid in outputs:
            yield {"id": sid, "movie": movie.title, "scene_index": scene.index,
                   "input": screenplay_text(scene.heading, scene.elements), "output": outputs[sid]}

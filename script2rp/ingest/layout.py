"""Render typed screenplay elements (from Fountain or Final Draft) as a text form that
looks like a typed script, with one tag per line.

Columns are those of a Courier page measured from the left margin: action and scene
headings at 0, dialogue 10, parentheticals 16, cues 22, transitions 45; centred text
is centred in 60 columns. Lines are not wrapped. A blank line (tagged `blank`) opens
every element except those that continue a paragraph or a dialogue block.
"""

from __future__ import annotations

from dataclasses import dataclass

from script2rp.model import LineType

INDENT: dict[str, int] = {
    "character": 22,
    "parenthetical": 16,
    "dialogue": 10,
    "lyrics": 10,
    "transition": 45,
}
WIDTH = 60


@dataclass(frozen=True)
class Element:
    kind: LineType
    text: str
    joined: bool = False  # continues the previous element: no blank line before it
    dual: bool = False  # a cue that opens the second half of a dual-dialogue pair
    number: str | None = None  # a scene heading's scene number (not rendered)


def render_line(kind: str, text: str) -> str:
    if kind == "scene_heading":
        return text.upper()
    if kind in ("centered", "title_page"):
        return text.center(WIDTH).rstrip()
    return (" " * INDENT.get(kind, 0) + text).rstrip()


def render(elements: list[Element]) -> tuple[list[str], list[LineType], set[int]]:
    """(lines, tags, dual) for a list of elements."""
    lines: list[str] = []
    tags: list[LineType] = []
    dual: set[int] = set()
    after_break = True  # at the top of the document or of a page: no blank needed
    for el in elements:
        if el.kind == "page_marker":
            lines.append("")
            tags.append("page_marker")
            after_break = True
            continue
        if not el.joined and not after_break:
            lines.append("")
            tags.append("blank")
        after_break = False
        if el.dual:
            dual.add(len(lines))
        lines.append(render_line(el.kind, el.text))
        tags.append(el.kind)
    return lines, tags, dual

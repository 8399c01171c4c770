"""Final Draft XML (.fdx) -> `TextForm`, tagged from the paragraph types and rendered
with the same layout as Fountain (`layout.py`).

Parsed with defusedxml and `forbid_dtd=True`: an FDX never needs a DOCTYPE, and refusing
one shuts out entity expansion ("billion laughs") and external entities (file or
network reads) before they happen. A paragraph's text is the concatenation of its
`<Text>` runs exactly as written (runs split at style changes, and their edge spaces
are real spaces). `<DualDialogue>` holds both speeches of a pair; the second cue in it
is recorded in `TextForm.dual`.
"""

from __future__ import annotations

import os
from xml.etree.ElementTree import Element as XmlElement
from xml.etree.ElementTree import ParseError

from script2rp.errors import ScreenplayError
from script2rp.ingest.layout import Element, render
from script2rp.ingest.text import clean_line, read_bytes
from script2rp.model import LineType, TextForm

TYPES: dict[str, LineType] = {
    "Scene Heading": "scene_heading",
    "Action": "action",
    "Character": "character",
    "Dialogue": "dialogue",
    "Parenthetical": "parenthetical",
    "Transition": "transition",
    "Shot": "shot",
    "General": "action",
    "Lyrics": "lyrics",
    "Cast List": "action",
    "New Act": "centered",
    "End of Act": "centered",
}
_IN_SPEECH = {"parenthetical", "dialogue", "lyrics"}


def paragraph_text(p: XmlElement) -> str:
    """The paragraph's `<Text>` runs joined as they are (tabs and edge spaces kept)."""
    return "".join(t.text or "" for t in p.findall("Text"))


def _kind(p: XmlElement) -> LineType:
    kind = TYPES.get(p.get("Type", "Action"), "action")
    if kind == "action" and p.get("Alignment", "").lower() == "center":
        return "centered"
    return kind


def _elements(paragraphs: list[XmlElement]) -> list[Element]:
    out: list[Element] = []
    prev: LineType | None = None
    for p in paragraphs:
        pairs = p.findall("DualDialogue")
        if pairs:
            for dd in pairs:
                inner = _elements(dd.findall("Paragraph"))
                cues = [i for i, e in enumerate(inner) if e.kind == "character"]
                if len(cues) >= 2:
                    e = inner[cues[1]]
                    inner[cues[1]] = Element(e.kind, e.text, e.joined, dual=True)
                out.extend(inner)
            prev = "dialogue"
            continue
        kind = _kind(p)
        if p.get("StartsNewPage", "").lower() == "yes" and out:
            out.append(Element("page_marker", ""))
        text = clean_line(" ".join(paragraph_text(p).splitlines())).strip()
        if not text:
            continue
        joined = kind in _IN_SPEECH and prev in ("character", *_IN_SPEECH)
        out.append(Element(kind, text, joined, number=p.get("Number") if kind == "scene_heading" else None))
        prev = kind
    return out


def parse_xml(data: bytes, source: str) -> TextForm:
    """FDX bytes -> `TextForm`; a malformed or unsafe document is a `ScreenplayError`."""
    import defusedxml
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        reason = "refused: the XML declares a DOCTYPE (DTDs and entities are not allowed in FDX)"
        raise ScreenplayError(source, reason) from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise ScreenplayError(source, "refused: the XML declares entities or external references") from None
    except ParseError as e:
        raise ScreenplayError(source, f"malformed Final Draft XML ({e})") from None
    if root.tag != "FinalDraft":
        raise ScreenplayError(source, f"not a Final Draft file (root element <{root.tag}>, expected <FinalDraft>)")
    content = root.find("Content")
    if content is None:
        raise ScreenplayError(source, "Final Draft file has no <Content>")
    title_paras = root.findall("TitlePage/Content/Paragraph")
    title_lines = [" ".join(paragraph_text(p).split()) for p in title_paras]
    title_lines = [t for t in title_lines if t]
    elements = [Element("title_page", t, joined=k > 0) for k, t in enumerate(title_lines)]
    if elements:
        elements.append(Element("page_marker", ""))
    elements += _elements(content.findall("Paragraph"))
    lines, tags, dual = render(elements)
    if not any(lines):
        raise ScreenplayError(source, "Final Draft file has no text")
    return TextForm(
        lines=lines,
        source=source,
        format="fdx",
        tags=tags,
        dual=dual,
        title=title_lines[0] if title_lines else None,
    )


def load(path: str | os.PathLike) -> TextForm:
    return parse_xml(read_bytes(path), str(path))

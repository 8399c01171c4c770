"""Screenplay HTML exported by screenwriting tools -> typed elements, from their classes.

Tools that export HTML put each element of the script in its own tag and name its type
in the class, so the types are read, not guessed (like FDX paragraph types), and the
text is rendered with the Fountain/FDX layout (`layout.py`), every line tagged. The
class names come from the exporters' own sources:

- screenplain: `<h6>` scene headings (scene numbers in `span.scnuml`/`span.scnumr`),
  `div.action` (`centered`) of `<p>`, `div.dialog` holding `p.character`,
  `p.parenthetical` and plain `<p>` speech, `div.dual` > `div.left`/`div.right`,
  `div.transition`, `<h1>`-`<h5>` sections;
- fountain.js and the tools built on it (Afterwriting's and Better Fountain's previews,
  many web exporters): `<h3>` scene headings, `<h2>` transitions, `div.dialogue` (`left`,
  `right` inside `div.dual-dialogue`) holding an `<h4>` cue, `p.parenthetical` and plain
  `<p>` speech, plain `<p>` action, `p.centered`, `p.section`/`p.synopsis`, title-page
  fields `p.title`, `p.credit`, `p.author`, `p.source`, `p.draft-date`, `p.contact`...;
- one paragraph per element with the type as its class (Celtx: `p.sceneheading`,
  `p.action`, `p.character`, `p.parenthetical`, `p.dialog`, `p.transition`, `p.shot`),
  including Final Draft's type names (`Scene Heading`, `General`) and the camelCase and
  hyphenated spellings other tools use (Highland, WriterDuet: not checked against their
  output, read by the same table).

Class names are compared lower-cased without `-`/`_`. A page reads as an export when its
classes or tags show at least one cue with speech; otherwise `html.py` reads it as an
IMSDb-style page. The standard library's `html.parser` builds the small tree this needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

from script2rp.ingest.layout import Element
from script2rp.model import LineType

# Class name (lower case, no - or _) -> element type.
CLASSES: dict[str, LineType] = {
    **dict.fromkeys(("sceneheading", "sceneheader", "scene", "slug", "slugline", "heading"), "scene_heading"),
    **dict.fromkeys(("action", "description", "general", "actionline", "castlist"), "action"),
    **dict.fromkeys(("character", "charactername", "speaker", "cue"), "character"),
    **dict.fromkeys(("dialogue", "dialog", "speech"), "dialogue"),
    **dict.fromkeys(("parenthetical", "paren", "wryly"), "parenthetical"),
    **dict.fromkeys(("transition",), "transition"),
    **dict.fromkeys(("centered", "centred", "center"), "centered"),
    **dict.fromkeys(("shot",), "shot"),
    **dict.fromkeys(("lyrics", "lyric"), "lyrics"),
    **dict.fromkeys(("note", "section", "synopsis", "boneyard", "comment"), "note"),
    **dict.fromkeys(
        ("titlepage", "title", "credit", "author", "authors", "source", "draftdate", "date", "contact",
         "copyright", "notes", "revision"),
        "title_page",
    ),
}
_SPEECH_BOX = {"dialogue", "dialog", "speech"}  # a container of one speech when it holds blocks
_DUAL_BOX = {"dual", "dualdialogue"}
_SIDES = {"left", "right"}  # the two speech boxes of a dual pair
_NUMBERS = {"scnuml", "scnumr", "scenenumber", "scenenum"}  # scene numbers: not text
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "li", "ul", "ol",
           "table", "tr", "td", "blockquote", "header", "footer", "main", "center", "pre"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"}
_SKIP = {"script", "style", "title", "template", "noscript"}
_SPACE = re.compile(r"\s+")
_GENERIC_TITLE = "Screenplay"  # screenplain's <title> for every script


@dataclass
class Node:
    tag: str
    classes: frozenset[str]
    children: list[Node | str] = field(default_factory=list)

    def blocks(self) -> bool:
        return any(isinstance(c, Node) and (c.tag in _BLOCKS or c.blocks()) for c in self.children)

    def text(self) -> str:
        """The text inside, one line per <br>, whitespace folded as a browser does."""
        parts: list[str] = []
        self._collect(parts)
        return "\n".join(_SPACE.sub(" ", ln).strip() for ln in "".join(parts).split("\n")).strip("\n")

    def _collect(self, parts: list[str]) -> None:
        for c in self.children:
            if isinstance(c, str):
                parts.append(c.replace("\n", " "))
            elif c.tag == "br":
                parts.append("\n")
            elif not c.classes & _NUMBERS:
                c._collect(parts)


_TAG = re.compile(
    r"<!--.*?-->|<![^>]*>|<\?[^>]*>"  # comments, doctype, processing instructions: skipped
    r"|<(/?)([A-Za-z][\w:-]*)([^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*)>",
    re.DOTALL,
)
_CLASS = re.compile(r"""(?:^|\s)class\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


def parse_tree(page: str) -> tuple[Node, str]:
    """(tree, text of <title>): a forgiving tree builder (implied ends of <p>, stray end
    tags ignored, <script>/<style> skipped) on one regular expression, several times
    faster than `html.parser` on the thousands of small tags of an export."""
    root = Node("#root", frozenset())
    stack = [root]
    title: list[str] = []
    pos = 0
    for m in _TAG.finditer(page):
        if m.start() < pos:
            continue  # inside a skipped element
        if m.start() > pos:
            stack[-1].children.append(unescape(page[pos : m.start()]))
        pos = m.end()
        closing, tag, attrs = m.group(1), (m.group(2) or "").lower(), m.group(3) or ""
        if not tag:
            continue
        if closing:
            for k in range(len(stack) - 1, 0, -1):
                if stack[k].tag == tag:
                    del stack[k:]
                    break
            continue
        if tag in _SKIP:
            close = page.find("</" + tag, pos)
            close = len(page) if close < 0 else close
            if tag == "title":
                title.append(unescape(page[pos:close]))
            pos = page.find(">", close) + 1 or len(page)
            continue
        if tag in _BLOCKS and stack[-1].tag == "p":
            stack.pop()  # a block closes an open paragraph
        c = _CLASS.search(attrs)
        names = (c.group(1) or c.group(2) or c.group(3) or "") if c else ""
        node = Node(tag, frozenset(n.lower().replace("-", "").replace("_", "") for n in names.split()))
        stack[-1].children.append(node)
        if tag not in _VOID and not attrs.rstrip().endswith("/"):
            stack.append(node)
    if pos < len(page):
        stack[-1].children.append(unescape(page[pos:]))
    return root, " ".join("".join(title).split())


@dataclass
class _Walk:
    """Walk state: which tag rules apply, and the elements so far."""

    screenplain: bool  # <h6> headings, <h1>-<h5> sections; else fountain.js: <h3> headings, <h2> transitions
    out: list[Element] = field(default_factory=list)
    dual_cues: int = -1  # cues seen inside the current dual pair; -1 outside one
    breaks: int = 0  # length of `out` at the last paragraph end

    def paragraph_end(self) -> None:
        """The next action or centred line opens a new paragraph."""
        self.breaks = len(self.out)


def _class_kind(node: Node) -> LineType | None:
    for c in sorted(node.classes):
        kind = CLASSES.get(c)
        if kind is not None:
            return kind
    return None


def _tag_kind(node: Node, w: _Walk) -> LineType | None:
    tag = node.tag
    if tag == "hr":
        return "page_marker"
    if w.screenplain:
        return "scene_heading" if tag == "h6" else "note" if tag in ("h1", "h2", "h3", "h4", "h5") else None
    return {"h3": "scene_heading", "h2": "transition", "h1": "title_page"}.get(tag) or (
        "note" if tag in ("h4", "h5", "h6") else None
    )


_IN_SPEECH = ("character", "dialogue", "parenthetical", "lyrics")


def _emit(w: _Walk, kind: LineType, text: str) -> None:
    """One element per line of `text`; speech lines join the cue or speech before them."""
    for line in text.split("\n"):
        if not line and kind != "page_marker":
            continue
        prev = w.out[-1].kind if w.out else None
        if kind in _IN_SPEECH[1:]:
            joined = prev in _IN_SPEECH
        else:  # a line of the same paragraph (a <br> inside it, or a <p> in a paragraph box)
            joined = prev == kind and len(w.out) > w.breaks
        dual = False
        if kind == "character" and w.dual_cues >= 0:
            w.dual_cues += 1
            dual = w.dual_cues == 2
        w.out.append(Element(kind, line, joined=joined, dual=dual))


def _speech(node: Node, w: _Walk) -> None:
    """One speech box: a cue, then parentheticals and lines of speech."""
    first = True
    for c in node.children:
        if not isinstance(c, Node) or c.classes & _NUMBERS:
            continue
        if c.blocks():
            _speech(c, w)
            continue
        text = c.text()
        if not text:
            continue
        kind = _class_kind(c)
        if kind is None:
            if c.tag in ("h1", "h2", "h3", "h4", "h5", "h6") and first:
                kind = "character"
            else:
                kind = "parenthetical" if text.startswith("(") and text.endswith(")") else "dialogue"
        _emit(w, kind, text)
        first = False


def _walk(node: Node, w: _Walk, inherited: LineType | None = None) -> None:
    for c in node.children:
        if isinstance(c, str):
            continue
        if c.classes & _NUMBERS:
            continue
        kind = _class_kind(c)
        if c.classes & _DUAL_BOX:
            w.dual_cues = 0
            _walk(c, w)
            w.dual_cues = -1
        elif c.blocks():
            if c.classes & _SPEECH_BOX or (w.dual_cues >= 0 and c.classes & _SIDES):
                _speech(c, w)
            else:
                box = kind if kind in ("action", "centered", "title_page", "note") else inherited
                if kind == "action" and "centered" in c.classes:
                    box = "centered"
                _paragraph_box(c, w, box) if box in ("action", "centered") else _walk(c, w, box)
        else:
            kind = kind or inherited or _tag_kind(c, w)
            if kind is None and c.tag in _BLOCKS:
                kind = "action"
            if kind == "action" and "centered" in c.classes:
                kind = "centered"
            if kind is not None:
                _emit(w, kind, c.text())
                w.paragraph_end()


def _paragraph_box(node: Node, w: _Walk, kind: LineType) -> None:
    """A box of lines that make one paragraph (screenplain's div.action of <p>)."""
    for c in node.children:
        if isinstance(c, Node):
            _emit(w, kind, c.text())
    w.paragraph_end()


def read(page: str) -> tuple[list[Element], str | None] | None:
    """(elements, title) of an exported screenplay page, or None when the page's classes
    and tags show no cue followed by speech. The title is the title page's, else the
    page's <title>."""
    root, page_title = parse_tree(page)
    nodes = list(_nodes(root))
    screenplain = any(n.tag == "h6" or "dialog" in n.classes for n in nodes)
    w = _Walk(screenplain)
    _walk(root, w)
    kinds = [e.kind for e in w.out]
    speaking = any(a == "character" and b in ("dialogue", "parenthetical", "lyrics") for a, b in zip(kinds, kinds[1:]))
    if not speaking:
        return None
    titles = [n.text().replace("\n", " ") for n in nodes if "title" in n.classes and n.text()]
    titles.append(page_title if page_title != _GENERIC_TITLE else "")
    return w.out, titles[0] or None


def _nodes(node: Node):
    for c in node.children:
        if isinstance(c, Node):
            yield c
            yield from _nodes(c)

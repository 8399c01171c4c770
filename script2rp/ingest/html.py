"""HTML screenplays -> `TextForm`: pages exported by screenwriting tools are read by
their element classes (`html_export`), every line typed; any other page (IMSDb and the
like) is text to tag: the largest `<pre>`, else the body text.

The standard library's `html.parser`, not BeautifulSoup or lxml: we need only the text
inside `<pre>` (tags such as `<b>` around cues dropped, entities unescaped, whitespace
kept exactly), which a 30-line tolerant tokenizer does without a new dependency or a
compiled XML stack. `convert_charrefs=True` unescapes entities with `html.unescape`.
A page with no `<pre>` falls back to the body text, with `<br>`/`<p>` as line breaks.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser

from script2rp.errors import ScreenplayError
from script2rp.ingest import html_export
from script2rp.ingest.layout import render
from script2rp.ingest.text import clean_line, decode, read_bytes, split_lines
from script2rp.model import TextForm

_BREAKS = {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP = {"script", "style", "title"}
_IMSDB_TITLE = re.compile(r"\s+Script at IMSDb\.?$", re.IGNORECASE)


class _PreText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pres: list[list[str]] = []
        self.body: list[str] = []
        self.title: list[str] = []
        self._pre_depth = 0
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "pre":
            if self._pre_depth == 0:
                self.pres.append([])
            self._pre_depth += 1
        elif tag in _SKIP:
            self._skip += 1
            self._in_title = tag == "title"
        elif tag in _BREAKS:
            self._emit("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BREAKS:
            self._emit("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre" and self._pre_depth:
            self._pre_depth -= 1
        elif tag in _SKIP and self._skip:
            self._skip -= 1
            self._in_title = False
        elif tag in _BREAKS - {"br"}:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip or self._pre_depth:
            self._emit(data)

    def _emit(self, s: str) -> None:
        (self.pres[-1] if self._pre_depth else self.body).append(s)


def extract(page: str) -> tuple[str, str | None]:
    """(script text, page title) of an HTML page."""
    p = _PreText()
    p.feed(page)
    p.close()
    pres = ["".join(chunks) for chunks in p.pres]
    text = max(pres, key=lambda s: len(s.strip())) if pres else "".join(p.body)
    if text.startswith("\r\n"):
        text = text[2:]
    elif text.startswith("\n"):
        text = text[1:]  # HTML drops a newline right after <pre>
    title = _IMSDB_TITLE.sub("", " ".join("".join(p.title).split())) or None
    return text, title


def from_bytes(data: bytes, source: str) -> TextForm:
    page = decode(data, source)
    exported = html_export.read(page)
    if exported is not None:
        elements, title = exported
        lines, tags, dual = render(elements)
        return TextForm(lines=[clean_line(ln) for ln in lines], source=source, format="html", tags=tags,
                        dual=dual, title=title)
    text, title = extract(page)
    lines = split_lines(text)
    if not any(ln.strip() for ln in lines):
        raise ScreenplayError(source, "HTML page holds no script text (empty <pre> and body)")
    return TextForm(lines=lines, source=source, format="html", title=title)


def load(path: str | os.PathLike) -> TextForm:
    return from_bytes(read_bytes(path), str(path))

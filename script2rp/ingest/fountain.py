"""Fountain (https://fountain.io) -> `TextForm`, every line tagged and rendered in a
standard typed-script layout (see `layout.py`).

Our own reader, because the Python Fountain readers get ordinary scripts wrong: they
leave cue extensions such as (V.O.) in the character name, read names with numbers
("GUARD #2") as action, let an inline /* boneyard */ swallow the rest of the script,
and ignore dual dialogue (`^`). This one follows the whole spec: title page, scene
headings (INT/EXT/EST/I/E, forced `.`, scene numbers `#1#`), cues (extensions, forced
`@`, dual `^`), parentheticals, dialogue, lyrics `~`, transitions (`TO:` or forced
`>`), centred `>text<`, forced action `!`, notes `[[ ]]`, boneyard `/* */`, sections
`#` and synopses `=` (both kept as notes), page breaks `===`, and emphasis `*` `**`
`***` `_` (stripped, with `\\*` and `\\_` for literal characters).

Deliberate leniencies: a scene heading needs a blank line before it but not after; a
`TO:` transition needs one before it but not after; an unclosed `/*` is kept as text
rather than swallowing the rest of the file.
"""

from __future__ import annotations

import os
import re

from script2rp.ingest.layout import Element, render
from script2rp.ingest.text import clean_line, decode, read_bytes
from script2rp.model import TextForm

_HEADING = re.compile(r"^(?:INT\.?/EXT|EXT\.?/INT|INT|EXT|EST|I\.?/E|E\.?/I)[. ]", re.IGNORECASE)
_SCENE_NUMBER = re.compile(r"\s*#([\w.-]+)#\s*$")
_TITLE_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9 _'-]*?)\s*:\s*(.*)$")
_TITLE_KEYS = {"title", "credit", "author", "authors", "source", "draft date", "date", "contact",
               "copyright", "notes", "revision", "written by"}
_PAGE_BREAK = re.compile(r"^={3,}$")
_NOTE = re.compile(r"\[\[.*?\]\]", re.DOTALL)
_NOTE_ONLY = re.compile(r"^(?:\[\[.*?\]\]\s*)+$")
_MULTILINE_NOTE = re.compile(r"\[\[(?:(?!\n[ \t]*\n).)*?\]\]", re.DOTALL)  # no blank line inside
_BONEYARD_LINES = re.compile(r"^[ \t]*/\*(?:(?!\*/).)*\*/[ \t]*(?:\n|\Z)", re.DOTALL | re.MULTILINE)
_BONEYARD = re.compile(r"[ \t]*/\*.*?\*/[ \t]*", re.DOTALL)
_EXTENSION = re.compile(r"\(.*")

# Emphasis: escapes and style switches become private-use characters while pairing.
_ESCAPES = {"\\*": "\ue000", "\\_": "\ue001"}
_UNESCAPE = str.maketrans({"\ue000": "*", "\ue001": "_"})
_STYLES = ("Bold", "Italic", "Underline")
_ON = {"\ue010": "Bold", "\ue012": "Italic", "\ue014": "Underline"}
_OFF = {"\ue011": "Bold", "\ue013": "Italic", "\ue015": "Underline"}
_PAIRS = (
    (re.compile(r"\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*"), "\ue010\ue012", "\ue013\ue011"),
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), "\ue010", "\ue011"),
    (re.compile(r"\*(?=\S)(.+?)(?<=\S)\*"), "\ue012", "\ue013"),
    (re.compile(r"(?<![A-Za-z0-9])_(?=\S)(.+?)(?<=\S)_(?![A-Za-z0-9])"), "\ue014", "\ue015"),
)


def emphasis_runs(s: str) -> list[tuple[str, str]]:
    """Split Fountain inline markup into (text, style) runs; style is "" or e.g. "Bold+Italic"."""
    for esc, mark in _ESCAPES.items():
        s = s.replace(esc, mark)
    for pattern, on, off in _PAIRS:
        s = pattern.sub(lambda m, on=on, off=off: on + m.group(1) + off, s)
    runs: list[tuple[str, str]] = []
    active: set[str] = set()
    buf: list[str] = []

    def flush() -> None:
        if buf:
            style = "+".join(x for x in _STYLES if x in active)
            text = "".join(buf).translate(_UNESCAPE)
            if runs and runs[-1][1] == style:
                runs[-1] = (runs[-1][0] + text, style)
            else:
                runs.append((text, style))
            buf.clear()

    for ch in s:
        if ch in _ON or ch in _OFF:
            flush()
            (active.add if ch in _ON else active.discard)(_ON.get(ch) or _OFF[ch])
        else:
            buf.append(ch)
    flush()
    return runs


def strip_emphasis(s: str) -> str:
    return "".join(text for text, _ in emphasis_runs(s))


def _remove_boneyard(text: str) -> str:
    text = _BONEYARD_LINES.sub("", text)
    return _BONEYARD.sub(" ", text)


def _inline(s: str, emphasis: bool) -> str:
    """Drop inline notes; strip emphasis unless the caller wants the markup kept."""
    s = " ".join(_NOTE.sub(" ", s).split()) if "[[" in s else s.strip()
    return s if emphasis else strip_emphasis(s)


def is_cue(s: str) -> bool:
    """An unforced cue: the name before any (extension) is upper case with a letter in it."""
    name = _EXTENSION.sub("", s.rstrip("^").strip()).strip()
    return bool(name) and name == name.upper() and any(c.isalpha() for c in name)


def _title_page(lines: list[str]) -> tuple[dict[str, list[str]], int]:
    """Title-page fields and the index of the first body line (0 if there is none)."""
    start = next((i for i, ln in enumerate(lines) if ln.strip()), len(lines))
    m = _TITLE_KEY.match(lines[start].strip()) if start < len(lines) else None
    if not m or m.group(1).lower() not in _TITLE_KEYS:
        return {}, 0
    fields: dict[str, list[str]] = {}
    key = ""
    i = start
    while i < len(lines) and lines[i].strip():
        ln = lines[i]
        m = _TITLE_KEY.match(ln.strip())
        if m and not ln[:1].isspace():
            key = m.group(1).lower()
            fields.setdefault(key, [])
            value = m.group(2).strip()
        else:
            value = ln.strip()  # indented continuation line
        if value:
            fields.setdefault(key, []).append(value)
        i += 1
    return fields, i


def parse_elements(text: str, *, emphasis: bool = False) -> tuple[dict[str, str], list[Element]]:
    """Fountain source -> (title-page fields, elements). With `emphasis`, element text keeps
    its `*`/`_` markup (for writers that turn it into styled runs, see `emphasis_runs`)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _remove_boneyard(text)
    text = _MULTILINE_NOTE.sub(lambda m: " ".join(m.group(0).split()), text)
    raw = text.split("\n")
    fields, body_start = _title_page(raw)
    elements: list[Element] = []
    for values in fields.values():
        for k, value in enumerate(values):
            elements.append(Element("title_page", _inline(value, emphasis), joined=k > 0))
    if fields:
        elements.append(Element("page_marker", ""))

    lines = [clean_line(ln) for ln in raw[body_start:]]
    raw = raw[body_start:]
    n = len(lines)
    prev_blank = True
    in_dialogue = False

    def add(kind, s: str, joined: bool, dual: bool = False) -> None:
        elements.append(Element(kind, _inline(s, emphasis), joined, dual))

    def heading(s: str, joined: bool) -> None:
        m = _SCENE_NUMBER.search(s)
        text = _inline(s[: m.start()] if m else s, emphasis)
        elements.append(Element("scene_heading", text, joined, number=m.group(1) if m else None))

    for i, line in enumerate(lines):
        s = line.strip()
        next_blank = i + 1 >= n or not lines[i + 1].strip()
        if not s:
            if in_dialogue and len(raw[i]) >= 2 and not raw[i].strip(" "):
                continue  # "two spaces": a deliberate empty line inside a speech
            prev_blank, in_dialogue = True, False
            continue
        joined = not prev_blank
        prev_blank = False
        if _PAGE_BREAK.match(s):
            elements.append(Element("page_marker", ""))
            prev_blank, in_dialogue = True, False
        elif _NOTE_ONLY.match(s):
            add("note", " ".join(re.findall(r"\[\[(.*?)\]\]", s)), joined)
        elif in_dialogue:
            if s.startswith("(") and s.endswith(")"):
                add("parenthetical", s, True)
            elif s.startswith("~"):
                add("lyrics", s[1:], True)
            else:
                add("dialogue", s, True)
        elif s.startswith("#"):
            add("note", s.lstrip("#"), joined)  # section
        elif s.startswith("=") and not s.startswith("=="):
            add("note", s[1:], joined)  # synopsis
        elif s.startswith(".") and len(s) > 1 and s[1].isalnum():
            heading(s[1:], joined)
        elif joined is False and _HEADING.match(s):
            heading(s, joined)
        elif s.startswith(">") and s.endswith("<") and len(s) > 1:
            add("centered", s[1:-1], joined)
        elif s.startswith(">"):
            add("transition", s[1:], joined)
        elif s.startswith("!"):
            add("action", s[1:], joined)
        elif s.startswith("~"):
            add("lyrics", s[1:], joined)
        elif s.startswith("@") and not next_blank and len(s) > 1:
            add("character", s[1:].rstrip("^").strip(), joined, dual=s.endswith("^"))
            in_dialogue = True
        elif not joined and s.endswith("TO:") and s == s.upper():
            add("transition", s, joined)
        elif not joined and not next_blank and is_cue(s):
            add("character", s.rstrip("^").strip(), joined, dual=s.endswith("^"))
            in_dialogue = True
        else:
            add("action", s, joined)
    meta = {key: "\n".join(strip_emphasis(v) for v in values) for key, values in fields.items()}
    return meta, [e for e in elements if e.text or e.kind == "page_marker"]


def parse_text(text: str, source: str = "<string>") -> TextForm:
    """Fountain source text -> tagged, rendered `TextForm`. Never raises on any text."""
    meta, elements = parse_elements(text)
    lines, tags, dual = render(elements)
    title = meta.pop("title", None)
    return TextForm(
        lines=lines,
        source=source,
        format="fountain",
        tags=tags,
        dual=dual,
        title=" ".join(title.split()) if title else None,
        metadata=meta,
    )


def load(path: str | os.PathLike) -> TextForm:
    return parse_text(decode(read_bytes(path), str(path)), str(path))

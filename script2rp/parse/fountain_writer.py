"""`Screenplay` -> Fountain (https://fountain.io) text.

Written so that reading it back (`script2rp.ingest.fountain` then `build_screenplay`
with `min_scene_lines=0`) gives the same scenes (count, headings), speakers,
extensions, dialogue text, parentheticals at the same word positions, dual pairs and
transitions. Every element is separated by a blank line, and anything a Fountain
reader could take for something else is forced or escaped:

- scene headings without INT/EXT/EST/I/E get a leading `.`;
- cues get `@` unless they are plainly a cue (upper case, a letter in it, starting with
  a letter or digit, not heading-like, not ending in TO:); the second cue of a dual
  pair gets ` ^`; the extension is written back in parentheses, `JOHN (V.O.)`;
- parentheticals go on their own lines at their word positions inside the speech;
- transitions not ending in TO: (or heading-like) get `>`; centred Actions `> x <`,
  notes `[[x]]`; shots are plain (escaped) action, as Fountain has no shot element;
- action lines that could read as a heading, cue, transition, section, synopsis,
  lyric, page break or forced element get `!`;
- `*` and `_` are escaped everywhere, which also keeps `/*` from opening a boneyard.

Known losses (Fountain cannot express them, or our model does not keep them): Action
kinds "shot" read back as "action"; a scene with heading None after the first scene
joins the scene before it; headings starting with punctuation cannot be forced; `[[`
in text is read as a note; a speech that starts with `~`, or that cannot be split so no
line looks like `(...)`, is read back differently; a Dialogue with neither text nor
parentheticals is written as action (Fountain has no empty speech).
"""

from __future__ import annotations

import re

from script2rp.model import Action, Dialogue, Scene, Screenplay, Transition
from script2rp.parse.structure import join_lines

__all__ = ["to_fountain"]

_HEADING = re.compile(r"^(?:INT\.?/EXT|EXT\.?/INT|INT|EXT|EST|I\.?/E|E\.?/I)[. ]", re.IGNORECASE)
_FORCE_CHARS = tuple(".!>@~#=")
_NOTE_ONLY = re.compile(r"^(?:\[\[.*?\]\]\s*)+$")


def _esc(s: str) -> str:
    return s.replace("*", "\\*").replace("_", "\\_")


def _one_line(s: str) -> str:
    return " ".join(s.split())


def _has_letter(s: str) -> bool:
    return any(c.isalpha() for c in s)


def _action_line(line: str) -> str:
    s = line.strip()
    risky = (
        s.startswith(_FORCE_CHARS)
        or s.startswith("[[")
        or bool(_HEADING.match(s))
        or (s == s.upper() and _has_letter(s))
    )
    return ("!" if risky else "") + _esc(s)


def _safe_cue(name: str) -> bool:
    return (
        name == name.upper()
        and _has_letter(name)
        and name[:1].isalnum()
        and not _HEADING.match(name)
        and not name.endswith("TO:")
        and "(" not in name
    )


def _misread_speech(line: str) -> bool:
    """Would this dialogue line be read as something other than dialogue?"""
    return (
        (line.startswith("(") and line.endswith(")"))
        or line.startswith("~")
        or bool(re.fullmatch(r"={3,}", line))
        or bool(_NOTE_ONLY.match(line))
    )


def _speech_lines(words: list[str], lyrics: bool) -> list[str]:
    """One line for a run of speech, or two when one line would read as a parenthetical;
    the split point is chosen so the reader's line joining gives the same text back."""
    text = " ".join(words)
    if not text:
        return []
    if lyrics:
        return ["~" + _esc(text)]
    if _misread_speech(text):
        for k in range(1, len(words)):
            a, b = " ".join(words[:k]), " ".join(words[k:])
            if not _misread_speech(a) and not _misread_speech(b) and join_lines(a, b) == text:
                return [_esc(a), _esc(b)]
    return [_esc(text)]


def _dialogue(d: Dialogue, second_of_pair: bool) -> list[str]:
    cue = d.speaker + (f" ({d.extension})" if d.extension else "")
    line = ("" if _safe_cue(d.speaker) else "@") + _esc(cue) + (" ^" if second_of_pair else "")
    words = d.text.split()
    missing = len(d.parentheticals) - len(d.parenthetical_positions)
    positions = list(d.parenthetical_positions) + [len(words)] * missing
    order = sorted(range(len(d.parentheticals)), key=lambda k: positions[k])
    lines = [line]
    cut = 0
    for k in order:
        pos = max(cut, min(positions[k], len(words)))
        lines += _speech_lines(words[cut:pos], d.lyrics)
        lines.append("(" + _esc(_one_line(d.parentheticals[k])) + ")")
        cut = pos
    lines += _speech_lines(words[cut:], d.lyrics)
    if len(lines) == 1:  # no speech at all: Fountain has no empty dialogue
        return [_action_line(d.raw_cue or cue)]
    return lines


def _transition(t: Transition) -> str:
    s = _one_line(t.text)
    plain = s == s.upper() and s.endswith("TO:") and s[:1].isalnum() and not _HEADING.match(s)
    return _esc(s) if plain else ">" + _esc(s)


def _action(a: Action) -> list[str]:
    if a.kind == "centered":
        return ["> " + _esc(_one_line(a.text)) + " <"]
    if a.kind == "note":
        return ["[[" + _esc(_one_line(a.text)) + "]]"]
    return [_action_line(ln) for ln in a.text.splitlines() if ln.strip()]


def _heading(h: str) -> str:
    s = _one_line(h)
    return _esc(s) if _HEADING.match(s) else "." + _esc(s)


def _scene(scene: Scene) -> list[list[str]]:
    """The scene as paragraphs (lists of lines), one per heading/element."""
    out: list[list[str]] = []
    if scene.heading is not None:
        out.append([_heading(scene.heading)])
    pair_open = False  # the previous element opened a dual pair
    for el in scene.elements:
        lines: list[str]
        if isinstance(el, Dialogue):
            second = el.dual and pair_open
            lines = _dialogue(el, second)
            pair_open = el.dual and not second
        else:
            pair_open = False
            lines = _action(el) if isinstance(el, Action) else [_transition(el)] if isinstance(el, Transition) else []
        if lines:
            out.append(lines)
    return out


def to_fountain(sp: Screenplay) -> str:
    """The whole screenplay as Fountain: a title page (Title, and the front matter as
    Notes), then every scene."""
    title = _one_line(sp.title) or "Untitled"
    head = ["Title: " + _esc(title)]
    extra = [_one_line(x) for x in sp.front_matter if _one_line(x) and _one_line(x).lower() != title.lower()]
    if extra:
        head.append("Notes:")
        head += ["    " + _esc(x) for x in extra]
    paragraphs: list[list[str]] = [head]
    for scene in sp.scenes:
        paragraphs += _scene(scene)
    return "\n\n".join("\n".join(p) for p in paragraphs) + "\n"


"""Text helpers every stage shares: how a scene is shown to a model, how it is rendered as plain
roleplay without one, and how a model's transcript is read back and checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from script2rp.model import Action, Dialogue, Element, Scene, Transition

# --- names -------------------------------------------------------------------------------------


def display_name(speaker: str, raw_cue: str = "") -> str:
    """`MARA` -> `Mara`, `DR. JONES` -> `Dr. Jones`; a cue written in mixed case (`McCLANE`) keeps
    the writer's spelling, title-cased only where it was all capitals."""
    words = []
    for word in speaker.split():
        words.append(word if any(c.islower() for c in word) else _title(word))
    return " ".join(words)


def _title(word: str) -> str:
    # str.title() turns "O'BRIEN" into "O'Brien" (right) but "#2" stays and "MCCLANE" -> "Mcclane".
    return word.title() if word.isupper() else word


def name_key(name: str) -> str:
    """Case- and spacing-insensitive key, so `Mara`, `MARA` and `mara ` are one speaker."""
    return " ".join(name.upper().split())


# --- scenes as screenplay text (what a model is shown) ---------------------------------------------


def element_text(el: Element) -> str:
    if isinstance(el, Dialogue):
        cue = el.speaker + (f" ({el.extension})" if el.extension else "")
        parts = [cue]
        for pos, text in _speech_pieces(el):
            parts.append(text if pos == "speech" else f"({text.strip('()')})")
        return "\n".join(parts)
    if isinstance(el, Transition):
        return el.text
    return el.text


def screenplay_text(heading: str | None, elements: Iterable[Element]) -> str:
    """A scene (or a piece of one) in plain screenplay layout, without page furniture."""
    parts = [heading] if heading else []
    parts += [element_text(el) for el in elements]
    return "\n\n".join(parts)


def _speech_pieces(d: Dialogue) -> list[tuple[str, str]]:
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


# --- deterministic roleplay rendering (plain_scenes, plain_full_script) ----------------------------

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
    """A scene as roleplay text by rule: settings and actions as narration, dialogue as
    `Name: "..."` turns with parentheticals and extensions woven in as italic stage notes."""
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
    for kind, text in _speech_pieces(d):
        if kind == "speech":  # quotes inside the speech become single ones, so turns stay parseable
            bits.append('"' + re.sub(r'["“”]', "'", text) + '"')
        else:
            bits.append(f"*{text.strip('()').strip()}*")
    return f"{name}: " + " ".join(bits)


# --- reading a model's transcript back ------------------------------------------------------------

# Every word of a name is capitalised: "Out of the murk: a rock" is narration, not a turn.
_TURN = re.compile(r"^\s*\**(?P<name>[A-Z][\w.'’#-]*(?: [A-Z0-9#][\w.'’#-]*){0,3})\**\s*:\s+(?P<rest>\S.*)$")
_DEBRIS = re.compile(
    r"\b(?:INT|EXT|I/E)\.\s|\bINT\./EXT\b|\bCONT['’]D\b|\((?:V\.O\.|O\.S\.|O\.C\.)\)|"
    r"\b(?:CUT|DISSOLVE|SMASH CUT|MATCH CUT) TO:|\bFADE (?:IN|OUT)[:.]"
)
_WORD = re.compile(r"[a-z0-9']+")


def turns(transcript: str) -> list[tuple[str, str]]:
    """(speaker, text) for each `Name: ...` line; narration paragraphs come back as ("", text)."""
    result = []
    for para in transcript.splitlines():
        if not para.strip():
            continue
        m = _TURN.match(para)
        if m:
            result.append((m["name"], m["rest"]))
        else:
            result.append(("", para.strip()))
    return result


def debris(text: str) -> str | None:
    """The first piece of screenplay notation left in a transcript, if any."""
    m = _DEBRIS.search(text)
    return m.group(0).strip() if m else None


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def coverage(dialogues: Iterable[Dialogue], transcript: str, block_recall: float = 0.7) -> float:
    """Share of dialogue blocks whose words mostly (`block_recall`) appear in the transcript.

    Word-set recall rather than exact matching: a model may fix punctuation or split a speech
    around narration, which is fine; dropping or inventing lines is what this catches.
    """
    vocab = set(words(transcript))
    blocks = [set(words(d.text)) for d in dialogues]
    blocks = [b for b in blocks if b]
    if not blocks:
        return 1.0
    kept = sum(1 for b in blocks if len(b & vocab) / len(b) >= block_recall)
    return kept / len(blocks)

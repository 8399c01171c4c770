"""Character cue -> (speaker, extension).

One speaker must have one name however the cue is typed, or the cast splits into
"JOHN", "JOHN (CONT'D)" and "John (V.O.)". Only *safe* folds happen here, the ones that
cannot join two different people:

- CONT'D in every spelling is dropped (CONT'D, CONT’D, CONTD, CONT., CONT, CONTINUED,
  CONTINUING, any case, in its own parentheses or sharing them with an extension);
- extensions (any parenthesised or bracketed text, and a bare trailing V.O./VO/O.S./OS/
  O.C./OC/PRE-LAP/CONT'D word) are split off; the first non-CONT'D one is kept,
  upper-cased, with the common abbreviations spelled one way ("VO", "v.o" -> "V.O.");
- page furniture is stripped: a scene number on both sides ("12 JOHN 12"), a number
  set off by a wide gap (layout, not name), revision asterisks, a trailing colon, the
  Fountain markers `@` (forced cue) and `^` (dual dialogue);
- case is folded to upper ("McCLANE" -> "MCCLANE"), curly apostrophes to straight ones,
  runs of whitespace to one space.

Periods, digits, `#` and hyphens are part of names ("DR. JONES", "GUARD #2", "R2-D2").
Multi-word phrases such as "ON TV" are extensions only in parentheses: "MAN ON TV" is a
name. The function is idempotent on its own output, which the Fountain round trip
relies on.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["normalise_cue", "has_contd", "canonical_extension", "BARE_EXTENSION"]

_CONTD = re.compile(
    r"^(?:CONT(?:\s*['’`´]?\s*D|INUED|INUING|\.)?|CON'T(?:'?D)?|CNT'D|CTD)\.?$",
    re.IGNORECASE,
)
_CONTD_WORD = re.compile(
    r"\b(?:CONT(?:\s*['’`´]\s*D|D|INUED|INUING)|CON'T(?:'D)?|CTD)\b\.?|\bCONT\b\.?", re.IGNORECASE
)
_PAREN = re.compile(r"\(([^()]*)\)?|\[([^\[\]]*)\]?")
# Bare extensions that may trail a name without parentheses (abbreviations only).
BARE_EXTENSION = re.compile(
    r"\s+(V[./]\s?[O0]\.?|VO|O[./]\s?S\.?|OS|O\.\s?C\.?|OC|PRE-?LAP|CONT['’]?D\.?|CONTINUING|CONT\.)$",
    re.IGNORECASE,
)
_CANONICAL = [
    (re.compile(r"^V\s?[./]?\s?[O0]\.?$"), "V.O."),  # also V/O and the typo V.0.
    (re.compile(r"^O\s?[./]?\s?S\.?$"), "O.S."),
    (re.compile(r"^O\.?\s?C\.?$"), "O.C."),
    (re.compile(r"^PRE[-\s]?LAP$"), "PRE-LAP"),
]
_SEPARATORS = re.compile(r"^[\s,;/&+-]+|[\s,;/&+-]+$")
_BOTH_SIDES_NUMBER = re.compile(r"^([A-Z]?\d{1,4}[A-Z]{0,2})\s+(.+?)\s+\1$")
_GAP_NUMBER = re.compile(r"^[A-Z]?\d{1,4}[A-Z]{0,2}\.?\s{4,}(?=\S)|\s{4,}[A-Z]?\d{1,4}[A-Z]{0,2}\.?$")
_BRACKETS = str.maketrans("()[]", "    ")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


@lru_cache(maxsize=8192)
def has_contd(raw: str) -> bool:
    """Does the cue say CONT'D (in any spelling)? Used to rejoin speeches split by a
    page break or interrupted only by page furniture."""
    for m in _PAREN.finditer(raw):
        inner = m.group(1) if m.group(1) is not None else m.group(2) or ""
        if _CONTD_WORD.search(inner):
            return True
    return bool(BARE_EXTENSION.search(raw.rstrip().rstrip(":^").rstrip()) and _CONTD_WORD.search(raw.split()[-1]))


def canonical_extension(ext: str) -> str | None:
    """Upper-case, single-spaced, common abbreviations spelled one way; None if empty."""
    ext = " ".join(ext.translate(_APOSTROPHES).translate(_BRACKETS).upper().split())
    ext = _SEPARATORS.sub("", ext)
    if not ext:
        return None
    for pattern, canonical in _CANONICAL:
        if pattern.match(ext):
            return canonical
    return ext


def _drop_contd(inner: str) -> str:
    """Extension text without its CONT'D part: "V.O., CONT'D" -> "V.O."."""
    if _CONTD.match(inner.strip()):
        return ""
    return _SEPARATORS.sub("", _CONTD_WORD.sub(" ", inner)).strip() if _CONTD_WORD.search(inner) else inner


def _strip_furniture(s: str) -> str:
    while True:
        before = s
        s = s.strip().lstrip("@").rstrip("^").rstrip(":").strip("*").strip()
        m = _BOTH_SIDES_NUMBER.match(s)
        s = _GAP_NUMBER.sub("", m.group(2) if m else s)
        if s == before:
            return s


@lru_cache(maxsize=8192)  # scripts repeat the same few cues thousands of times
def normalise_cue(raw: str) -> tuple[str, str | None]:
    """A cue as typed -> (speaker, extension): "John (V.O.) (CONT'D)" -> ("JOHN", "V.O.").

    Pure and total: any string gives a result, "" as speaker when there is no name
    (callers treat such a "cue" as not a cue).
    """
    s = _strip_furniture(raw.translate(_APOSTROPHES))
    extension: str | None = None
    inners: list[str] = []

    def take(m: re.Match[str]) -> str:
        inners.append(m.group(1) if m.group(1) is not None else m.group(2) or "")
        return " "

    name = _strip_furniture(_PAREN.sub(take, s))
    while (m := BARE_EXTENSION.search(name)) and m.start() > 0:
        inners.insert(0, m.group(1))
        name = _strip_furniture(name[: m.start()])
    for inner in inners:
        ext = canonical_extension(_drop_contd(inner))
        if ext:
            extension = ext
            break
    return " ".join(name.split()).upper(), extension

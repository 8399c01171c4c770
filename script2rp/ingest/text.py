"""Plain-text screenplays (IMSDb dumps, typed scripts) -> `TextForm`, plus the byte
decoding and line clean-up the other text-based readers share.

Line numbers are kept: line i of the form is line i of the file, counting lines the
way `data.split(b"\\n")` does, less the empty string after a final newline. So no line
is ever added or removed: a form feed is dropped inside its line, a stray CR in a file
that has LFs is dropped, and only a file with no LF at all (old Mac) splits on CR.
Indentation is layout, so tabs are expanded (`expandtabs(8)`), never deleted.

Decoding order: BOM, then strict UTF-8 (the common case), then for mostly-ASCII bytes
cp1252 (falling back to Latin-1 for the five bytes cp1252 leaves undefined).
charset-normalizer only decides text that is mostly non-ASCII (Cyrillic, Greek, CJK),
where its statistics work: on mostly-ASCII English it misfires (it calls a 20 kB cp1252
screenplay "mac_latin2", a short one "utf_16_le").
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from script2rp.errors import ScreenplayError
from script2rp.model import TextForm

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Codecs charset-normalizer may propose that only make sense for bytes with NULs.
_WIDE = ("utf_16", "utf_32")
_MOSTLY_ASCII = 0.2  # share of non-ASCII bytes below which text is taken as Western

# Spaces that are layout -> " "; invisible marks and control characters -> deleted.
# Line and record separators other than LF become spaces: the line count follows LF only.
_CLEAN = {c: " " for c in (0xA0, 0x2007, 0x202F, 0x3000, *range(0x2000, 0x200B))}
_CLEAN.update({c: " " for c in (0x0B, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029)})
_CLEAN.update({c: None for c in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0xAD, 0x7F)})
_CLEAN.update({c: None for c in [*range(0x00, 0x20), *range(0x80, 0xA0)] if c not in _CLEAN and c != 0x09})
_BLANK = " \t\r\n\f\v\x00\ufeff\u200b\xa0"
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CLEAN_KEEP_LF = {c: v for c, v in _CLEAN.items() if c != 0x0A}
_CONTROLS = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])  # what `_CONTROL` finds
_CONTROLS_NOT_TAB = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])  # ASCII that `_CLEAN` changes, LF aside


def _count_bytes(ascii_text: str, which: bytes) -> int:
    """How many of the characters `which` holds an ASCII text has (at C speed)."""
    data = ascii_text.encode("ascii")
    return len(data) - len(data.translate(None, which))


def read_bytes(path: str | os.PathLike) -> bytes:
    """The file's bytes; a missing, unreadable or empty file is a `ScreenplayError`."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ScreenplayError(str(path), "no such file") from None
    except IsADirectoryError:
        raise ScreenplayError(str(path), "is a directory, not a file") from None
    except OSError as e:
        raise ScreenplayError(str(path), f"cannot read: {e.strerror or e}") from None
    if not data.strip(b" \t\r\n\f\v\x00"):
        raise ScreenplayError(str(path), "empty file")
    return data


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM shows NULs in every other byte (ASCII-heavy text)."""
    if len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    for enc, nuls, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls > 0.3 * half and other < 0.01 * half:
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                return None
    return None


def _western(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode(data: bytes, source: str) -> str:
    """Bytes -> str, or `ScreenplayError` for empty or binary data."""
    text = _decode(data, source)
    if not text.strip(_BLANK):
        raise ScreenplayError(source, "empty file")
    head = text[:65536]
    controls = _count_bytes(head, _CONTROLS) if head.isascii() else len(_CONTROL.findall(head))
    if controls > 0.05 * min(len(text), 65536):
        raise ScreenplayError(source, "binary file (mostly control characters), not text")
    return text


def _decode(data: bytes, source: str) -> str:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                raise ScreenplayError(source, f"undecodable text (bad {enc} after its byte-order mark)") from None
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is None:
            raise ScreenplayError(source, "binary file (contains NUL bytes), not text")
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _guess(data)


def _guess(data: bytes) -> str:
    non_ascii = sum(b > 0x7F for b in data)
    if non_ascii < _MOSTLY_ASCII * len(data):
        return _western(data)
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding.startswith(_WIDE):
        return _western(data)
    return str(best)


def clean_line(line: str) -> str:
    """One line: layout spaces to " ", invisible and control characters (form feed
    included) removed, tabs expanded to 8 columns, trailing whitespace stripped."""
    line = line.translate(_CLEAN) if not line.isascii() or not line.isprintable() else line
    return line.expandtabs(8).rstrip()


def split_lines(text: str) -> list[str]:
    """Split on LF (CR only in a file with no LF) without adding or losing a line."""
    if "\n" in text:
        text = text.replace("\r", "")
    else:
        text = text.replace("\r", "\n")
    final_newline = text.endswith("\n")  # decided before deleting characters
    # `clean_line` on every line, done on the whole text at once (no character it maps or
    # deletes is a newline, none becomes one, and tab stops restart at every newline).
    if not text.isascii() or _count_bytes(text, _CONTROLS_NOT_TAB):
        text = text.translate(_CLEAN_KEEP_LF)
    if "\t" in text:
        text = text.expandtabs(8)
    lines = text.split("\n")
    if final_newline:
        lines.pop()  # a final newline ends the last line; it does not open a new one
    return list(map(str.rstrip, lines))


def from_bytes(data: bytes, source: str) -> TextForm:
    return TextForm(lines=split_lines(decode(data, source)), source=source, format="text")


def load(path: str | os.PathLike) -> TextForm:
    return from_bytes(read_bytes(path), str(path))

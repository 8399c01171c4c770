"""Any screenplay file -> `TextForm`: plain text, IMSDb HTML, PDF, Fountain, Final Draft.

`load` picks the reader from the file's content when it is telling (a PDF header, a
Final Draft XML root, HTML markup: a .txt saved from a browser is often HTML) and from
the suffix otherwise; text is the fallback. Bad input is a `ScreenplayError` whose
reason is one line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from script2rp.ingest.text import read_bytes
from script2rp.model import TextForm

__all__ = ["load", "sniff", "detect", "SUPPORTED_SUFFIXES"]

BY_SUFFIX = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".fountain": "fountain",
    ".spmd": "fountain",
    ".fdx": "fdx",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(BY_SUFFIX)

_HTML = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<pre[\s>]", re.IGNORECASE)
_LEADING = b"\xef\xbb\xbf \t\r\n\f"


def sniff(head: bytes) -> str | None:
    """The format the first bytes of a file prove, or None when they prove nothing."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: look at its ASCII characters
        head = head[: len(head) // 2 * 2].decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
    start = head.lstrip(_LEADING)
    if not start.startswith(b"<"):
        return None
    if b"<FinalDraft" in start:
        return "fdx"
    if _HTML.search(start):
        return "html"
    return None


def detect(path: str | os.PathLike, data: bytes) -> str:
    return sniff(data[:4096]) or BY_SUFFIX.get(Path(path).suffix.lower(), "text")


def load(path: str | os.PathLike) -> TextForm:
    """Read one screenplay file of any supported format."""
    data = read_bytes(path)
    kind = detect(path, data)
    source = str(path)
    if kind == "pdf":
        from script2rp.ingest import pdf

        return pdf.from_bytes(data, source)
    if kind == "fdx":
        from script2rp.ingest import fdx

        return fdx.parse_xml(data, source)
    if kind == "html":
        from script2rp.ingest import html

        return html.from_bytes(data, source)
    if kind == "fountain":
        from script2rp.ingest import fountain
        from script2rp.ingest.text import decode

        return fountain.parse_text(decode(data, source), source)
    from script2rp.ingest import text

    return text.from_bytes(data, source)

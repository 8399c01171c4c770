"""PDF screenplays -> `TextForm` via pdfplumber (the `[pdf]` extra), layout kept.

`extract_text(layout=True)` places characters on a grid: `x_density` points per column,
`y_density` points per row. Screenplays are set in 12 pt Courier, 10 characters per inch
(7.2 pt advance) and 6 lines per inch (12 pt), so x_density=7.2 and y_density=12 make
one grid cell one typewriter cell: columns count from the page's left edge, so a
standard page comes out with action at column 15 (1.5 in), dialogue 25, parentheticals
31, cues 37 and transitions about 60, the same columns as an IMSDb text file, and each
blank typed line stays one blank line. Pages are separated by a line holding a form
feed; trailing whitespace is stripped and blank rows above and below each page's text
are dropped.

An encrypted PDF opens when it needs no password to read (owner-restricted only);
one that needs a password, and one with no text layer (scanned pages), is a
`ScreenplayError`.
"""

from __future__ import annotations

import os

from script2rp.errors import MissingDependency, ScreenplayError
from script2rp.ingest.text import clean_line
from script2rp.model import TextForm

X_DENSITY = 7.2  # points per character column: Courier 12 pt, 10 cpi
Y_DENSITY = 12.0  # points per row: 6 lines per inch
PAGE_BREAK = "\f"


def _trim_page(text: str) -> list[str]:
    lines = [clean_line(ln) for ln in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    start = next((i for i, ln in enumerate(lines) if ln), len(lines))
    return lines[start:]


def join_pages(pages: list[list[str]]) -> list[str]:
    out: list[str] = []
    for k, page in enumerate(pages):
        if k:
            out.append(PAGE_BREAK)
        out.extend(page)
    return out


def load(path: str | os.PathLike) -> TextForm:
    try:
        import pdfplumber
        from pdfplumber.utils.exceptions import PdfminerException
    except ImportError:
        raise MissingDependency("PDF input", "pdf", "pdfplumber") from None
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    source = str(path)
    if not os.path.isfile(path):
        raise ScreenplayError(source, "no such file")
    try:
        with pdfplumber.open(path) as doc:
            pages = [
                _trim_page(p.extract_text(layout=True, x_density=X_DENSITY, y_density=Y_DENSITY) or "")
                for p in doc.pages
            ]
    except PdfminerException as e:
        cause = e.args[0] if e.args else e
        if isinstance(cause, PDFPasswordIncorrect) or "password" in str(cause).lower():
            raise ScreenplayError(source, "encrypted PDF (needs a password to open)") from None
        raise ScreenplayError(source, f"not a readable PDF ({cause or type(cause).__name__})") from None
    except Exception as e:  # pdfminer raises many kinds of errors on damaged files
        raise ScreenplayError(source, f"not a readable PDF ({type(e).__name__}: {e})") from None
    if sum(len(ln.strip()) for page in pages for ln in page) < 10:
        raise ScreenplayError(source, "no text layer (scanned or image-only PDF); run OCR first")
    return TextForm(lines=join_pages(pages), source=source, format="pdf")

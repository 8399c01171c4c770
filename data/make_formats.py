"""Regenerate the sample's other formats from `lighthouse.fountain` (the source of truth).

    .venv/bin/python data/make_formats.py

Writes lighthouse.fdx (Final Draft XML with styled runs and DualDialogue),
lighthouse.txt (IMSDb-style typed pages: page numbers, (MORE)/(CONT'D), CONTINUED),
lighthouse.html (an IMSDb-like page with the text in <pre>) and lighthouse.pdf
(fpdf2, Courier 12 pt on US letter). Run by hand and commit the output; needs the
`dev` extra for fpdf2.
"""

from __future__ import annotations

import html
import re
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from script2rp.ingest.fountain import emphasis_runs, parse_elements, strip_emphasis
from script2rp.ingest.layout import Element

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "lighthouse.fountain"

# Page geometry, in character cells of 12 pt Courier (10 per inch, 6 lines per inch),
# counted from the left edge of a US-letter page.
ACTION, DIALOGUE, PAREN, CUE, TRANSITION, RIGHT = 15, 25, 31, 37, 60, 72
WIDTH = {"action": 60, "dialogue": 35, "lyrics": 35, "parenthetical": 25, "centered": 60, "shot": 60, "note": 60}
COLUMN = {"character": CUE, "parenthetical": PAREN, "dialogue": DIALOGUE, "lyrics": DIALOGUE, "transition": TRANSITION}
BODY_ROWS = 55  # typed rows per page, before the bottom "(CONTINUED)"
CELL, ROW_PT, TOP_PT = 7.2, 12.0, 72.0


@dataclass
class Row:
    col: int
    text: str
    kind: str = "blank"


@dataclass
class Block:
    elements: list[Element]

    @property
    def kind(self) -> str:
        return self.elements[0].kind


def blocks_of(elements: list[Element]) -> list[Block]:
    out: list[Block] = []
    for el in elements:
        if el.kind in ("title_page", "page_marker"):
            continue
        if el.joined and out:
            out[-1].elements.append(el)
        else:
            out.append(Block([el]))
    return out


def rows_of(el: Element) -> list[Row]:
    text = strip_emphasis(el.text)
    if el.kind == "scene_heading":
        num = el.number or ""
        line = " " * 10 + num.ljust(5) + text.upper()
        return [Row(0, line.ljust(RIGHT - len(num)) + num if num else line, el.kind)]
    if el.kind == "centered":
        return [Row(ACTION + (60 - len(text)) // 2, text, el.kind)]
    col = COLUMN.get(el.kind, ACTION)
    width = WIDTH.get(el.kind, 60)
    wrapped = textwrap.wrap(text, width) or [""]
    indent = 1 if el.kind == "parenthetical" else 0  # wrapped parentheticals hang inside the "("
    return [Row(col + (indent if k else 0), ln, el.kind) for k, ln in enumerate(wrapped)]


def contd_cue(cue: str) -> str:
    return cue if "CONT'D" in cue else f"{cue} (CONT'D)"


def _cut(rows: list[Row], room: int) -> int:
    """Rows of a speech to keep on this page: end on a full sentence if one ends in reach,
    never on a parenthetical, and keep at least the cue and one line."""
    fits = [k for k in range(2, room + 1) if rows[k - 1].kind != "parenthetical"]
    sentences = [k for k in fits if rows[k - 1].text.endswith((".", "?", "!"))]
    return (sentences or fits or [2])[-1]


def paginate(blocks: list[Block]) -> list[list[Row]]:
    """Lay blocks on pages; a speech split by a page break gets (MORE) and NAME (CONT'D)."""
    pages: list[list[Row]] = [[]]

    def new_page(continued: bool) -> None:
        if continued:
            pages[-1] += [Row(0, ""), Row(TRANSITION, "(CONTINUED)", "furniture")]
        pages.append([Row(ACTION, "CONTINUED:", "furniture"), Row(0, "")] if continued else [])

    for bi, block in enumerate(blocks):
        rows = [r for el in block.elements for r in rows_of(el)]
        page = pages[-1]
        gap = [Row(0, "")] if page else []
        keep = 0
        if block.kind == "scene_heading" and bi + 1 < len(blocks):
            keep = 3  # a heading keeps two lines of what follows on its page
        if len(page) + len(gap) + len(rows) + keep <= BODY_ROWS:
            page += gap + rows
            continue
        room = BODY_ROWS - len(page) - len(gap) - 1  # one row for (MORE)
        if block.kind == "character" and room >= 3 and len(rows) - room >= 2:
            cut = _cut(rows, room)
            page += gap + rows[:cut] + [Row(CUE, "(MORE)", "furniture")]
            new_page(continued=True)
            pages[-1] += [Row(CUE, contd_cue(rows[0].text), "character")] + rows[cut:]
            continue
        new_page(continued=block.kind not in ("scene_heading", "transition"))
        pages[-1] += rows
    return pages


def title_rows(meta: dict[str, str]) -> list[Row]:
    lines = [meta.get("title", "").upper(), "", meta.get("credit", ""), "", meta.get("author", "")]
    return [Row(ACTION + (60 - len(t)) // 2, t, "title_page") for t in lines]


def typed_lines(meta: dict[str, str], pages: list[list[Row]]) -> list[tuple[str, str]]:
    """(line, kind) of the IMSDb-style text: title, then pages with numbers at their tops."""
    out = [("", "blank")] * 4 + [(" " * r.col + r.text if r.text else "", r.kind) for r in title_rows(meta)]
    out += [("", "blank")] * 6
    for n, page in enumerate(pages, start=1):
        if n > 1:
            out += [("", "blank"), (f"{n}.".rjust(RIGHT), "furniture"), ("", "blank")]
        out += [(" " * r.col + r.text if r.text else "", r.kind) for r in page]
        out += [("", "blank")] * 2
    return out


def write_txt(lines: list[tuple[str, str]], path: Path) -> None:
    path.write_text("\n".join(ln for ln, _ in lines) + "\n", encoding="utf-8")


def write_html(title: str, lines: list[tuple[str, str]], path: Path) -> None:
    body = []
    for ln, kind in lines:
        esc = html.escape(ln, quote=False)
        body.append(f"<b>{esc}</b>" if kind in ("character", "scene_heading") and ln else esc)
    page = (
        "<html>\n<head>\n"
        f"<title>{html.escape(title, quote=False)} Script at IMSDb.</title>\n"
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        "</head>\n<body topmargin=\"0\" bottommargin=\"0\" id=\"mainbody\">\n"
        '<table width="99%" border="0" cellspacing="0" cellpadding="0" class="body">\n'
        '<tr><td valign="top">Scripts &amp; screenplays &gt; Drama &amp; Sea</td></tr>\n'
        '<tr><td class="scrtext">\n<pre>\n' + "\n".join(body) + "\n</pre>\n"
        "</td></tr>\n</table>\n</body>\n</html>\n"
    )
    path.write_text(page, encoding="utf-8")


def write_pdf(meta: dict[str, str], pages: list[list[Row]], path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_font("Courier", size=12)
    pdf.set_title(meta.get("title", ""))
    pdf.set_creation_date(datetime(2025, 10, 1, tzinfo=UTC))  # reproducible bytes

    def put(col: float, row: float, text: str) -> None:
        pdf.text(col * CELL, TOP_PT + row * ROW_PT + 9, text)

    pdf.add_page()
    for k, r in enumerate(title_rows(meta)):
        if r.text:
            put(r.col, 18 + k, r.text)
    put(ACTION, 50, meta.get("draft date", ""))
    for n, page in enumerate(pages, start=1):
        pdf.add_page()
        if n > 1:
            put(RIGHT - len(f"{n}."), -3, f"{n}.")
        for k, r in enumerate(page):
            if r.text:
                put(r.col, k, r.text)
    pdf.output(str(path))


def _text_runs(parent: ET.Element, el: Element) -> None:
    runs = emphasis_runs(el.text)
    if el.kind == "character":  # Final Draft keeps a cue's extension as its own run
        m = re.match(r"(.*?)(\s*\(.*)$", runs[0][0]) if len(runs) == 1 else None
        runs = [(m.group(1), ""), (m.group(2), "")] if m else runs
    for text, style in runs:
        t = ET.SubElement(parent, "Text", {"Style": style} if style else {})
        t.text = text


FDX_TYPE = {
    "scene_heading": "Scene Heading", "action": "Action", "character": "Character", "dialogue": "Dialogue",
    "parenthetical": "Parenthetical", "transition": "Transition", "shot": "Shot", "lyrics": "Lyrics",
    "centered": "Action", "note": "General",
}


def _paragraph(el: Element) -> ET.Element:
    attrs = {"Type": FDX_TYPE[el.kind]}
    if el.kind == "centered":
        attrs["Alignment"] = "Center"
    if el.number:
        attrs["Number"] = el.number
    p = ET.Element("Paragraph", attrs)
    _text_runs(p, el)
    return p


def write_fdx(meta: dict[str, str], elements: list[Element], path: Path) -> None:
    root = ET.Element("FinalDraft", {"DocumentType": "Script", "Template": "No", "Version": "5"})
    content = ET.SubElement(root, "Content")
    blocks = blocks_of(elements)
    for k, block in enumerate(blocks):
        paras = [_paragraph(el) for el in block.elements]
        if block.elements[0].dual and k and blocks[k - 1].kind == "character":
            first = len(blocks[k - 1].elements)
            pair = ET.SubElement(content, "Paragraph")
            dd = ET.SubElement(pair, "DualDialogue")
            for p in list(content)[-(first + 1) : -1]:
                content.remove(p)
                dd.append(p)
            dd.extend(paras)
        else:
            content.extend(paras)
    title_page = ET.SubElement(ET.SubElement(root, "TitlePage"), "Content")
    for key in ("title", "credit", "author", "source", "draft date", "copyright"):
        if meta.get(key):
            p = ET.SubElement(title_page, "Paragraph", {"Alignment": "Center", "Type": "Action"})
            ET.SubElement(p, "Text").text = meta[key]
    ET.indent(root, space="  ")
    xml = ET.tostring(root, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n' + xml + "\n", encoding="utf-8")


def main() -> None:
    meta, elements = parse_elements(SOURCE.read_text(encoding="utf-8"), emphasis=True)
    pages = paginate(blocks_of(elements))
    lines = typed_lines(meta, pages)
    write_txt(lines, HERE / "lighthouse.txt")
    write_html(meta.get("title", ""), lines, HERE / "lighthouse.html")
    write_pdf(meta, pages, HERE / "lighthouse.pdf")
    write_fdx(meta, elements, HERE / "lighthouse.fdx")
    print(f"{len(pages)} pages; wrote lighthouse.txt .html .pdf .fdx in {HERE}")


if __name__ == "__main__":
    main()

"""PDF input: real PDFs written with fpdf2 (text, image-only, encrypted, damaged)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("pypdfium2")
fpdf = pytest.importorskip("fpdf")

from script2rp.errors import MissingDependency, ScreenplayError  # noqa: E402
from script2rp.ingest import load  # noqa: E402

PT_PER_INCH = 72
# (inches from the left edge of the page, text) on a Courier 12 pt page
PAGE_1 = [
    (1.5, "INT. LIGHTHOUSE - NIGHT"),
    (None, ""),
    (1.5, "Rain hammers the glass. The lamp turns."),
    (None, ""),
    (3.7, "MARA"),
    (3.1, "(quietly)"),
    (2.5, "The ledger never lies."),
    (None, ""),
    (6.0, "CUT TO:"),
]
PAGE_2 = [(7.2, "2."), (None, ""), (1.5, "EXT. GULL ROCK - DAWN"), (None, ""), (3.7, "TOBIAS"), (2.5, "Morning.")]


def make_pdf(path: Path, pages: list[list[tuple[float | None, str]]], **encryption) -> Path:
    pdf = fpdf.FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_font("Courier", size=12)
    if encryption:
        pdf.set_encryption(**encryption)
    for rows in pages:
        pdf.add_page()
        for k, (inch, text) in enumerate(rows):
            if inch is not None:
                pdf.text(inch * PT_PER_INCH, PT_PER_INCH + k * 12 + 9, text)
    pdf.output(str(path))
    return path


def indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def test_layout_columns_follow_the_page(tmp_path):
    f = load(make_pdf(tmp_path / "s.pdf", [PAGE_1, PAGE_2]))
    assert f.format == "pdf" and f.tags is None
    by_text = {ln.strip(): indent(ln) for ln in f.lines if ln.strip()}
    # 7.2 pt per column: one column per Courier character, counted from the page edge.
    assert by_text["INT. LIGHTHOUSE - NIGHT"] == 15
    assert by_text["The ledger never lies."] == 25
    assert by_text["(quietly)"] == 31
    assert by_text["MARA"] == 37
    assert by_text["CUT TO:"] == 60
    action = by_text["Rain hammers the glass. The lamp turns."]
    assert by_text["MARA"] > by_text["(quietly)"] > by_text["The ledger never lies."] > action


def test_pages_are_separated_by_a_form_feed_line_and_blank_rows_kept(tmp_path):
    f = load(make_pdf(tmp_path / "s.pdf", [PAGE_1, PAGE_2]))
    assert f.lines.count("\f") == 1
    page1 = f.lines[: f.lines.index("\f")]
    assert [ln.strip() for ln in page1] == [text for _, text in PAGE_1]
    assert all(ln == ln.rstrip() for ln in f.lines if ln != "\f")
    assert f.lines[f.lines.index("\f") + 1].strip() == "2."


def test_image_only_pdf_has_no_text_layer(tmp_path):
    from PIL import Image

    img = tmp_path / "scan.png"
    Image.new("RGB", (400, 500), "white").save(img)
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.image(str(img), x=10, y=10, w=180)
    pdf.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(ScreenplayError, match="no text layer") as e:
        load(tmp_path / "scan.pdf")
    assert e.value.path == str(tmp_path / "scan.pdf") and "OCR" in e.value.reason


def test_password_protected_pdf_is_refused(tmp_path):
    p = make_pdf(tmp_path / "locked.pdf", [PAGE_1], owner_password="owner", user_password="secret")
    with pytest.raises(ScreenplayError, match="encrypted") as e:
        load(p)
    assert e.value.path == str(p)


def test_owner_only_encryption_still_reads(tmp_path):
    p = make_pdf(tmp_path / "restricted.pdf", [PAGE_1], owner_password="owner")
    assert any("MARA" in ln for ln in load(p).lines)


def test_damaged_pdf(tmp_path):
    p = tmp_path / "bad.pdf"
    p.write_bytes(b"%PDF-1.4\n1 0 obj garbage\n")
    with pytest.raises(ScreenplayError, match="not a readable PDF"):
        load(p)


def test_pdf_named_txt_is_detected(tmp_path):
    p = make_pdf(tmp_path / "script.txt", [PAGE_1])
    assert load(p).format == "pdf"


def test_missing_pypdfium2_names_the_extra(tmp_path, monkeypatch):
    p = make_pdf(tmp_path / "s.pdf", [PAGE_1])
    monkeypatch.setitem(sys.modules, "pypdfium2", None)  # as if the extra were not installed
    with pytest.raises(MissingDependency, match=r"script2rp\[pdf\]"):
        load(p)

"""Ingest: text decoding and clean-up, HTML, format detection, bad input, the bundled sample."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from script2rp.errors import ScreenplayError
from script2rp.ingest import SUPPORTED_SUFFIXES, detect, load
from script2rp.ingest.text import decode, split_lines

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
BENCH = REPO.parent / "shared" / "bench" / "sail-dev" / "screenplays"

SCRIPT = (
    "INT. CAF\u00c9 - NIGHT\n"
    "\n"
    "                    JOS\u00c9\n"
    "          \u201cIt\u2019s the r\u00e9sum\u00e9,\u201d she said \u2014 "
    "caf\u00e9 cr\u00e8me.\n"
)
LATIN1_SCRIPT = (
    "INT. CAF\u00c9 - NIGHT\n\n                    JOS\u00c9\n"
    "          Le r\u00e9sum\u00e9, cr\u00e8me br\u00fbl\u00e9e.\n"
)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


# --- encodings ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"])
def test_encodings_decode_to_the_same_lines(tmp_path, encoding):
    f = load(write(tmp_path, "s.txt", SCRIPT.encode(encoding)))
    assert f.lines == SCRIPT.splitlines()
    assert f.format == "text"


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-8"])
def test_latin1_text(tmp_path, encoding):
    assert load(write(tmp_path, "s.txt", LATIN1_SCRIPT.encode(encoding))).lines == LATIN1_SCRIPT.splitlines()


def test_short_cp1252_text_is_not_misread():
    # charset-normalizer alone calls these 10 bytes UTF-16.
    assert decode("JOS\u00c9 caf\u00e9\n".encode("cp1252"), "x") == "JOS\u00c9 caf\u00e9\n"


def test_mostly_non_ascii_text_uses_charset_detection():
    ru = "\u041f\u0440\u0438\u0432\u0435\u0442, \u043a\u0430\u043a \u0434\u0435\u043b\u0430? " * 20 + "\n"
    assert decode(ru.encode("cp1251"), "x") == ru


# --- line clean-up keeps the line count -----------------------------------------------------


def test_crlf_tabs_nbsp_zero_width_and_form_feed():
    raw = "A\r\n\tB\r\n\fPAGE 2\r\nC\u00a0D\u200b\ufeff\r\n\x0c\r\nlast"
    assert split_lines(raw) == ["A", "        B", "PAGE 2", "C D", "", "last"]


def test_line_count_is_newline_count_plus_unterminated_last_line():
    assert split_lines("a\nb\n") == ["a", "b"]
    assert split_lines("a\nb") == ["a", "b"]
    assert split_lines("a\n\n") == ["a", ""]
    assert split_lines("a\r\r\nb\n") == ["a", "b"]  # stray CR in an LF file: dropped, not a line
    assert split_lines("a\rb\r") == ["a", "b"]  # CR-only (old Mac) file
    assert split_lines("a\u2028b\x85c\x0bd\n") == ["a b c d"]  # splitlines() would make four


def test_tab_expansion_is_column_aware():
    assert split_lines("ab\tc\n") == ["ab      c"]


@pytest.mark.skipif(not BENCH.is_dir(), reason="benchmark screenplays (../shared/bench) not present")
def test_bench_files_keep_their_line_count():
    files = sorted(BENCH.glob("*.txt"))
    assert len(files) == 13
    for p in files:
        raw = p.read_bytes()
        expected = len(raw.split(b"\n")) - raw.endswith(b"\n")
        form = load(p)
        assert len(form.lines) == expected, p.name
        assert not any("\t" in ln or "\r" in ln for ln in form.lines)


# --- HTML -----------------------------------------------------------------------------------

PAGE = """<html><head><title>Ledger Script at IMSDb.</title><style>pre { x: 1 }</style></head>
<body><table><tr><td><pre>nav &amp; menu</pre></td></tr><tr><td class="scrtext"><pre>
<b>          INT. SALT &amp; TALLOW - NIGHT</b>

          Rain &lt;hammers&gt; the glass &#8212; &quot;hard&quot;.

<b>                              MARA</b>
                    Fish&nbsp;&amp; chips.
</pre></td></tr></table></body></html>"""


def test_html_largest_pre_tags_stripped_entities_unescaped(tmp_path):
    f = load(write(tmp_path, "s.html", PAGE))
    assert f.format == "html" and f.title == "Ledger"
    assert f.lines == [
        "          INT. SALT & TALLOW - NIGHT",
        "",
        '          Rain <hammers> the glass \u2014 "hard".',
        "",
        "                              MARA",
        "                    Fish & chips.",
    ]


def test_html_without_pre_uses_body_text(tmp_path):
    f = load(write(tmp_path, "s.htm", "<html><body><p>INT. HOUSE - DAY</p><p>He sits.<br>He waits.</p></body></html>"))
    assert [ln for ln in f.lines if ln] == ["INT. HOUSE - DAY", "He sits.", "He waits."]


def test_html_with_no_text_is_an_error(tmp_path):
    with pytest.raises(ScreenplayError, match="no script text"):
        load(write(tmp_path, "s.html", "<html><body><pre>   </pre></body></html>"))


# --- detection by content ------------------------------------------------------------------


def test_txt_that_is_html_is_read_as_html(tmp_path):
    f = load(write(tmp_path, "script.txt", "\n\n<!DOCTYPE html>\n" + PAGE))
    assert f.format == "html" and "MARA" in f.lines[4]


def test_detection_by_content_and_suffix(tmp_path):
    fdx = b'<?xml version="1.0"?>\n<FinalDraft DocumentType="Script"><Content/></FinalDraft>'
    assert detect("noext", fdx) == "fdx"
    assert detect("x.txt", b"%PDF-1.7\n...") == "pdf"
    assert detect("x.fountain", b"Title: X\n") == "fountain"
    assert detect("x.SPMD", b"INT. X\n") == "fountain"
    assert detect("x.htm", b"just text") == "html"
    assert detect("x", b"INT. HOUSE - DAY\n") == "text"
    assert detect("x.txt", "\n<html><pre>x</pre>".encode("utf-16")) == "html"
    assert SUPPORTED_SUFFIXES == {".txt", ".text", ".html", ".htm", ".pdf", ".fountain", ".spmd", ".fdx"}


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b" \n\r\n\t\n", "empty file"),
        ("bom.txt", b"\xef\xbb\xbf\n", "empty file"),
        ("utf16.txt", "\n \n".encode("utf-16"), "empty file"),
        ("nul.txt", b"INT. HOUSE\x00\x00\x01\x02 - DAY\x00\n" * 3, "binary file"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
        ("controls.txt", bytes(range(1, 9)) * 50, "binary file"),
        ("empty.fountain", b"", "empty file"),
        ("empty.pdf", b"", "empty file"),
    ],
)
def test_bad_input_names_the_path(tmp_path, name, data, reason):
    p = write(tmp_path, name, data)
    with pytest.raises(ScreenplayError, match=reason) as e:
        load(p)
    assert e.value.path == str(p) and str(e.value).startswith(str(p))
    assert "\n" not in str(e.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ScreenplayError, match="no such file"):
        load(tmp_path / "nope.txt")
    with pytest.raises(ScreenplayError, match="directory"):
        load(tmp_path)


# --- the bundled sample in all five formats -------------------------------------------------


@pytest.mark.parametrize("suffix", [".fountain", ".fdx", ".txt", ".html", ".pdf"])
def test_sample_loads_in_every_format(suffix):
    f = load(DATA / f"lighthouse{suffix}")
    assert f.format == {".txt": "text"}.get(suffix, suffix[1:])
    text = "\n".join(f.lines)
    for cue in ("MARA", "TOBIAS", "FERRYMAN", "DOYLE (V.O.)", "NESS (V.O.)", "MARA (O.S.)", "MARA (CONT'D)"):
        assert cue in text, (suffix, cue)
    assert "CUT TO:" in text and "EXT. GULL ROCK - LANDING STAGE - DAY" in text


def _body(f):
    start = f.tags.index("scene_heading")
    return f.lines[start:], f.tags[start:], {i - start for i in f.dual}


def test_sample_fountain_and_fdx_render_the_same_body():
    fountain, fdx = load(DATA / "lighthouse.fountain"), load(DATA / "lighthouse.fdx")
    assert _body(fountain) == _body(fdx)
    assert fountain.title == fdx.title == "The Lighthouse Keeper's Ledger"
    lines, tags, dual = _body(fountain)
    assert len(dual) == 1 and lines[next(iter(dual))].strip() == "TOBIAS"
    cues = [ln.strip().split(" (")[0] for ln, t in zip(lines, tags) if t == "character"]
    assert cues.count("MARA") >= 15 and cues.count("TOBIAS") >= 15 and cues.count("FERRYMAN") == 1
    assert {"parenthetical", "lyrics", "transition", "centered"} <= set(tags)


def test_sample_typed_formats_agree_and_break_a_speech_across_pages():
    txt, html, pdf = (load(DATA / f"lighthouse.{s}") for s in ("txt", "html", "pdf"))
    assert html.lines == txt.lines
    assert any(ln.strip() == "(MORE)" for ln in txt.lines)
    assert any(ln.strip() == "2." for ln in txt.lines) and any(ln.strip() == "CONTINUED:" for ln in txt.lines)

    def from_first_heading(lines):
        body = [ln for ln in lines if ln.strip()]
        return body[next(i for i, ln in enumerate(body) if "EXT. THE SOUND" in ln) :]

    def without_scene_numbers(line):  # the PDF reader drops margin marks: "  1    EXT. ...   1"
        m = re.match(r"^(\s*)(\d+[A-Z]?)(\s+\S.*?)\s+\2$", line)
        return m.group(1) + " " * len(m.group(2)) + m.group(3) if m else line

    # The PDF comes back on the same character grid as the typed text, columns and all.
    assert from_first_heading(pdf.lines) == from_first_heading([without_scene_numbers(ln) for ln in txt.lines])
    assert pdf.lines.count("\f") == 6  # title page + six script pages

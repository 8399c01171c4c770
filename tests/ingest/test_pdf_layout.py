"""PDF page geometry: what the word positions prove, on small original PDFs written with
fpdf2 at test time (Courier 12 pt on US letter, rows of 12 pt, columns of 7.2 pt as a
screenwriting app sets them): title page, side-by-side dual dialogue, centred display
text, running headers and footers, revision marks and scene numbers, a wrapped heading,
right-aligned transitions, slug lines spaced like headings, watermarks and italics, and
PDFium's joined line-end hyphens."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pypdfium2")
fpdf = pytest.importorskip("fpdf")

from script2rp.ingest import load  # noqa: E402
from script2rp.parse import parse_file  # noqa: E402

CELL, ROW, TOP = 7.2, 12.0, 72.0
PAGE_MIDDLE = 306.0  # US letter, 8.5 in

Row = tuple[float, float, str]  # (row, column, text): row 0 is one inch from the top

ACTION = [  # long action rows: they give the script's action column and right edge
    "Fog rolls over the bridge as the car crawls north with its",
    "lights off, wipers beating against the thick grey morning.",
]


def centred(row: float, text: str, middle: float = PAGE_MIDDLE) -> Row:
    return (row, (middle - len(text) * CELL / 2) / CELL, text)


def right_aligned(row: float, text: str, end: int = 72) -> Row:
    return (row, end - len(text), text)


def make_pdf(path: Path, pages: list[list[Row]], draw=None) -> Path:
    pdf = fpdf.FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_font("Courier", size=12)
    for rows in pages:
        pdf.add_page()
        for row, col, text in rows:
            pdf.text(col * CELL, TOP + row * ROW, text)
        if draw is not None:
            draw(pdf)
    pdf.output(str(path))
    return path


def hinted(form, kind: str) -> list[str]:
    return [" ".join(form.lines[i].split()) for i, k in sorted(form.hints.items()) if k == kind]


def speeches(path: Path) -> list[tuple[str, str, list[str], bool]]:
    sp = parse_file(path, min_scene_lines=0)
    return [(d.speaker, d.text, d.parentheticals, d.dual) for s in sp.scenes for d in s.dialogues]


TITLE_PAGE = [centred(20, "THE LEDGER"), centred(23, "written by"), centred(25, "Ann Writer"), (50, 10, "ann@example.org")]
OPENING = [
    (0, 15, "FADE IN:"),
    (2, 15, "INT. LIGHTHOUSE - NIGHT"),
    (4, 15, ACTION[0]),
    (5, 15, ACTION[1]),
    (7, 37, "MARA"),
    (8, 25, "The ledger never lies."),
    (10, 37, "TOBIAS"),
    (11, 31, "(quietly)"),
    (12, 25, "It does today."),
]


def test_title_page_is_hinted_up_to_the_script(tmp_path):
    p = make_pdf(tmp_path / "s.pdf", [TITLE_PAGE, OPENING])
    f = load(p)
    assert hinted(f, "title_page") == ["THE LEDGER", "written by", "Ann Writer", "ann@example.org"]
    sp = parse_file(p, min_scene_lines=0)
    assert "THE LEDGER" in sp.front_matter
    assert [c.name for c in sp.characters] == ["MARA", "TOBIAS"]


def test_title_on_the_first_page_of_the_script(tmp_path):
    rows = [centred(0, "THE LEDGER"), centred(2, "by"), centred(3, "Ann Writer")] + [(r + 6, c, t) for r, c, t in OPENING]
    f = load(make_pdf(tmp_path / "s.pdf", [rows]))
    assert hinted(f, "title_page") == ["THE LEDGER", "by", "Ann Writer"]
    assert not any(f.hints.get(i) for i, ln in enumerate(f.lines) if "FADE IN" in ln or "MARA" in ln)


def test_centred_title_lines_at_the_cue_column_are_not_a_cue(tmp_path):
    # the title starts where the script's cues do, with a longer centred line under it
    title = [(20, 36, "BREAKING BAD"), centred(21, "FINAL PRODUCTION DRAFT"), centred(24, "written by")]
    cues = [(r, c, t) for r, c, t in OPENING if r > 2] + [(14, 36, "JESSE"), (15, 25, "Yo.")]
    f = load(make_pdf(tmp_path / "s.pdf", [title, [(0, 15, "INT. RV - DAY"), *cues]]))
    assert hinted(f, "title_page") == ["BREAKING BAD", "FINAL PRODUCTION DRAFT", "written by"]


def test_a_first_page_without_a_centred_title_is_not_a_title_page(tmp_path):
    assert load(make_pdf(tmp_path / "s.pdf", [OPENING])).hints == {}


DUAL = [
    (0, 15, "INT. CAR - DAY"),
    (2, 15, ACTION[0]),
    (3, 15, ACTION[1]),
    (5, 22, "DIRK"),
    (5, 55, "TODD"),
    (6, 15, "Ring the bell!"),
    (6, 47, "What the hell?"),
    (7, 15, "Ring it now."),
    (7, 48, "(turning)"),
    (8, 47, "Why?"),
    (10, 15, "They stop. The engine ticks over."),
]


def test_side_by_side_dual_dialogue_becomes_two_speeches(tmp_path):
    p = make_pdf(tmp_path / "s.pdf", [DUAL])
    f = load(p)
    body = [(f.hints.get(i), ln.strip()) for i, ln in enumerate(f.lines) if ln.strip()]
    assert body[3:10] == [
        ("character", "DIRK"),
        ("dialogue", "Ring the bell!"),
        ("dialogue", "Ring it now."),
        ("character", "TODD"),
        ("dialogue", "What the hell?"),
        ("parenthetical", "(turning)"),
        ("dialogue", "Why?"),
    ]
    assert [f.lines[i].strip() for i in f.dual] == ["TODD"]
    assert speeches(p) == [
        ("DIRK", "Ring the bell! Ring it now.", [], True),
        ("TODD", "What the hell? Why?", ["turning"], True),
    ]


def test_centred_display_text_is_never_a_cue(tmp_path):
    rows = [*OPENING, centred(15, "THE STREETS OF"), centred(16, "LOS ANGELES"), (18, 15, "Sirens, far off.")]
    p = make_pdf(tmp_path / "s.pdf", [rows])
    assert hinted(load(p), "centered") == ["THE STREETS OF", "LOS ANGELES"]
    assert {s[0] for s in speeches(p)} == {"MARA", "TOBIAS"}


def test_centred_row_inside_a_speech_is_not_display_text(tmp_path):
    # a wrapped parenthetical whose second row happens to sit on the page's middle
    rows = [*OPENING, (14, 37, "MARA"), (15, 31, "(looks around, then"), centred(16, "whispers)"), (17, 25, "Is it working?")]
    assert hinted(load(make_pdf(tmp_path / "s.pdf", [rows])), "centered") == []


SCENES = [  # (place, action, cue, parenthetical, speech): a different scene on each page
    ("NET LOFT", "Rain on the slates. The lamp gutters and goes out.", "MARA", "(quietly)", "The ledger never lies."),
    ("QUAY", "Gulls fight over a fish head on the wet stones.", "TOBIAS", "(shouting)", "Cast off!"),
    ("CHANDLERY", "Ropes hang from every beam, tarred and coiled.", "NESS", "(counting)", "Three fathoms."),
    ("SEA WALL", "Spray bursts over the wall and soaks them both.", "FERRYMAN", "(laughing)", "Not in this swell."),
    ("KITCHEN", "A kettle screams on the range. Nobody moves.", "DOYLE", "(to himself)", "Later."),
]


def page_body(n: int, top: int = 2) -> list[Row]:
    place, action, cue, paren, speech = SCENES[n - 1]
    return [(top, 15, f"INT. {place} - NIGHT"), (top + 2, 15, action), (top + 4, 37, cue), (top + 5, 31, paren),
            (top + 6, 25, speech), (top + 8, 37, "MARA" if cue != "MARA" else "NESS"), (top + 9, 25, f"{place.title()}?")]


def test_running_header_and_footer_with_page_numbers(tmp_path):
    pages = [[(-3, 15, "A LEGAL MIND"), (-3, 70, f"{n}."), *page_body(n), (56, 15, f"Blue Rev. (05/0{n}/2024)")]
             for n in range(1, 6)]
    p = make_pdf(tmp_path / "s.pdf", pages)
    f = load(p)
    markers = hinted(f, "page_marker")
    assert markers == [m for n in range(1, 6) for m in (f"A LEGAL MIND {n}.", f"Blue Rev. (05/0{n}/2024)")]
    assert f.lines.count("\f") == 4
    sp = parse_file(p, min_scene_lines=0)
    text = " ".join(e.text for s in sp.scenes for e in s.elements)
    assert "LEGAL" not in text and "Blue" not in text
    assert [s.heading for s in sp.scenes] == [f"INT. {place} - NIGHT" for place, *_ in SCENES]
    assert all(len(s.dialogues) == 2 for s in sp.scenes)


def test_a_constant_header_on_every_page_inside_the_text_area(tmp_path):
    pages = [[(0, 15, "LEDGER SHOOTING SCRIPT - GREEN AMENDED 18/04/10"), *page_body(n)] for n in range(1, 6)]
    f = load(make_pdf(tmp_path / "s.pdf", pages))
    assert hinted(f, "page_marker") == ["LEDGER SHOOTING SCRIPT - GREEN AMENDED 18/04/10"] * 5


def test_revision_marks_and_scene_numbers_leave_the_text(tmp_path):
    rows = [
        (0, 8, "12"), (0, 15, "INT. LIGHTHOUSE - NIGHT"), (0, 70, "12"),
        (2, 15, ACTION[0]), (2, 76, "*"),
        (3, 15, "Too many gulls to count."), (3, 76, "*"),
        (5, 37, "MARA"), (5, 76, "**"),
        (6, 25, "The ledger never lies."), (6, 76, "*"),
        (8, 8, "12A"), (8, 15, "EXT. GULL ROCK - DAWN"), (8, 70, "12A"),
        (10, 76, "*"),
    ]
    f = load(make_pdf(tmp_path / "s.pdf", [rows]))
    body = [ln.strip() for ln in f.lines if ln.strip()]
    assert body == ["INT. LIGHTHOUSE - NIGHT", ACTION[0], "Too many gulls to count.", "MARA",
                    "The ledger never lies.", "EXT. GULL ROCK - DAWN"]
    assert f.lines[0] == " " * 15 + "INT. LIGHTHOUSE - NIGHT"


def test_a_wrapped_heading_is_one_line(tmp_path):
    rows = [
        (0, 15, "INT. CAR, NORTHBOUND ON THE GOLDEN GATE BRIDGE, MINUTES"),
        (1, 15, "LATER"),
        (3, 15, ACTION[0]),
        (4, 15, ACTION[1]),
        (6, 37, "MARA"),
        (7, 25, "Slow down."),
        (9, 15, "INT. TOLL BOOTH - CONTINUOUS"),
        (10, 15, "A hand takes the coin."),  # no heading: not joined
    ]
    p = make_pdf(tmp_path / "s.pdf", [rows])
    assert load(p).lines[0].strip() == "INT. CAR, NORTHBOUND ON THE GOLDEN GATE BRIDGE, MINUTES LATER"
    sp = parse_file(p, min_scene_lines=0)
    assert [s.heading for s in sp.scenes] == [
        "INT. CAR, NORTHBOUND ON THE GOLDEN GATE BRIDGE, MINUTES LATER",
        "INT. TOLL BOOTH - CONTINUOUS",
    ]


def test_right_aligned_transitions(tmp_path):
    rows = [
        *OPENING,
        right_aligned(14, "CUT TO:"),
        (16, 15, "INT. CELLAR - NIGHT"),
        (18, 15, ACTION[0]),
        right_aligned(19, "DISSOLVE TO:"),
        right_aligned(20, "CUT TO:"),
        (22, 15, "EXT. QUAY - DAY"),
        (24, 37, "MARA"),
        (25, 25, "Gone."),
        right_aligned(26, "CUT TO: KNIVES"),
        right_aligned(27, "CLATTERING DOWN"),
        (29, 15, "INT. KITCHEN - DAY"),
    ]
    p = make_pdf(tmp_path / "s.pdf", [rows])
    assert hinted(load(p), "transition") == ["CUT TO:", "DISSOLVE TO:", "CUT TO:", "CUT TO: KNIVES", "CLATTERING DOWN"]
    assert ("MARA", "Gone.", [], False) in speeches(p)


def test_slug_lines_spaced_like_scene_headings(tmp_path):
    rows: list[Row] = []
    row = 0
    for heading in ["INT. A - DAY", "INT. B - DAY", "EXT. C - DAY", "INT. D - DAY", "EXT. E - DAY", "INT. F - DAY",
                    "FROM CASEY'S CAMERA.", "INT. G - NIGHT"]:
        rows += [(row, 15, heading), (row + 2, 15, "Rain on the roof,"), (row + 3, 15, "on the road."), (row + 5, 15, "MORE RAIN.")]
        row += 8  # two blank rows before each heading, one between action paragraphs
    f = load(make_pdf(tmp_path / "s.pdf", [rows]))
    assert hinted(f, "scene_heading") == ["FROM CASEY'S CAMERA."]


def test_turned_watermark_skipped_slanted_text_kept_and_joined_hyphens_split(tmp_path):
    def draw(pdf):
        with pdf.rotation(45, 300, 400):
            pdf.text(200, 400, "CONFIDENTIAL COPY")
        with pdf.skew(ax=12, x=15 * CELL, y=TOP + 10 * ROW):
            pdf.text(15 * CELL, TOP + 10 * ROW, "Slanted words stay.")

    rows = [(0, 15, "INT. ROOM - DAY"), (2, 37, "ANDREW"), (3, 25, "Getting ready for school-"),
            (4, 37, "MR. DETMER"), (5, 25, "Open the door.")]
    f = load(make_pdf(tmp_path / "s.pdf", [rows], draw))
    body = [ln.strip() for ln in f.lines if ln.strip()]
    # PDFium joins "school-" to the next row's word; the words go back to their rows.
    assert body == ["INT. ROOM - DAY", "ANDREW", "Getting ready for school-", "MR. DETMER", "Open the door.",
                    "Slanted words stay."]


def test_a_line_end_hyphen_is_the_writers(tmp_path):
    # screenwriting software wraps after a hyphen, it never splits a word with one
    rows = [(0, 15, "INT. KITCHEN - NIGHT"), (2, 15, "The kettle starts its high-"), (3, 15, "pitched whistle."),
            (5, 37, "MARA"), (6, 25, "Call your brother-in-"), (7, 25, "law, the so-called"),
            (8, 25, "expert. He was-"), (9, 25, "well, he tried."),
            (11, 37, "TOBIAS"), (12, 25, "Twenty-"), (13, 25, "three years ago."),
            (15, 37, "MARA"), (16, 25, "I said no- no-"), (17, 25, "never."),
            (19, 37, "TOBIAS"), (20, 25, "The old fish took a hundred-"), (21, 25, "dollar lure off every man in"),
            (22, 25, "the county.")]  # full rows: they stay speech
    p = make_pdf(tmp_path / "s.pdf", [rows])
    body = [ln.strip() for ln in load(p).lines if ln.strip()]
    # the rows keep their words (the tagger reads their widths); the hyphen is marked
    assert body[1:3] == ["The kettle starts its high\u2010", "pitched whistle."]
    assert body[9:11] == ["Twenty\u2010", "three years ago."]
    assert body[12] == "I said no- no\u2010"
    assert speeches(p) == [
        ("MARA", "Call your brother-in-law, the so-called expert. He was-well, he tried.", [], False),
        ("TOBIAS", "Twenty-three years ago.", [], False),
        ("MARA", "I said no- no-never.", [], False),
        ("TOBIAS", "The old fish took a hundred-dollar lure off every man in the county.", [], False),
    ]
    sp = parse_file(p, min_scene_lines=0)
    assert sp.scenes[0].elements[0].text == "The kettle starts its high-pitched whistle."


def test_space_after_a_transition_proves_no_slug_line(tmp_path):
    # headings get two blank rows before them, and so does every row after a transition:
    # a capitalised row under CUT TO: is a heading by its spacing only in a script that
    # writes such slug lines elsewhere too
    rows: list[Row] = []
    row = 0
    for heading in ["INT. A - DAY", "INT. B - DAY", "EXT. C - DAY", "INT. D - DAY", "EXT. E - DAY", "INT. F - DAY"]:
        rows += [(row, 15, heading), (row + 2, 15, "Rain on the roof,"), (row + 3, 15, "on the road.")]
        row += 6
    rows += [right_aligned(row - 1, "CUT TO:"), (row + 2, 15, "THE LANTERN ON THE HOOK"),
             (row + 4, 15, "It swings in the wind.")]
    f = load(make_pdf(tmp_path / "s.pdf", [rows]))
    assert hinted(f, "scene_heading") == []
    rows += [(row + 7, 15, "BY THE WELL"), (row + 9, 15, "A bucket, a rope.")]  # a slug line away from transitions
    f = load(make_pdf(tmp_path / "t.pdf", [rows]))
    assert hinted(f, "scene_heading") == ["THE LANTERN ON THE HOOK", "BY THE WELL"]


def test_a_long_notice_on_the_title_page_stays_title_page(tmp_path):
    notice = [(40, 13, "All rights reserved. No part of this script may be copied, sold"),
              (41, 13, "or passed on in any form without the written consent of its owner."),
              (42, 13, "Return this copy to the production office when you are done.")]
    p = make_pdf(tmp_path / "s.pdf", [TITLE_PAGE + notice, OPENING])
    f = load(p)
    assert hinted(f, "title_page")[3:6] == [t for _, _, t in notice]
    from script2rp.parse import tag

    kinds = {t.text.strip(): t.type for t in tag(f) if t.text.strip()}
    assert kinds[notice[0][2]] == kinds[notice[2][2]] == "title_page"
    sp = parse_file(p, min_scene_lines=0)
    assert notice[0][2] in sp.front_matter
    assert not any("rights" in getattr(e, "text", "") for s in sp.scenes for e in s.elements)


def test_a_slug_line_opening_a_page_has_no_space_before_it(tmp_path):
    page1: list[Row] = []
    row = 0
    for heading in ["INT. A - DAY", "INT. B - DAY", "EXT. C - DAY", "INT. D - DAY", "EXT. E - DAY", "INT. F - DAY",
                    "FROM THE ROOF."]:
        page1 += [(row, 15, heading), (row + 2, 15, "Rain on the roof,"), (row + 3, 15, "on the road.")]
        row += 6  # two blank rows before each heading, one after it
    page2 = [(0, 15, "FROM THE BELL TOWER."), (2, 15, "The square below, empty.")]
    page3 = [(0, 15, "THE BELL RINGS, LOUD AS A CANNON, AND"), (1, 15, "pigeons scatter.")]  # a caps row run on
    f = load(make_pdf(tmp_path / "s.pdf", [page1, page2, page3]))
    assert hinted(f, "scene_heading") == ["FROM THE ROOF.", "FROM THE BELL TOWER."]


def test_dual_dialogue_halves_one_space_apart_are_split_at_the_right_column(tmp_path):
    rows = [
        (0, 15, "INT. CAR - DAY"), (2, 15, ACTION[0]), (3, 15, ACTION[1]),
        (5, 22, "DIRK"), (5, 55, "TODD"),
        (6, 15, "Ring the bell!"), (6, 47, "What the hell?"),
        (7, 15, "Ring it right now or I'll ring"), (7, 47, "Why me?"),  # two columns apart: no layout gap
        (9, 15, "They stop. The engine ticks over."),
    ]
    assert speeches(make_pdf(tmp_path / "s.pdf", [rows])) == [
        ("DIRK", "Ring the bell! Ring it right now or I'll ring", [], True),
        ("TODD", "What the hell? Why me?", [], True),
    ]

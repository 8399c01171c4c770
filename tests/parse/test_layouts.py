"""The tagger reads each script's own layout (issue 12) and the text layouts of issue 13.

Every snippet is original, written for these tests: one short scene typed in many
layouts, and small pieces for each class the issues name. `typed()` renders the scene in
a layout and returns the lines with the tag each must get.
"""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from script2rp.model import TextForm
from script2rp.parse import form_tags, parse_form, tag_lines
from script2rp.parse.lines import Lines
from script2rp.parse.profile import learn

SCENE = [
    ("heading", "INT. SIGNAL BOX - NIGHT"),
    ("action", "Rain hammers the small windows. ADA, sixty, works the levers while BEN, twenty, watches the board "
               "with his coat still on."),
    ("cue", "ADA"),
    ("dialogue", "The nine-forty is late again. Third time this week, and the week is only two days old."),
    ("cue", "BEN"),
    ("paren", "(checking the clock)"),
    ("dialogue", "Eleven minutes. That must be a record for a Tuesday."),
    ("action", "A bell rings twice somewhere below them. Ada pulls the third lever all the way back."),
    ("cue", "ADA"),
    ("dialogue", "Write it in the book. Every minute of it, in ink, with the time you noticed."),
    ("cue", "BEN"),
    ("dialogue", "Nobody reads the book."),
    ("cue", "ADA"),
    ("dialogue", "I read the book. Every night before I go home."),
    ("transition", "CUT TO:"),
    ("heading", "EXT. PLATFORM - CONTINUOUS"),
    ("action", "The train slides in, steaming. A CONDUCTOR leans out of the last carriage and shouts up at the box."),
    ("cue", "CONDUCTOR"),
    ("dialogue", "Signal was red for ten minutes, missus! We sat there like lemons!"),
    ("cue", "ADA"),
    ("paren", "(calling down)"),
    ("dialogue", "Then you stopped, which is the whole point of red."),
    ("cue", "BEN"),
    ("dialogue", "She has an answer for everything. You learn to stop asking."),
    ("action", "The conductor laughs despite himself and waves the train on into the dark."),
    ("cue", "CONDUCTOR"),
    ("dialogue", "Tell her she owes me a tea."),
    ("cue", "BEN"),
    ("dialogue", "I'll tell her. She won't pay."),
]
TAG = {"heading": "scene_heading", "action": "action", "cue": "character", "dialogue": "dialogue",
       "paren": "parenthetical", "transition": "transition"}


def typed(action=0, dialogue=10, paren=15, cue=20, *, blanks=True, width=60, speech_width=34,
          cue_case=str.upper, scene=SCENE, repeat=2) -> tuple[list[str], list[str]]:
    """The scene `repeat` times in one layout: (lines, expected tags)."""
    lines: list[str] = []
    tags: list[str] = []

    def emit(text: str, kind: str, col: int) -> None:
        lines.append(" " * col + text)
        tags.append(TAG[kind])

    def blank() -> None:
        if blanks and lines and lines[-1]:
            lines.append("")
            tags.append("blank")

    for _ in range(repeat):
        for kind, text in scene:
            if kind in ("heading", "action", "transition"):
                blank()
                col = 45 if kind == "transition" else action
                for part in textwrap.wrap(text, width):
                    emit(part, kind, col)
                blank()
            elif kind == "cue":
                blank()
                emit(cue_case(text), kind, cue)
            else:
                for part in textwrap.wrap(text, speech_width if kind == "dialogue" else speech_width - 8):
                    emit(part, kind, dialogue if kind == "dialogue" else paren)
    return lines, tags


def mismatches(lines: list[str], expected: list[str], got: list[str] | None = None) -> list[tuple[str, str, str]]:
    got = tag_lines(lines) if got is None else got
    return [(line, e, g) for line, e, g in zip(lines, expected, got) if e != g]


# --- layouts: every column learned from the script itself --------------------------------------


@pytest.mark.parametrize(
    "columns",
    [
        (0, 10, 15, 20),  # the usual
        (15, 25, 31, 37),  # everything further right
        (10, 11, 16, 30),  # dialogue one column right of the action
        (10, 12, 15, 30),  # two columns
        (8, 8, 14, 30),  # dialogue at the action column, cues indented
        (4, 20, 27, 33),  # wide
    ],
)
def test_any_columns(columns):
    lines, expected = typed(*columns)
    assert mismatches(lines, expected) == []


@pytest.mark.parametrize("columns", [(0, 10, 15, 20), (10, 11, 16, 30), (8, 8, 14, 30)])
def test_any_columns_without_blank_lines(columns):
    lines, expected = typed(*columns, blanks=False)
    assert mismatches(lines, expected) == []


def test_flush_left_everything_at_column_0():
    lines, expected = typed(0, 0, 0, 0)
    assert mismatches(lines, expected) == []


SONG = [
    ("cue", "BEN"),
    ("dialogue", "OH THE NINE-FORTY NEVER COMES"),
    ("dialogue", "AND THE LEVERS NEVER REST"),
    ("action", "Ada does not look up from the board."),
    ("cue", "ADA"),
    ("dialogue", "Not in my box, you don't."),
]


def test_flush_left_speech_in_capitals_under_a_known_name():
    """Everything at column 0: a name the script gives speech to, over a line in capitals
    (a song, a shout), is a cue and its speech, not two lines of shouted action."""
    lines, expected = typed(0, 0, 0, 0, scene=SCENE + SONG)
    assert mismatches(lines, expected) == []


@pytest.mark.parametrize("extension", ["V.O.", "O.S.", "O.C.", "V/O", "CONT'D"])
def test_cue_with_an_extension_typed_without_parentheses(extension):
    """ "ADA V.O." is a cue like "ADA (V.O.)": its speech is speech, its speaker ADA."""
    scene = SCENE + [("cue", "BEN " + extension), ("dialogue", "Nobody reads the book, I said.")]
    lines, expected = typed(scene=scene)
    assert mismatches(lines, expected) == []
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    assert sp.scenes[-1].dialogues[-1].speaker == "BEN"


def test_unwrapped_script_long_speech_after_a_parenthetical():
    """A paragraph a line, never wrapped (Fountain saved as text): action runs far wider
    than speech, but a long line right after a parenthetical is still speech."""
    action = ("Rain hammers the small windows of the signal box while the old woman works the levers "
              "one by one and the boy watches the board with his coat still on.")
    scene = [("heading", "INT. SIGNAL BOX - NIGHT"), ("action", action)]
    for _ in range(3):
        scene += [("cue", "ADA"), ("dialogue", "Late again."), ("cue", "BEN"), ("dialogue", "Nobody reads the book.")] * 6
        scene += [("cue", "BEN"), ("dialogue", "Eleven."), ("paren", "(checking the clock)"),
                  ("dialogue", "Eleven minutes, which must be some kind of record even for this line, and the "
                               "week is only two days old, so write that in your book as well."),
                  ("action", action)]
    lines, expected = typed(0, 0, 0, 0, width=400, speech_width=400, scene=scene, repeat=1)
    assert mismatches(lines, expected) == []


@pytest.mark.parametrize("columns", [(0, 10, 15, 20), (0, 0, 0, 0)])
def test_extension_on_a_line_of_its_own_under_the_cue(columns):
    """ "BEN" / "(V.O.)" / speech (a PDF's text often breaks the cue so): the extension is the
    cue's, not a parenthetical of the speech."""
    scene = SCENE + [("cue", "BEN"), ("paren", "(V.O.)"), ("dialogue", "Nobody reads the book, I said.")]
    lines, expected = typed(*columns, scene=scene)
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    last = sp.scenes[-1].dialogues[-1]
    assert (last.speaker, last.extension, last.parentheticals, last.text) == (
        "BEN", "V.O.", [], "Nobody reads the book, I said.")


def test_a_blank_line_under_every_cue():
    """Scripts that leave a blank line between each cue and its speech: the speech, and a
    parenthetical opening it, are the cue's Dialogue, not two lines of action."""
    lines, expected = typed(0, 10, 15, 20, repeat=3)
    spaced, tags = [], []
    for line, t in zip(lines, expected):
        spaced.append(line)
        tags.append(t)
        if t == "character":
            spaced.append("")
            tags.append("blank")
    assert mismatches(spaced, tags) == []
    sp = parse_form(TextForm(spaced, "<t>", "text"), min_scene_lines=0)
    ben = sp.scenes[0].dialogues[1]
    assert (ben.speaker, ben.parentheticals, ben.text) == ("BEN", ["checking the clock"], SCENE[6][1])
    assert {c.name for c in sp.characters} == {"ADA", "BEN", "CONDUCTOR"}


def test_cue_with_a_voice_extension_at_the_speech_column():
    """A PDF's text may set a cue at the speech column: "BEN (V.O.)" over speech there is a
    cue all the same (a bare capitalised line there is not)."""
    lines, expected = typed(0, 10, 15, 20)
    lines += ["", " " * 10 + "BEN (V.O.)", " " * 10 + "Nobody reads the book,", " " * 10 + "I said.", ""]
    expected += ["blank", "character", "dialogue", "dialogue", "blank"]
    assert mismatches(lines, expected) == []


def test_tabs_are_columns_too():
    lines, expected = typed(8, 16, 24, 32)
    lines = [line.replace(" " * 8, "\t") for line in lines]
    assert mismatches(lines, expected) == []


@pytest.mark.parametrize("paragraphs, skip", [(True, 0), (False, 0), (False, 15)],
                         ids=["paragraphs", "every_line", "nearly_every_line"])
def test_double_spaced_script(paragraphs, skip):
    """A blank line after every line: with two between paragraphs, or (a web page's doubled
    line breaks) one after every line, between a cue and its speech and inside speeches
    too, where the columns still tell speech from action. The lone blank lines break no
    speech: the screenplay has its cast and whole speeches. (`skip`: every skip-th line has
    no blank line after it, as where a PDF's page furniture was stripped.)"""
    lines, expected = typed(0, 10, 15, 20, blanks=paragraphs, repeat=3)
    spaced, tags = [], []
    for k, (line, t) in enumerate(zip(lines, expected), 1):
        spaced.append(line)
        tags.append(t)
        if not (skip and k % skip == 0):
            spaced.append("")
            tags.append("blank")
    assert mismatches(spaced, tags) == []
    sp = parse_form(TextForm(spaced, "<t>", "text"), min_scene_lines=0)
    assert {c.name for c in sp.characters} == {"ADA", "BEN", "CONDUCTOR"}
    first = sp.scenes[0].dialogues[0]
    assert (first.speaker, first.text) == ("ADA", SCENE[3][1])


def test_lower_case_cues_known_from_the_rest_of_the_script():
    """SAIL's lower_cues noise: one stretch of the script has its cues in lower case."""
    lines, expected = typed(0, 10, 15, 20, repeat=3)
    lines = [line.lower() if t == "character" and i > len(lines) // 2 else line
             for i, (line, t) in enumerate(zip(lines, expected))]
    assert mismatches(lines, expected) == []


@pytest.mark.parametrize("case", [str.lower, str.title])
def test_cues_not_capitalised_anywhere_read_by_their_column(case):
    lines, expected = typed(0, 10, 15, 25, cue_case=case, repeat=3)
    assert mismatches(lines, expected) == []


def test_title_case_cues_flush_left():
    """Flush left, cues in title case ("Mr. Park"): the names recur over speech."""
    lines, expected = typed(0, 0, 0, 0, cue_case=str.title, repeat=3)
    assert mismatches(lines, expected) == []


def test_title_case_cues_with_a_few_cues_that_hold_their_speech():
    """A few "NAME: line" cues (on the radio) in a script whose cues are in title case do not
    make it a script where cues hold their speech, and a capitalised line over action there
    is no cue: its cues are in title case."""
    lines, expected = [], []
    shots = ["THE SIGNAL LAMP", "THE BLACK TELEPHONE", "THE LOGBOOK", "THE KETTLE", "THE STOVE", "THE LEVERS"]
    for k in range(6):
        lines += ["INT. SIGNAL BOX - NIGHT", "", "Rain on the windows. The lamps flicker.", ""]
        expected += ["scene_heading", "blank", "action", "blank"]
        for name in ["Ada", "Ben", "Cora", "Dev", "Eli"]:
            lines += [name, f"That is the {k + 2}th train tonight, and it is late.", ""]
            expected += ["character", "dialogue", "blank"]
        lines += [f"DEV: Signal failure at Norton junction, delay {k + 2} minutes, over.", "",
                  shots[k], "Ada switches the radio off and the rain is loud again.", ""]
        expected += ["character", "blank", "action", "action", "blank"]
    assert learn(Lines(lines)).inline_layout is False
    assert mismatches(lines, expected) == []


def test_a_mixed_case_cue_with_an_honorific_in_a_caps_script():
    lines = [
        "HOUSE INTERIOR", "", "The kettle screams. Ada lifts it off the ring.", "",
        "ADA", "Who left this on?", "", "Mr. Park", "I did. Sorry.", "", "ADA", "You always say sorry.", "",
    ]
    assert tag_lines(lines) == [
        "scene_heading", "blank", "action", "blank", "character", "dialogue", "blank",
        "character", "dialogue", "blank", "character", "dialogue", "blank",
    ]


# --- cue and speech on one line ---------------------------------------------------------------------


def inline_scene(sep: str) -> tuple[list[str], list[str]]:
    lines, tags = [], []
    for _ in range(3):
        lines += ["INT. SIGNAL BOX - NIGHT", "", "Rain hammers the windows.", ""]
        tags += ["scene_heading", "blank", "action", "blank"]
        for name, speech in [("ADA", "The nine-forty is late."), ("BEN", "Eleven minutes."),
                             ("ADA", "Write it in the book."), ("BEN", "Nobody reads it.")]:
            lines += [name + sep + speech, ""]
            tags += ["character", "blank"]
    return lines, tags


@pytest.mark.parametrize("sep", ["  ", "        ", ": ", " "])
def test_cue_and_speech_on_one_line(sep):
    lines, expected = inline_scene(sep)
    assert mismatches(lines, expected) == []
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    first = sp.scenes[0].dialogues[0]
    assert (first.speaker, first.text) == ("ADA", "The nine-forty is late.")


@pytest.mark.parametrize("cue", ["ADA (V.O.) (CONT'D)", "ADA *"])
def test_inline_cue_with_two_extensions_or_a_revision_mark(cue):
    lines, expected = inline_scene(": ")
    lines += [cue + ": And another thing.", ""]
    expected += ["character", "blank"]
    assert mismatches(lines, expected) == []
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    last = sp.scenes[-1].dialogues[-1]
    assert (last.speaker, last.text) == ("ADA", "And another thing.")


def test_inline_cue_whose_speech_has_no_lower_case():
    """ "BEN: $3!" or "BEN: NO!": a cue holding its speech, though the line is all capitals."""
    lines, expected = inline_scene(": ")
    lines += ["BEN: $3!", "", "ADA: NO!", ""]
    expected += ["character", "blank", "character", "blank"]
    assert mismatches(lines, expected) == []
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    assert [(d.speaker, d.text) for d in sp.scenes[-1].dialogues[-2:]] == [("BEN", "$3!"), ("ADA", "NO!")]


def test_transcript_with_title_case_cues_and_bracketed_scenes():
    """A TV transcript: "Ada: speech" with the name in title case, "[Scene: ...]" headings,
    stage directions in parentheses. Names that open three lines or more are speakers; a
    label ("Note: ...") is not."""
    lines, expected = [], []
    for place in ("The signal box, Ada and Ben are at the levers.]", "The platform, the train is late.]"):
        lines += [f"[Scene: {place}", ""]
        expected += ["scene_heading", "blank"]
        for text in ["Ada: The nine-forty is late again.", "Ben: Eleven minutes. A record.",
                     "(Ada pulls the third lever.)", "Ada: Write it in the book.", "Ben: Nobody reads the book!"]:
            lines += [text, ""]
            expected += ["action" if text[0] == "(" else "character", "blank"]
    lines += ["Note: the box was closed in 1962.", ""]
    expected += ["action", "blank"]
    assert mismatches(lines, expected) == []
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    assert [s.heading for s in sp.scenes] == ["THE SIGNAL BOX, ADA AND BEN ARE AT THE LEVERS.",
                                              "THE PLATFORM, THE TRAIN IS LATE."]
    assert [(c.name, c.dialogue_blocks) for c in sp.characters] == [("ADA", 4), ("BEN", 4)]
    assert sp.scenes[0].dialogues[1].text == "Eleven minutes. A record."


def test_play_layout_title_case_names_with_a_colon_over_speech():
    """A play's layout: "First Porter:" alone over its speech, flush left, names in title
    case; a name that does so three times or more is a speaker."""
    lines, expected = [], []
    for _ in range(3):
        for name, speech in [("First Porter:", ["The nine-forty is late again,", "and the week is young."]),
                             ("All:", ["Late, late."]), ("Ben:", ["Eleven minutes, by the clock."])]:
            lines += [name, *speech, ""]
            expected += ["character", *["dialogue"] * len(speech), "blank"]
    assert mismatches(lines, expected) == []
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    assert {c.name: c.dialogue_blocks for c in sp.characters} == {"FIRST PORTER": 3, "ALL": 3, "BEN": 3}


def hanging_scene() -> tuple[list[str], list[str]]:
    """A scene whose cues hold their speech, its next lines hanging under it."""
    lines, expected = ["INT. SIGNAL BOX - NIGHT", ""], ["scene_heading", "blank"]
    for _ in range(4):
        lines += ["Ada pulls the lever.", "", "ADA         The nine-forty is late again,",
                  "            and the week is young.", "", "BEN         Eleven minutes.", ""]
        expected += ["action", "blank", "character", "dialogue", "blank", "character", "blank"]
    return lines, expected


def test_hanging_speech_under_an_inline_cue():
    lines, expected = hanging_scene()
    assert mismatches(lines, expected) == []
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    assert sp.scenes[0].dialogues[0].text == "The nine-forty is late again, and the week is young."


def test_hanging_speech_ends_where_a_line_goes_back_to_the_names_column():
    """No blank lines: action typed right after a hanging speech, at the name's column, is
    action; a speech may open with a dash ("BEN         --and then?")."""
    lines, expected = hanging_scene()
    lines = [line for line in lines if line]
    expected = [e for e in expected if e != "blank"]
    lines += ["BEN         --and then the ten-fifteen,", "            if it runs at all.",
              "Ada does not answer. She pulls the lever again.", "The bell rings twice."]
    expected += ["character", "dialogue", "action", "action"]
    assert mismatches(lines, expected) == []
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    assert sp.scenes[0].dialogues[-1].text == "--and then the ten-fifteen, if it runs at all."


def test_action_right_after_a_hanging_speech_in_a_script_of_bare_name_lines():
    """Bare capitalised names over lower-case text ("ADA" / "stands at the window") make the
    name's column look like speech; where speeches hang, the line after one that goes back
    to the name's column is action all the same."""
    lines = ["INT. SIGNAL BOX - NIGHT"]
    for _ in range(4):
        lines += ["Ada pulls the lever.", "ADA         The nine-forty is late again,", "            and the week is young.",
                  "BEN         Eleven minutes.", "ADA", "stands at the window and counts the carriages.",
                  "BEN         Twelve now.", "            Thirteen.", "He writes it in the book."]
    tags = dict(zip(lines, tag_lines(lines)))
    assert (tags["Ada pulls the lever."], tags["He writes it in the book."]) == ("action", "action")
    assert (tags["BEN         Twelve now."], tags["            Thirteen."]) == ("character", "dialogue")


def test_lower_case_cues_holding_long_speeches():
    """Cues known from the script typed in lower case where it writes "NAME: speech" (SAIL's
    lower-cased cues on part of it): long lines, extensions ("ben (v.o.): ...")."""
    lines, expected = ["INT. SIGNAL BOX - NIGHT", ""], ["scene_heading", "blank"]
    for ada, ben in [("ADA", "BEN")] * 3 + [("ada", "ben (v.o.)")] * 2:
        lines += ["Ada pulls the lever and the whole box shakes with the weight of the points.", "",
                  ada + ": The nine-forty is late again, third time this week, and it is only Tuesday.", "",
                  ben + ": Eleven minutes, which must be some kind of record even for this line.", ""]
        expected += ["action", "blank", "character", "blank", "character", "blank"]
    assert mismatches(lines, expected) == []
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    assert [(d.speaker, d.extension) for d in sp.scenes[0].dialogues[-2:]] == [("ADA", None), ("BEN", "V.O.")]


def test_hanging_speech_that_opens_with_a_parenthetical():
    lines, expected = hanging_scene()
    lines += ["BEN         (holding up the empty", "            logbook)", "            Nobody reads it.", ""]
    expected += ["character", "parenthetical", "dialogue", "blank"]
    assert mismatches(lines, expected) == []
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    ben = sp.scenes[0].dialogues[-1]
    assert (ben.speaker, ben.text, ben.parentheticals) == ("BEN", "Nobody reads it.", ["holding up the empty logbook"])


def test_character_introduced_in_caps_inside_action_is_not_an_inline_cue():
    lines, expected = typed(0, 10, 15, 20)
    lines += ["", "ADA Listens. BEN Waits.", "", "ADA steps to the window."]
    expected += ["blank", "action", "blank", "action"]
    assert mismatches(lines, expected) == []


# --- scene headings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "heading",
    [
        "65. ON THE SET. INT. DAY. 1994",  # continental: number, place, then INT./DAY
        "12. SIGNAL BOX. EXT. NIGHT.",
        "- SECOND FLOOR -",  # a sub-location
        "LATER:",  # a time alone
        "THE NEXT MORNING",
        "215A  THE INFOMERCIAL.  215A",  # shooting script: letter suffix
        "a73   int. signal box/ext. yard - day     a73",  # the same, lower-cased
        "18a ext derelict yard night 18a *",
        "SCENE 225 OMITTED",
        "226   OMITTED   226",
        "HOUSE INTERIOR",  # a place with no INT./EXT.
        "BOAT SHED - DAY",
    ],
)
def test_heading_classes(heading):
    lines, expected = typed(0, 10, 15, 20)
    lines += ["", heading, "", "Ada looks at the clock and then at the rain.", ""]
    expected += ["blank", "scene_heading", "blank", "action", "blank"]
    assert mismatches(lines, expected) == []


def test_omitted_scene_opens_no_scene():
    lines = ["INT. BOX - NIGHT", "", "Ada works.", "", "SCENE 225 OMITTED", "", "INT. HALL - DAY", "", "Ben waits."]
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0, check=False)
    assert [s.heading for s in sp.scenes] == ["INT. BOX - NIGHT", "INT. HALL - DAY"]


def test_wrapped_heading_onto_a_time_word_is_one_scene():
    lines = ["INT. CAR, NORTHBOUND ON THE OLD BRIDGE, A FEW MINUTES", "LATER", "",
             "Ada drives. Ben sleeps.", "", "                    ADA", "          Wake up."]
    assert tag_lines(lines)[:2] == ["scene_heading", "scene_heading"]
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    assert [s.heading for s in sp.scenes] == ["INT. CAR, NORTHBOUND ON THE OLD BRIDGE, A FEW MINUTES LATER"]


def test_lower_case_headings_without_int_ext_and_with_scene_numbers():
    """SAIL's lower_headings + drop_int_ext + margins on one heading."""
    lines, expected = typed(0, 10, 15, 20)
    lines += ["", "31   signal box - later    31", "", "Ada sleeps in her chair.", ""]
    expected += ["blank", "scene_heading", "blank", "action", "blank"]
    assert mismatches(lines, expected) == []


def test_shot_lines_in_a_numbered_shooting_script_are_not_headings():
    """A script whose INT./EXT. headings carry scene numbers writes headings with keywords:
    a capitalised line alone between blank lines there is a shot, not a bare place."""
    lines, expected = typed(0, 10, 15, 20, repeat=3)
    numbered = iter(range(10, 100))
    for k, tag in enumerate(expected):
        if tag == "scene_heading":
            n = next(numbered)
            lines[k] = f"{n}    {lines[k]}    {n}"
    shots = ["ON THE LEVERS", "THE CLOCK", "BEN'S HANDS", "THE BOOK", "UNDER THE DESK", "THE LAMP",
             "OUTSIDE", "THE BELL", "ADA'S FACE", "THE BOARD", "A TRAIN"]
    for shot in shots:
        lines += ["", shot, "", "The light flickers and comes back."]
        expected += ["blank", "action", "blank", "action"]
    got = tag_lines(lines)
    assert [g for g, e in zip(got, expected) if e == "scene_heading"] == ["scene_heading"] * 6
    assert "scene_heading" not in [got[k] for k, line in enumerate(lines) if line in shots]


# --- transitions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("transition", ["Cut to.", "Fade out.", "Dissolve to:", "SNAP CUT TO BLACK", "CUT TO BLACK",
                                        "FLASHBACK TO:", "SMASH TO:", "Back to.", "Cut back to.", "Back to scene.",
                                        "Fade out.."])
def test_transition_classes(transition):
    lines, expected = typed(0, 10, 15, 20)
    lines += ["", " " * 48 + transition, "", "EXT. YARD - DAY", "", "Ben hangs washing in the wind.", ""]
    expected += ["blank", "transition", "blank", "scene_heading", "blank", "action", "blank"]
    assert mismatches(lines, expected) == []


# --- parentheticals -------------------------------------------------------------------------------


def test_capitalised_and_wrapped_parentheticals():
    lines, expected = typed(0, 10, 15, 20)
    lines += ["", " " * 20 + "ADA", " " * 15 + "(IMPACT!)", " " * 10 + "Hold on to something.",
              " " * 15 + "(she grabs the rail and", " " * 15 + "braces against the wall)", " " * 10 + "Now!", ""]
    expected += ["blank", "character", "parenthetical", "dialogue", "parenthetical", "parenthetical", "dialogue", "blank"]
    assert mismatches(lines, expected) == []


@pytest.mark.parametrize("broken", ["((beat)", "(beat", "(turning away"])
def test_broken_parenthetical_closes_at_the_end_of_its_line(broken):
    lines, expected = typed(0, 10, 15, 20)
    tail, tail_tags = typed(0, 10, 15, 20, repeat=1)
    lines += ["", " " * 20 + "BEN", " " * 15 + broken, " " * 10 + "Don't do that.", *tail]
    expected += ["blank", "character", "parenthetical", "dialogue", *tail_tags]
    assert mismatches(lines, expected) == []


# --- page furniture ---------------------------------------------------------------------------------


def paged(furniture, page: int = 20) -> tuple[list[str], list[str]]:
    """The scene broken into pages of `page` lines, `furniture(page)` lines between them."""
    lines, expected = typed(0, 10, 15, 20, repeat=4)
    out, tags = [], []
    for k, (line, t) in enumerate(zip(lines, expected)):
        if k and k % page == 0:
            for f in furniture(k // page):
                out.append(f)
                tags.append("page_marker" if f.strip() else "blank")
        out.append(line)
        tags.append(t)
    return out, tags


@pytest.mark.parametrize(
    "furniture",
    [
        lambda n: ["", f"{n} | P a g e", ""],  # footer
        lambda n: ["", "SIGNALS SCRIPT - 9/19/2007", " " * 66 + f"{n}.", ""],  # dated stamp on every page
        lambda n: ["", f"Jo Writer / Agency Draft {n}.", ""],  # running header with the page number
        lambda n: ["", f"The Signal Box {n + 1}.", ""],
        lambda n: ["", " " * 30 + f"- {n} -", ""],
        lambda n: ["", " " * 30 + f"? {n} ?", ""],  # the dashes lost to a bad encoding
        lambda n: ["", " " * 30 + f"[{n}]", ""],
    ],
)
def test_repeated_page_furniture(furniture):
    lines, expected = paged(furniture)
    assert mismatches(lines, expected) == []


def test_running_header_without_a_number():
    """A draft stamp atop every page with no page number or date in it ("FINAL SHOOTING
    SCRIPT"): furniture, not a cue over the line after it."""
    lines, expected = paged(lambda n: [" " * 29 + "FINAL SHOOTING SCRIPT", ""], page=45)
    assert expected.count("page_marker") >= 4
    assert mismatches(lines, expected) == []


def test_a_number_spoken_under_a_cue_is_speech():
    """ "BEN" / "45." at the speech column: what he says, not a page number (those stand
    apart from the text columns)."""
    scene = SCENE + [("cue", "ADA"), ("dialogue", "How many minutes now?"), ("cue", "BEN"), ("dialogue", "45."),
                     ("action", "Ada writes it in the book without a word.")]
    lines, expected = typed(scene=scene)
    assert mismatches(lines, expected) == []


def test_more_and_continuing_at_cue_indent():
    lines, expected = typed(0, 10, 15, 20)
    lines += ["", " " * 20 + "ADA", " " * 10 + "The nine-forty is late,", " " * 20 + "(MORE)", "",
              " " * 66 + "7.", "", " " * 20 + "ADA (CONT'D)", " " * 20 + "(continuing)", " " * 10 + "again.", ""]
    expected += ["blank", "character", "dialogue", "page_marker", "blank", "page_marker", "blank",
                 "character", "page_marker", "dialogue", "blank"]
    assert mismatches(lines, expected) == []


# --- title page, display text, shots ------------------------------------------------------------------


def test_title_page_lines_are_never_speakers():
    title = [" " * 26 + "THE SIGNAL BOX", "", " " * 29 + "Written by", " " * 28 + "Jo Q. Writer", "",
             " " * 23 + "FINAL PRODUCTION DRAFT", " " * 28 + "May 1, 2024", "", "FADE IN:", ""]
    lines, expected = typed(0, 10, 15, 20)
    got = tag_lines(title + lines)
    assert "character" not in got[:8] and "dialogue" not in got[:8]
    assert mismatches(lines, expected, got[len(title):]) == []


@pytest.mark.parametrize("title", [
    [" " * 22 + "THE SIGNAL BOX", "", " " * 12 + "screenplay by Jo Writer and Al Other", ""],
    [" " * 16 + "THE SIGNAL BOX", "", " " * 21 + "by", " " * 10 + "Jo Writer", ""],  # at the cue and speech columns
])
def test_a_title_over_its_credit_on_the_next_line_is_no_speaker(title):
    """ "THE SIGNAL BOX" over "screenplay by ...", or "by" over a name, set left of it as
    speech would be: a title page, not a cue and its speech; the script after it is read
    as usual."""
    lines, expected = typed(0, 10, 15, 20)
    got = tag_lines(title + lines)
    assert got[: len(title)] == ["blank" if not t else "title_page" for t in title]
    assert mismatches(lines, expected, got[len(title):]) == []


@pytest.mark.parametrize("break_line", [" " * 60 + "1.", " " * 30 + "- 1 -"])
def test_opening_action_after_the_title_pages_page_break_is_action(break_line):
    """No FADE IN and no heading before the first cue: what follows the title page's page
    break is the script's opening, not more title page."""
    title = [" " * 26 + "THE SIGNAL BOX", "", " " * 29 + "Written by", " " * 28 + "Jo Q. Writer", "", "", break_line, ""]
    opening = ["BLACK. THE SOUND OF RAIN ON A TIN ROOF.", "", "A lamp comes on in a small window.", ""]
    got = tag_lines(title + opening + typed(0, 10, 15, 20)[0])
    assert got[: len(title)].count("title_page") == 3
    assert got[len(title) : len(title) + len(opening)] == ["action", "blank", "action", "blank"]


def test_opening_prose_is_not_title_page():
    """Opening action in short lines, right under the title and credit: sentences are action."""
    title = [" " * 26 + "THE SIGNAL BOX", "", " " * 20 + "based on a story by Ann Lee", ""]
    opening = ["The rain comes down on the signal box,", "and on the old woman who keeps it.",
               "She has kept the levers since the war.", ""]
    got = tag_lines(title + opening + typed(0, 10, 15, 20)[0])
    assert got[: len(title)] == ["title_page", "blank", "title_page", "blank"]
    assert got[len(title) : len(title) + 3] == ["action"] * 3


def test_centred_display_text_is_not_a_cue():
    lines, expected = typed(0, 10, 15, 20)
    lines += ["", " " * 30 + "THE STREETS OF", " " * 31 + "PORT SALEM", "", "Ada walks fast into the rain.", ""]
    expected += ["blank", "action", "action", "blank", "action", "blank"]
    assert mismatches(lines, expected) == []


def test_shot_at_cue_indent_is_not_a_cue():
    lines, expected = typed(0, 10, 15, 20)
    lines += ["", " " * 20 + "IN THE GAP", "", "Between two sheds, a lantern swings.", ""]
    got = tag_lines(lines)
    assert got[-4] == "shot" and got[-2] == "action"


# --- dual dialogue typed side by side --------------------------------------------------------------------


def test_side_by_side_dual_dialogue_is_two_dual_speeches():
    lines, expected = typed(0, 10, 15, 20)
    lines += ["", " " * 14 + "ADA" + " " * 27 + "BEN", " " * 5 + "Pull the lever, now." + " " * 13 + "Which one is it?",
              " " * 5 + "The third!" + " " * 23 + "They all look the same.", ""]
    expected += ["blank", "character", "dialogue", "dialogue", "blank"]
    assert mismatches(lines, expected) == []
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    last = sp.scenes[-1].dialogues[-2:]
    assert [(d.speaker, d.text, d.dual) for d in last] == [
        ("ADA", "Pull the lever, now. The third!", True),
        ("BEN", "Which one is it? They all look the same.", True),
    ]
    assert "ADA BEN" not in {c.name for c in sp.characters}


def test_revision_marks_at_the_right_margin_leave_tags_and_text():
    """Asterisks and daggers a revised script sets at the right margin, on any kind of line
    (a dual cue pair included), are neither text nor a reason to end a speech."""
    lines, expected = typed(0, 10, 15, 20)
    lines += ["", " " * 20 + "ADA" + " " * 48 + "*", " " * 10 + "Pull the lever now." + " " * 40 + "*",
              " " * 10 + "All the way back." + " " * 42 + "**", "",
              "She pulls it. Nothing happens." + " " * 40 + "\u2020\u2020", "",
              " " * 14 + "ADA" + " " * 27 + "BEN" + " " * 26 + "******",
              " " * 5 + "Again!" + " " * 27 + "Which one?" + " " * 28 + "***", ""]
    expected += ["blank", "character", "dialogue", "dialogue", "blank", "action", "blank", "character", "dialogue",
                 "blank"]
    assert mismatches(lines, expected) == []
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    texts = [getattr(e, "text", "") for e in sp.scenes[-1].elements[-4:]]
    assert texts == ["Pull the lever now. All the way back.", "She pulls it. Nothing happens.", "Again!", "Which one?"]
    assert all(d.dual for d in sp.scenes[-1].dialogues[-2:])


def test_right_aligned_transition_over_several_lines_is_not_a_cue():
    lines, expected = typed(0, 10, 15, 20)
    lines += ["", "Ada pulls the last lever and the lamps die.", "",
              " " * 53 + "DIGITAL", " " * 47 + "DISTORTION TO", " " * 54 + "BLACK.", "",
              "EXT. YARD - DAY", "", "Ben hangs washing in the wind.", ""]
    got = tag_lines(lines)
    tail = got[len(expected) + 3 : len(expected) + 6]
    assert "character" not in tail and "dialogue" not in tail, tail
    assert mismatches(lines[: len(expected)], expected, got[: len(expected)]) == []
    assert got[-4:] == ["scene_heading", "blank", "action", "blank"]


# --- hints from the reader -------------------------------------------------------------------------------


def test_hints_are_kept_and_used_as_context():
    lines, _ = typed(0, 10, 15, 20)
    i = lines.index(" " * 10 + "Nobody reads the book.")
    lines = lines[:i] + ["Signal Box 12"] + lines[i:]  # a page header the PDF reader knows about
    form = TextForm(lines, "<t>", "pdf", hints={i: "page_marker", 0: "scene_heading"})
    tags = form_tags(form)
    assert tags[i] == "page_marker" and tags[i + 1] == "dialogue" and tags[i - 1] == "character"
    # a hinted cue opens a block even where the text alone would not say so
    lines2 = ["INT. BOX - NIGHT", "", "ada", "Write it down."]
    assert form_tags(TextForm(lines2, "<t>", "pdf", hints={2: "character"}))[2:] == ["character", "dialogue"]


# --- no state between calls ----------------------------------------------------------------------------------

LAYOUTS = [(0, 10, 15, 20), (10, 11, 16, 30), (0, 0, 0, 0), (8, 8, 14, 30), (15, 25, 31, 37)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(range(len(LAYOUTS) * 2)), min_size=1, max_size=4), st.sampled_from(range(10)))
def test_tagging_one_script_never_depends_on_scripts_tagged_before(before, target):
    def script(k: int) -> list[str]:
        lines, _ = typed(*LAYOUTS[k % len(LAYOUTS)], cue_case=str.upper if k < len(LAYOUTS) else str.title)
        return lines

    alone = tag_lines(script(target))
    for k in before:
        tag_lines(script(k))
    assert tag_lines(script(target)) == alone

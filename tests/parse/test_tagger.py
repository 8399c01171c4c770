"""Line tagger: every edge case the parser issue names, on small hand-written layouts.

Layouts follow the usual typed-script columns: headings and action at 0 (or 15), cues
around 37, parentheticals around 31, dialogue around 25, transitions around 60.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from script2rp.parse.tagger import tag_lines

CUE, PAR, DLG, TRN = " " * 37, " " * 31, " " * 25, " " * 60


def tags_of(*lines: str) -> list[str]:
    return tag_lines(list(lines))


def block(name: str, *speech: str) -> list[str]:
    out = [CUE + name]
    for s in speech:
        out.append((PAR if s.startswith("(") else DLG) + s)
    return out


def scene(*parts) -> list[str]:
    """Join parts (strings or lists of lines) with blank lines between them."""
    out: list[str] = []
    for p in parts:
        out.extend([p] if isinstance(p, str) else p)
        out.append("")
    return out


def tagged(lines: list[str]) -> dict[str, str]:
    """Map each non-blank line's text (stripped) to its tag."""
    return {line.strip(): t for line, t in zip(lines, tag_lines(lines)) if line.strip()}


def test_basic_indented_block():
    lines = scene(
        "INT. KITCHEN - NIGHT",
        "Mara slams the drawer shut and turns to face the window.",
        block("MARA", "(quietly)", "You heard that too.", "Tell me you heard that."),
        block("OWEN", "I heard the wind."),
        TRN + "CUT TO:",
    )
    assert tag_lines(lines) == [
        "scene_heading", "blank", "action", "blank", "character", "parenthetical",
        "dialogue", "dialogue", "blank", "character", "dialogue", "blank", "transition", "blank",
    ]


@pytest.mark.parametrize(
    "heading",
    [
        "INT. HOUSE - DAY",
        "EXT. HARBOUR -- NIGHT",
        "INT./EXT. CAR - MOVING - DAY",
        "I/E. VAN - NIGHT",
        "EST. LIGHTHOUSE - DAWN",
        "INT HOUSE -- DAY",
        "EXT. BEACH - DAY (FLASHBACK)",
        "int. house - day",
        "HARBOUR OFFICE - NIGHT",
        "12   INT. HOUSE - DAY   12",
        "12A  EXT. DOCK - NIGHT                 12A *",
        "INT. HOUSE - DAY                    *",
        "MONTAGE - MARA REPAIRS THE LAMP",
        "SERIES OF SHOTS",
        "FLASHBACK",
    ],
)
def test_scene_heading_variants(heading):
    lines = scene(heading, "Rain drums on the roof of the little house.", block("MARA", "Hello?"), heading if False else "")
    assert tagged(lines)[heading.strip()] == "scene_heading"
    assert tagged(lines)["MARA"] == "character"


@pytest.mark.parametrize(
    "cue",
    [
        "JOHN (CONT'D)", "JOHN (CONT’D)", "JOHN (cont'd)", "JOHN (V.O.)", "JOHN (O.S.)", "JOHN (O.C.)",
        "JOHN (PRE-LAP)", "JOHN (INTO PHONE)", "JOHN (V.O.) (CONT'D)", "McCLANE", "DR. JONES",
        "GUARD #2", "CLINT", "CUTTER", "EXTON", "INTERN", "MRS. O'HARA",
    ],
)
def test_cue_spellings(cue):
    lines = scene("INT. HOUSE - DAY", "Mara waits by the door, listening.", block(cue, "(beat)", "Are you there?"))
    t = tagged(lines)
    assert t[cue] == "character"
    assert t["(beat)"] == "parenthetical"
    assert t["Are you there?"] == "dialogue"


def test_page_furniture_inside_a_speech():
    lines = [
        "INT. HOUSE - DAY",
        "",
        CUE + "MARA",
        DLG + "I kept every page of the ledger,",
        CUE + "(MORE)",
        "",
        " " * 70 + "12.",
        "CONTINUED:",
        "12   CONTINUED: (2)                                         12",
        "",
        CUE + "MARA (CONT'D)",
        DLG + "even the ones he tore out.",
        " " * 59 + "(CONTINUED)",
        "                         Blue Revised 10/02/26            13.",
    ]
    assert tag_lines(lines) == [
        "scene_heading", "blank", "character", "dialogue", "page_marker", "blank", "page_marker",
        "page_marker", "page_marker", "blank", "character", "dialogue", "page_marker", "page_marker",
    ]


def test_shots_titles_and_caps_action():
    lines = scene(
        "EXT. CLIFF - NIGHT",
        "ANGLE ON THE LAMP",
        "CLOSE ON MARA'S HANDS",
        "OWEN'S POV",
        "SUPER: \"FIVE YEARS LATER\"",
        "THE LIGHTS FAIL.",
        "Everything goes dark except the sea.",
        block("OWEN", "Mara?"),
    )
    t = tagged(lines)
    assert t["ANGLE ON THE LAMP"] == t["CLOSE ON MARA'S HANDS"] == t["OWEN'S POV"] == "shot"
    assert t['SUPER: "FIVE YEARS LATER"'] == "action"
    assert t["THE LIGHTS FAIL."] == "action"
    assert t["OWEN"] == "character"


def test_transitions_and_intercut():
    lines = scene(
        "INT. HOUSE - DAY",
        "Mara lifts the receiver and waits for the operator.",
        block("MARA", "Hello?"),
        TRN + "SMASH CUT TO:",
        "EXT. PHONE BOX - NIGHT",
        "Owen holds the receiver in both hands.",
        "INTERCUT WITH:",
        TRN + "FADE OUT.",
    )
    t = tagged(lines)
    assert t["SMASH CUT TO:"] == t["FADE OUT."] == t["INTERCUT WITH:"] == "transition"


def test_no_blank_lines_uses_indentation():
    lines = [
        "INT. HOUSE - DAY",
        "Mara sits at the table with the ledger open.",
        *block("MARA", "Where were you?"),
        *block("OWEN", "(shrugging)", "Out by the rocks."),
        "He sets down a lantern.",
        *block("MARA", "In this weather."),
    ]
    assert tag_lines(lines) == [
        "scene_heading", "action", "character", "dialogue", "character", "parenthetical",
        "dialogue", "action", "character", "dialogue",
    ]


def test_flat_layout_caps_cues():
    lines = scene(
        "INT. HOUSE - DAY",
        "Mara sits at the table with the ledger open in front of her.",
        ["MARA", "Where were you last night? You said you'd be back by nine."],
        ["OWEN", "Out by the rocks."],
        "He sets down a lantern.",
    )
    t = tagged(lines)
    assert t["MARA"] == t["OWEN"] == "character"
    assert t["Out by the rocks."] == "dialogue"
    assert t["He sets down a lantern."] == "action"


def test_all_lower_case_script():
    lines = [ln.lower() for ln in scene(
        "INT. HOUSE - DAY",
        "Mara sits at the table with the ledger open in front of her.",
        block("MARA", "Where were you?"),
        block("OWEN", "(shrugging)", "Out by the rocks."),
        block("MARA", "In this weather?"),
        "He sets down a lantern and says nothing at all for a while.",
    )]
    assert [t for t in tag_lines(lines) if t != "blank"] == [
        "scene_heading", "action", "character", "dialogue", "character", "parenthetical",
        "dialogue", "character", "dialogue", "action",
    ]


def test_watermark_debris():
    lines = scene(
        "INT. HOUSE - DAY",
        "Mara sits at the table with the ledger open in front of her.",
        block("MARA", "Where were you?" + " " * 20 + "S"),
    )
    lines.insert(3, " " * 33 + "C")
    t = tag_lines(lines)
    assert t[3] == "page_marker"
    assert t[lines.index(DLG + "Where were you?" + " " * 20 + "S")] == "dialogue"


def test_page_number_at_line_end():
    lines = scene(
        "INT. HOUSE - DAY                                            23.",
        "Mara sits at the table with the ledger open in front of her.",
        block("MARA", "Where were you?"),
    )
    assert tag_lines(lines)[0] == "scene_heading"


def test_title_page_and_front_matter():
    lines = scene(
        " " * 25 + "THE LIGHTHOUSE KEEPER'S LEDGER",
        " " * 34 + "Written by",
        " " * 32 + "A. N. Author",
        "FADE IN:",
        "EXT. LIGHTHOUSE - DUSK",
        "The lamp turns.",
    )
    t = tag_lines(lines)
    assert t[:5] == ["title_page", "blank", "title_page", "blank", "title_page"]
    assert tagged(lines)["FADE IN:"] == "transition"


def test_dual_dialogue_side_by_side():
    lines = scene(
        "INT. HOUSE - DAY",
        "They both start talking at once.",
        [
            " " * 20 + "MARA" + " " * 26 + "OWEN",
            " " * 10 + "You never listen." + " " * 16 + "I always listen.",
        ],
    )
    t = tag_lines(lines)
    assert t[4:6] == ["character", "dialogue"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=60))
def test_never_raises_and_tags_every_line(lines):
    tags = tag_lines(lines)
    assert len(tags) == len(lines)
    for line, t in zip(lines, tags):
        if not line.strip():
            assert t == "blank"


# --- a parenthetical broken over lines ------------------------------------------------------


@pytest.mark.parametrize("last", ["HINGES)", "AWAY)", "OFF)", "V.O.)", "SLAMS SHUT)"])
def test_capitalised_end_of_a_wrapped_parenthetical_is_not_a_cue(last):
    lines = scene(
        "INT. BARN - DAY",
        "The door groans.",
        [CUE + "JOHN", PAR + "(tearing the door off its", PAR + last, DLG + "Help me with this."],
        [CUE + "MARA", DLG + "Fine.", PAR + "(she pulls it", PAR + last, DLG + "Got it."],
        [CUE + "JOHN", PAR + "(still pulling and", PAR + "pulling it", PAR + last, DLG + "Thanks."],
    )
    t = dict(enumerate(tag_lines(lines)))
    for i, line in enumerate(lines):
        if line.strip() == last:
            assert t[i] == "parenthetical", (i, line)
    assert [line.strip() for i, line in enumerate(lines) if t[i] == "character"] == ["JOHN", "MARA", "JOHN"]


def test_wrapped_parenthetical_in_a_flat_script_and_across_a_page_break():
    flat = ["INT. BARN - DAY", "", "JOHN", "(tearing the door off its", "HINGES)", "Help me.", ""]
    assert tag_lines(flat)[2:6] == ["character", "parenthetical", "parenthetical", "dialogue"]
    paged = [
        "INT. BARN - DAY", "", CUE + "JOHN", DLG + "Help me.", PAR + "(tearing the door off",
        "", " " * 60 + "12.", "", PAR + "its HINGES)", DLG + "Now!", "",
    ]
    t = tag_lines(paged)
    assert t[2:5] == ["character", "dialogue", "parenthetical"]
    assert t[8:10] == ["parenthetical", "dialogue"]


def test_wrapped_parenthetical_joins_into_one():
    from script2rp.model import TextForm
    from script2rp.parse import parse_form

    lines = scene(
        "INT. BARN - DAY",
        [CUE + "JOHN", PAR + "(tearing the door off its", PAR + "HINGES)", DLG + "Help me with this."],
        [CUE + "MARA", DLG + "Fine."],
    )
    sp = parse_form(TextForm(lines, "<t>", "text"), min_scene_lines=0)
    john = sp.scenes[0].dialogues[0]
    assert john.parentheticals == ["tearing the door off its HINGES"]
    assert john.text == "Help me with this."
    assert [c.name for c in sp.characters] == ["JOHN", "MARA"]


def test_end_of_a_wrapped_parenthetical_outside_a_speech_is_never_a_cue():
    """A parenthetical whose opening line was read as action (no cue before it) must not
    make its capitalised last line ("AWAY)") a cue."""
    lines = scene(
        "INT. BARN - DAY",
        "The door groans.",
        block("JOHN", "Help me."),
        block("MARA", "Fine."),
        block("JOHN", "Good."),
        "She goes.",
        [PAR + "(pulling it", PAR + "AWAY)", DLG + "Done."],
        "INT. HALL - DAY",
        [PAR + "(opening the", PAR + "DOOR)", DLG + "Hello?"],
    )
    t = tagged(lines)
    assert t["AWAY)"] != "character" and t["DOOR)"] != "character"
    assert [line.strip() for line, k in zip(lines, tag_lines(lines)) if k == "character"] == ["JOHN", "MARA", "JOHN"]


def test_parenthetical_broken_by_a_blank_line_keeps_the_speech():
    """"(notices something down", "", "BELOW)" inside a speech: the capitalised closing
    line is the parenthetical's end (not a cue), and the speech goes on after it."""
    lines = scene(
        "INT. STAIRS - NIGHT",
        block("JOEL", "Hold on."),
        block("DEAN", "What?"),
        [CUE + "JOEL", DLG + "If I don't get home by eight,", DLG + "it's over.", PAR + "(he notices something down",
         "", CUE[:-6] + "BELOW)", DLG + "I have to call you", DLG + "back."],
        "Joel runs downstairs.",
    )
    t = tagged(lines)
    assert t["BELOW)"] == "parenthetical"
    assert t["I have to call you"] == t["back."] == "dialogue"
    assert t["Joel runs downstairs."] == "action"


def test_what_a_transition_cuts_to_is_a_place_or_a_shot():
    lines = scene(
        TRN + "FADE IN:",
        "OPENING CREDITS:",
        "INT. FARMHOUSE KITCHEN - DAY",
        "Mara waits by the window, watching the road for the grain truck.",
        block("MARA", "He's late again."),
        block("OWEN", "He's always late."),
        TRN + "CUT TO:",
        "OWEN",
        "Pacing the hall with the truck keys in his fist.",
        block("OWEN", "I'm going to look for him."),
        "EXT. FARMYARD - DAY",
        "Owen crosses the mud to the gate.",
        "EXT. COUNTY ROAD - DAY",
        "Empty in both directions.",
        TRN + "CUT TO:",
        "THE HAY BARN",
        "Bales stacked to the rafters. A lamp swings.",
        "INT. TRUCK CAB - DAY",
        "The radio crackles.",
        TRN + "TITLE CARD:",
        "THE RECKONING",
        TRN + "DISSOLVE TO:",
        "\"ONE HOUR EARLIER\"",
        "The truck idles at the crossroads.",
        TRN + "MATCH CUT TO:",
        "A SPINNING WEATHERVANE",
        "held in a child's fist, turning in the wind.",
        TRN + "FADE TO:",
        CUE + "BLACK",
    )
    t = tagged(lines)
    assert t["THE HAY BARN"] == "scene_heading"  # a place, INT./EXT. or not
    assert t["A SPINNING WEATHERVANE"] != "scene_heading"  # the subject of the sentence under it
    # a character the script gives speech to is a shot of them, not a place
    assert [k for line, k in zip(lines, tag_lines(lines)) if line == "OWEN"] == ["action"]
    assert t["OPENING CREDITS:"] != "scene_heading"  # a label
    assert t["THE RECKONING"] != "scene_heading"  # the card's text
    assert t["\"ONE HOUR EARLIER\""] != "scene_heading"  # quoted: words on screen
    assert t["BLACK"] != "scene_heading"  # off the action column


def test_a_character_introduced_in_action_is_not_an_inline_cue():
    # cues stand on their own lines here: a known name opening an action line, one space
    # before a capitalised surname, introduces the character
    intros = {
        "MARA": "MARA Quill, 34, all elbows and nerves, sits on the edge of a chair.",
        "OWEN": "OWEN Dray, 60, shuffles out of the back room with a mug of tea.",
        "TESS": "TESS Marlow, 12, kicks the door open with a muddy boot.",
        "JUDE": "JUDE Quill, 40, follows her in, apologising to nobody.",
        "NELL": "NELL Dray, 70, watches all of them over her knitting.",
    }
    parts: list = ["INT. SURGERY - DAY", "The waiting room is empty but for a ticking clock and a fern."]
    for name, intro in intros.items():
        parts += [intro, block(name, "Is anyone here?"), "A pause.", block(name, "Hello?"), block(name, "Doctor?")]
    lines = scene(*parts)
    t = tagged(lines)
    assert [t[intro] for intro in intros.values()] == ["action"] * 5
    assert [k for k in tag_lines(lines) if k == "character"] == ["character"] * 15

"""Line tagger: the edge cases the parser issue names, on small hand-written layouts."""

from script2rp.parse.tagger import tag_lines

CUE, DLG = " " * 37, " " * 25


def tags_of(text: str) -> list[str]:
    return tag_lines(text.split("\n"))


def test_basic_indented_block():
    text = "\n".join([
        "INT. KITCHEN - NIGHT",
        "",
        "Mara slams the drawer shut and turns to face the window.",
        "",
        CUE + "MARA",
        " " * 31 + "(quietly)",
        DLG + "You heard that too.",
        DLG + "Tell me you heard that.",
        "",
        " " * 60 + "CUT TO:",
    ])
    assert tags_of(text) == [
        "scene_heading", "blank", "action", "blank", "character", "parenthetical",
        "dialogue", "dialogue", "blank", "transition",
    ]

"""Rule-based rendering of scenes and the transcript checks every model answer goes through."""

from __future__ import annotations

import pytest

from script2rp.model import Action, Dialogue, Scene, Transition
from script2rp.tasks.scene_enhancement import split_scene
from script2rp.cinematika import display_name, turns
from script2rp.tasks.checks import coverage, debris
from script2rp.tasks.plain_scenes import plain_rp, setting_line


@pytest.mark.parametrize("heading, line", [
    ("INT. LIGHTHOUSE - KITCHEN - NIGHT", "Inside. Lighthouse, Kitchen. Night."),
    ("EXT. GULL ROCK -- DAY #2#", "Outside. Gull rock. Day."),
    ("INT./EXT. CAR - MOVING - DAY", "Inside and outside. Car, Moving. Day."),
    ("12 EXT. QUAY - DAWN 12", "Outside. Quay. Dawn."),
    ("MONTAGE", "Montage."),
    (None, ""),
])
def test_setting_line_has_no_screenplay_notation(heading, line):
    assert setting_line(heading) == line
    assert debris(line) is None


def test_display_names():
    assert display_name("MARA") == "Mara"
    assert display_name("DR. JONES") == "Dr. Jones"
    assert display_name("McCLANE") == "McCLANE"
    assert display_name("GUARD #2") == "Guard #2"


def _scene() -> Scene:
    return Scene(index=0, heading="INT. LOFT - DAWN", line_span=(0, 9), elements=[
        Action("Iris mends a net.", (1, 1)),
        Dialogue("IRIS", "You say that like it's news.", (2, 4), parentheticals=["(without looking up)"],
                 parenthetical_positions=[0]),
        Dialogue("OWEN", 'He said "never". Then he came back.', (5, 6), extension="V.O.",
                 parentheticals=["(beat)"], parenthetical_positions=[3]),
        Transition("CUT TO:", (7, 7)),
    ])


def test_plain_rp_weaves_parentheticals_and_drops_notation():
    text = plain_rp(_scene(), {"IRIS": "Iris", "OWEN": "Owen"})
    assert text.split("\n\n") == [
        "*Inside. Loft. Dawn.*",
        "Iris mends a net.",
        'Iris: *without looking up* "You say that like it\'s news."',
        "Owen: \"He said 'never'.\" *beat* \"Then he came back.\" *Owen's voice carries over the scene.*",
    ]
    assert debris(text) is None
    assert [name for name, _ in turns(text) if name] == ["Iris", "Owen"]


def test_turns_tell_names_from_narration():
    text = 'Out of the murk: a rock.\n\nMara: "Tide turns at four."\n**Dr. Jones**: Hello.\nCLOSE ON: a hand.'
    assert [n for n, _ in turns(text)] == ["", "Mara", "Dr. Jones", "CLOSE ON"]


@pytest.mark.parametrize("text", ["INT. HOUSE - DAY", "JOHN (CONT'D)", "MARA (V.O.)", "CUT TO: the sea", "FADE OUT."])
def test_debris_found(text):
    assert debris(f"Mara walks. {text} She stops.")


def test_coverage_counts_blocks_kept():
    d = _scene().dialogues
    assert coverage(d, "Iris: \"You say that like it's news.\" Owen: \"He said never. Then he came back.\"") == 1.0
    assert coverage(d, "Iris: \"You say that like it's news.\"") == 0.5
    assert coverage([], "anything") == 1.0


def test_long_scene_split_on_element_boundaries_with_context():
    scene = Scene(index=0, heading=None, line_span=(0, 0), elements=[
        Dialogue("A", f"Line number {i} " * 10, (i, i)) for i in range(20)])
    parts = split_scene(scene, max_chars=600)
    assert len(parts) > 3
    assert [e for p in parts for e in p.body] == scene.elements  # every element once, in order
    for before, part in zip(parts, parts[1:]):
        assert part.context == before.body[-2:]
    assert split_scene(scene, max_chars=100000)[0].body == scene.elements


def test_plain_rp_writes_prose_without_screenplay_notation():
    scene = Scene(index=0, heading="EXT. CARL AND ELLIE'S HOUSE - DAY", line_span=(0, 9), elements=[
        Action("CARL sits on the porch", (1, 1)),
        Action("Waiting...", (2, 2)),
        Dialogue("GIRL'S VOICE", "Hello?", (3, 4), extension="O.S."),
        Action("Silence.", (5, 5)),
        Action("EXT. ZOO - NIGHT", (6, 6), "shot"),  # a merged scene's own heading
        Action("THE END", (7, 7)),
    ])
    text = plain_rp(scene, {"CARL": "Carl", "ELLIE": "Ellie", "GIRL'S VOICE": display_name("GIRL'S VOICE")})
    assert text.split("\n\n") == [
        "*Outside. Carl and Ellie's house. Day.*",
        "Carl sits on the porch. Waiting...",
        "Girl's Voice: \"Hello?\" *Girl's Voice is heard but not seen.*",
        "*Silence.*",
        "*Outside. Zoo. Night.*",
    ]
    assert debris(text) is None

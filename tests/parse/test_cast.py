"""Cast table: counts, main vs NPC, safe alias merges only."""

from __future__ import annotations

from script2rp.model import Dialogue, Scene, TaggedLine, TextForm
from script2rp.parse.cast import DEFAULT_MAIN_THRESHOLD, count_cast
from script2rp.parse.names import normalise_cue
from script2rp.parse.structure import build_screenplay


def say(raw_cue: str, text: str, span=(0, 1), parentheticals=()) -> Dialogue:
    speaker, extension = normalise_cue(raw_cue)
    return Dialogue(speaker, text, span, extension, list(parentheticals), [0] * len(parentheticals), raw_cue)


def scene(index: int, *dialogues: Dialogue) -> Scene:
    return Scene(index, f"INT. ROOM {index} - DAY", list(dialogues), (0, 0))


def test_counts_scenes_and_first_scene():
    scenes = [
        scene(0, say("MARA", "Hello there.", (1, 2))),
        scene(1),
        scene(2, say("TOBIAS", "Yes.", (5, 6)), say("MARA", "Go.", (7, 8))),
        scene(3, say("Mara (V.O.)", "Far away now, she said.", (9, 11))),
    ]
    characters, report = count_cast(scenes)
    mara, tobias = characters
    assert (mara.name, mara.dialogue_blocks, mara.words, mara.scenes, mara.first_scene) == ("MARA", 3, 8, [0, 2, 3], 0)
    assert (tobias.name, tobias.dialogue_blocks, tobias.words, tobias.scenes, tobias.first_scene) == (
        "TOBIAS", 1, 1, [2], 2)
    # Without tagged lines, dialogue lines are estimated from the span.
    assert (mara.dialogue_lines, tobias.dialogue_lines) == (4, 1)
    assert report == {"MARA": ["MARA", "Mara (V.O.)"]}


def test_npc_threshold_default_is_cinematika_15():
    assert DEFAULT_MAIN_THRESHOLD == 15
    scenes = [scene(0, *[say("MAIN", "Hi.") for _ in range(15)], *[say("EXTRA", "Hi.") for _ in range(14)])]
    characters, _ = count_cast(scenes)
    assert [(c.name, c.is_main) for c in characters] == [("MAIN", True), ("EXTRA", False)]
    characters, _ = count_cast(scenes, main_threshold=10)
    assert all(c.is_main for c in characters)


def test_only_safe_merges_and_the_report():
    spellings = ["JOHN", "JOHN (CONT'D)", "JOHN (CONT’D)", "john (cont'd)", "JOHN (V.O.)", "JOHN  (O.S.)", "JOHN"]
    scenes = [scene(0, *[say(s, "Hi.") for s in spellings], say("JOHNNY", "Hi."), say("JON", "Hi."),
                    say("McCLANE", "Yippee."), say("MCCLANE", "Yes."),
                    say("DR. JONES", "Hi."), say("Dr.  Jones", "Hi."),
                    say("GUARD #2", "Halt."), say("GUARD #1", "Halt."))]
    characters, report = count_cast(scenes)
    names = {c.name: c.dialogue_blocks for c in characters}
    assert names == {"JOHN": 7, "JOHNNY": 1, "JON": 1, "MCCLANE": 2, "DR. JONES": 2, "GUARD #2": 1, "GUARD #1": 1}
    assert report == {
        "JOHN": ["JOHN", "JOHN (CONT'D)", "JOHN (CONT’D)", "john (cont'd)", "JOHN (V.O.)", "JOHN (O.S.)"],
        "MCCLANE": ["McCLANE", "MCCLANE"],
        "DR. JONES": ["DR. JONES", "Dr. Jones"],
    }
    assert next(c for c in characters if c.name == "JOHNNY").aliases == ["JOHNNY"]


def test_sorted_by_blocks_then_name():
    scenes = [scene(0, say("ZED", "a"), say("AMY", "b"), say("BOB", "c"), say("BOB", "d"))]
    assert [c.name for c in count_cast(scenes)[0]] == ["BOB", "AMY", "ZED"]


def test_empty_cast():
    assert count_cast([]) == ([], {})
    assert count_cast([scene(0)]) == ([], {})


def test_dialogue_lines_exact_with_tagged_lines():
    rows = [
        ("scene_heading", "INT. ROOM - DAY"),
        ("character", "MARA"),
        ("parenthetical", "(tired)"),
        ("dialogue", "One line,"),
        ("dialogue", "two lines."),
        ("page_marker", "(MORE)"),
        ("page_marker", "2."),
        ("character", "MARA (CONT'D)"),
        ("dialogue", "Three."),
    ]
    lines = [TaggedLine(i, t, s) for i, (t, s) in enumerate(rows)]
    scenes = build_screenplay(TextForm([s for _, s in rows], "<t>", "text"), lines, min_scene_lines=0).scenes
    [mara] = count_cast(scenes, lines=lines)[0]
    assert (mara.dialogue_blocks, mara.dialogue_lines, mara.words) == (1, 3, 5)

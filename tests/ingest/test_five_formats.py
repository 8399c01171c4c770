"""The bundled sample (data/lighthouse.*, rendered from the Fountain source by
data/make_formats.py) parses to the same screenplay from all five formats.

Compared after normalisation: scene headings, speakers in order per scene, each
speech's speaker, extension, text (whitespace folded), parentheticals and where they
sit, and the cast counts. Dual dialogue is compared flattened: Fountain (`^`) and FDX
(`<DualDialogue>`) mark the pair, the typed renderings (txt/html/pdf) print the two
speeches one after the other, so there is no layout from which to know they overlap.
"""

from pathlib import Path

import pytest

from script2rp.parse import parse_file

DATA = Path(__file__).resolve().parents[2] / "data"
FORMATS = ["fountain", "fdx", "txt", "html", "pdf"]


def _norm(s: str) -> str:
    return " ".join(s.split())


def key(suffix: str):
    sp = parse_file(DATA / f"lighthouse.{suffix}", min_scene_lines=0)
    scenes = [
        (
            scene.heading,
            scene.speakers,
            [
                (d.speaker, d.extension, _norm(d.text), [_norm(p) for p in d.parentheticals], d.parenthetical_positions)
                for d in scene.dialogues
            ],
        )
        for scene in sp.scenes
    ]
    cast = [(c.name, c.dialogue_blocks, c.words, c.scenes, c.is_main) for c in sp.characters]
    dual = [(scene.index, d.speaker) for scene in sp.scenes for d in scene.dialogues if d.dual]
    return scenes, cast, dual


@pytest.fixture(scope="module")
def keys():
    return {s: key(s) for s in FORMATS}


def test_sample_is_a_real_test_case(keys):
    scenes, cast, dual = keys["fountain"]
    assert len(scenes) >= 3
    assert len(cast) >= 4
    speeches = [d for _, _, ds in scenes for d in ds]
    assert any(d[1] == "V.O." for d in speeches)
    assert any(d[3] for d in speeches)  # a parenthetical
    assert len(dual) == 2  # one pair


@pytest.mark.parametrize("suffix", FORMATS[1:])
def test_every_format_gives_the_same_scenes_speakers_and_dialogue(keys, suffix):
    base_scenes, base_cast, _ = keys["fountain"]
    scenes, cast, _ = keys[suffix]
    assert [s[0] for s in scenes] == [s[0] for s in base_scenes]  # headings
    assert [s[1] for s in scenes] == [s[1] for s in base_scenes]  # speakers per scene
    for got, want in zip(scenes, base_scenes):
        assert got[2] == want[2], got[0]
    assert cast == base_cast


def test_dual_dialogue_is_marked_where_the_format_carries_it(keys):
    assert keys["fdx"][2] == keys["fountain"][2]
    for suffix in ("txt", "html", "pdf"):  # printed one after the other: flattened
        assert keys[suffix][2] == []

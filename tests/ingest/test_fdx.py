"""Final Draft XML: paragraph types, styled runs, dual dialogue, title page, unsafe XML."""

from __future__ import annotations

from pathlib import Path

import pytest

from script2rp.errors import ScreenplayError
from script2rp.ingest import load

HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n'


def fdx(body: str, title_page: str = "") -> str:
    root = '<FinalDraft DocumentType="Script" Template="No" Version="5">'
    return f"{HEAD}{root}<Content>{body}</Content>{title_page}</FinalDraft>"


def para(kind: str, *runs: str, **attrs: str) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f'<Paragraph Type="{kind}"{extra}>' + "".join(runs) + "</Paragraph>"


def write(tmp_path: Path, text: str, name: str = "s.fdx") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def pairs(f) -> list[tuple[str, str]]:
    return [(t, ln.strip()) for ln, t in zip(f.lines, f.tags) if t != "blank"]


def test_paragraph_types_and_multi_run_text(tmp_path):
    body = (
        para("Scene Heading", "<Text>int. lamp room - night</Text>", Number="4")
        + para("Action", "<Text>The lens </Text>", '<Text Style="Bold">SHUDDERS</Text>', "<Text> to a halt.</Text>")
        + para("Character", "<Text>MARA</Text>", "<Text> (V.O.)</Text>")
        + para("Parenthetical", "<Text>(quietly)</Text>")
        + para("Dialogue", '<Text Style="Italic">Not</Text>', "<Text> yet.</Text>")
        + para("Lyrics", "<Text>Turn the light</Text>")
        + para("Shot", "<Text>CLOSE ON THE LEDGER</Text>")
        + para("General", "<Text>A general line.</Text>")
        + para("Transition", "<Text>CUT TO:</Text>")
        + para("New Act", "<Text>ACT TWO</Text>")
        + para("Action", "<Text>THE END</Text>", Alignment="Center")
        + para("Action", "<Text>   </Text>")
    )
    f = load(write(tmp_path, fdx(body)))
    assert f.format == "fdx" and f.title is None
    assert pairs(f) == [
        ("scene_heading", "INT. LAMP ROOM - NIGHT"),
        ("action", "The lens SHUDDERS to a halt."),
        ("character", "MARA (V.O.)"),
        ("parenthetical", "(quietly)"),
        ("dialogue", "Not yet."),
        ("lyrics", "Turn the light"),
        ("shot", "CLOSE ON THE LEDGER"),
        ("action", "A general line."),
        ("transition", "CUT TO:"),
        ("centered", "ACT TWO"),
        ("centered", "THE END"),
    ]
    cue = f.tags.index("character")
    assert f.lines[cue] == " " * 22 + "MARA (V.O.)"
    assert f.tags[cue : cue + 4] == ["character", "parenthetical", "dialogue", "lyrics"]  # one block, no blanks


def test_dual_dialogue_marks_the_second_cue(tmp_path):
    pair = (
        "<Paragraph><DualDialogue>"
        + para("Character", "<Text>MARA</Text>")
        + para("Dialogue", "<Text>One.</Text>")
        + para("Character", "<Text>TOBIAS</Text>")
        + para("Parenthetical", "<Text>(at once)</Text>")
        + para("Dialogue", "<Text>Two.</Text>")
        + "</DualDialogue></Paragraph>"
    )
    body = para("Character", "<Text>DOYLE</Text>") + para("Dialogue", "<Text>Souls?</Text>") + pair
    f = load(write(tmp_path, fdx(body)))
    cues = [i for i, t in enumerate(f.tags) if t == "character"]
    assert [f.lines[i].strip() for i in cues] == ["DOYLE", "MARA", "TOBIAS"]
    assert f.dual == {cues[2]}


def test_title_page_and_new_page(tmp_path):
    title = (
        "<TitlePage><Content>"
        + para("Action", "<Text>The Ledger</Text>", Alignment="Center")
        + para("Action", "<Text></Text>")
        + para("Action", "<Text>Written by</Text>", Alignment="Center")
        + "</Content></TitlePage>"
    )
    body = para("Scene Heading", "<Text>INT. HOUSE - DAY</Text>")
    body += para("Scene Heading", "<Text>EXT. SEA - DAY</Text>", StartsNewPage="Yes")
    f = load(write(tmp_path, fdx(body, title)))
    assert f.title == "The Ledger"
    assert f.tags == ["title_page", "title_page", "page_marker", "scene_heading", "page_marker", "scene_heading"]


def test_fdx_without_suffix_is_detected(tmp_path):
    f = load(write(tmp_path, fdx(para("Action", "<Text>He waits.</Text>")), name="script"))
    assert f.format == "fdx" and pairs(f) == [("action", "He waits.")]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (HEAD + '<FinalDraft><Content><Paragraph Type="Action"><Text>unclosed', "malformed Final Draft XML"),
        ("not xml at all", "malformed Final Draft XML"),
        (HEAD + "<Screenplay><Content/></Screenplay>", "not a Final Draft file"),
        (HEAD + "<FinalDraft><Body/></FinalDraft>", "no <Content>"),
        (fdx(para("Action", "<Text> </Text>")), "no text"),
    ],
)
def test_malformed_fdx(tmp_path, text, reason):
    p = write(tmp_path, text)
    with pytest.raises(ScreenplayError, match=reason) as e:
        load(p)
    assert e.value.path == str(p)


def test_entity_expansion_is_refused(tmp_path):
    bomb = (
        HEAD + '<!DOCTYPE FinalDraft [<!ENTITY a "haha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<FinalDraft><Content><Paragraph Type="Action"><Text>&b;</Text></Paragraph></Content></FinalDraft>'
    )
    p = write(tmp_path, bomb)
    with pytest.raises(ScreenplayError, match="DOCTYPE") as e:
        load(p)
    assert e.value.path == str(p)


def test_external_entity_is_refused_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOKEN")
    xxe = (
        HEAD + f'<!DOCTYPE FinalDraft [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<FinalDraft><Content><Paragraph Type="Action"><Text>&xxe;</Text></Paragraph></Content></FinalDraft>'
    )
    with pytest.raises(ScreenplayError, match="refused") as e:
        load(write(tmp_path, xxe))
    assert "TOP-SECRET" not in str(e.value)

"""`script2rp export`: ShareGPT / messages conversations and Character Card V2/V3 (JSON and PNG) from a
replay build, through the real CLI."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from script2rp.export import chara, png
from script2rp.cinematika import split_scene

from .conftest import run_cli

MOVIE = "low-tide-at-pell-harbour"
V2_KEYS = {"name", "description", "personality", "scenario", "first_mes", "mes_example", "creator_notes",
           "system_prompt", "post_history_instructions", "alternate_greetings", "tags", "creator",
           "character_version", "extensions"}


def export(build: Path, fmt: str, dest: Path, rc: int = 0):
    return run_cli("export", build, "--to", fmt, "--out", dest, "-q", check_rc=rc)


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_sharegpt_one_conversation_per_scene_and_user_character(harbour_build, tmp_path):
    proc = export(harbour_build, "sharegpt", tmp_path)
    assert proc.stdout == "" and proc.stderr == ""
    records = jsonl(tmp_path / "sharegpt.jsonl")
    # Both main characters speak in both scenes: 2 scenes x 2 user characters.
    assert [(r["scene_index"], r["user_character"]) for r in records] == [(0, "Owen"), (0, "Iris"), (1, "Owen"), (1, "Iris")]
    quay = next(r for r in records if r["scene_index"] == 1 and r["user_character"] == "Owen")
    conv = quay["conversations"]
    assert conv[0]["from"] == "system"
    system = conv[0]["value"]
    assert system.startswith("[characters]\nname: Owen\n") and "\nNPCS:\n- Harbourmaster\n[/characters]" in system
    assert system.endswith("[/scenario]") and "[scenario]\nOn the quay that morning" in system
    roles = [t["from"] for t in conv[1:]]
    assert all(a != b for a, b in zip(roles, roles[1:]))  # human and gpt alternate
    assert roles[0] == "gpt"  # the narration and the Harbourmaster come before Owen speaks
    assert conv[1]["value"].startswith("Gulls wheel") and '\n\nHarbourmaster: "Vane.' in conv[1]["value"]
    humans = [t["value"] for t in conv if t["from"] == "human"]
    assert humans == ['Owen: "Iris has the money." He steps neatly behind his sister.', 'Owen: "We\'ll pay April in fish."']
    assert all(t["value"].startswith("Iris: ") for t in conv[2:] if t["from"] == "gpt")
    # Nothing of the transcript is lost.
    text = "\n\n".join(t["value"] for t in conv[1:])
    transcript = split_scene(_scene_text(harbour_build, 1)).transcript
    assert text == transcript


def test_messages_carry_the_speaker_name(harbour_build, tmp_path):
    export(harbour_build, "messages", tmp_path)
    records = jsonl(tmp_path / "messages.jsonl")
    assert len(records) == 4
    quay = next(r for r in records if r["scene_index"] == 1 and r["user_character"] == "Iris")
    messages = quay["messages"]
    assert messages[0]["role"] == "system" and "name" not in messages[0]
    assert [(m["role"], m["name"]) for m in messages[1:]] == [
        ("assistant", "narrator"), ("assistant", "Harbourmaster"), ("assistant", "Owen"), ("user", "Iris"),
        ("assistant", "Owen"), ("user", "Iris")]
    assert all(m["content"].startswith(m["name"] + ": ") for m in messages[1:] if m["name"] != "narrator")
    assert {m["role"] for m in messages} == {"system", "user", "assistant"}


def _scene_text(build: Path, index: int) -> str:
    import pyarrow.parquet as pq

    rows = pq.read_table(build / "scene_by_scene.parquet").to_pylist()
    return next(r["scene_by_scene"] for r in rows if r["scene_index"] == index)


def _assert_strings_not_null(data: dict) -> None:
    for key in V2_KEYS - {"alternate_greetings", "tags", "extensions"}:
        assert isinstance(data[key], str), key


def test_character_card_v2(harbour_build, tmp_path):
    export(harbour_build, "chara-card-v2", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{MOVIE}--iris.json", f"{MOVIE}--owen.json"]
    card = json.loads((tmp_path / f"{MOVIE}--owen.json").read_text())
    assert card["spec"] == "chara_card_v2" and card["spec_version"] == "2.0"
    assert set(card) == {"spec", "spec_version", "data"}
    data = card["data"]
    assert set(data) == V2_KEYS
    _assert_strings_not_null(data)
    assert data["extensions"] == {} and data["system_prompt"] == "" and data["post_history_instructions"] == ""
    assert data["name"] == "Owen"
    assert data["personality"].startswith("Cheerful: Owen meets bad news with a grin")
    assert data["personality"].count("\n") == 7  # eight traits, one a line
    assert data["mes_example"].startswith("<START>\n{{char}}: He shakes the sea out of his hair. \"The boat's back")
    assert "Owen:" not in data["mes_example"]
    assert data["scenario"].startswith("At dawn in the net loft")  # the scene where he first appears
    assert data["first_mes"] == "\"The boat's back. Nobody drowned.\" He stands dripping on the boards, grinning as if he had hauled the sea in himself."
    assert data["alternate_greetings"] == ['"Iris has the money." He steps neatly behind his sister.']
    assert "Low Tide at Pell Harbour" in data["creator_notes"] and "belong to their authors" in data["creator_notes"]
    assert data["creator"] == "script2rp" and data["character_version"].startswith("character_card/")
    assert chara.check_v2(card) == []


def test_character_card_v3_keeps_v2_fields(harbour_build, tmp_path):
    export(harbour_build, "chara-card-v3", tmp_path / "v3")
    export(harbour_build, "chara-card-v2", tmp_path / "v2")
    for name in ("owen", "iris"):
        v3 = json.loads((tmp_path / "v3" / f"{MOVIE}--{name}.json").read_text())
        v2 = json.loads((tmp_path / "v2" / f"{MOVIE}--{name}.json").read_text())
        assert v3["spec"] == "chara_card_v3" and v3["spec_version"] == "3.0"
        assert v3["data"]["group_only_greetings"] == []
        assert {k: v for k, v in v3["data"].items() if k != "group_only_greetings"} == v2["data"]
        assert chara.check_v3(v3) == []


def test_png_cards_reread(harbour_build, tmp_path):
    export(harbour_build, "png", tmp_path / "png")
    export(harbour_build, "chara-card-v2", tmp_path / "v2")
    export(harbour_build, "chara-card-v3", tmp_path / "v3")
    for name in ("owen", "iris"):
        data = (tmp_path / "png" / f"{MOVIE}--{name}.png").read_bytes()
        kinds = [k for k, _ in png.chunks(data)]  # CRCs checked while reading
        assert kinds[0] == b"IHDR" and kinds[-3:] == [b"tEXt", b"tEXt", b"IEND"]
        texts = png.read_text_chunks(data)
        assert [k for k, _ in texts] == ["chara", "ccv3"]  # no other text chunk ahead of them
        v2 = json.loads((tmp_path / "v2" / f"{MOVIE}--{name}.json").read_text())
        v3 = json.loads((tmp_path / "v3" / f"{MOVIE}--{name}.json").read_text())
        assert json.loads(base64.b64decode(texts[0][1]).decode("utf-8")) == v2
        assert json.loads(base64.b64decode(texts[1][1]).decode("utf-8")) == v3
        from PIL import Image

        with Image.open(tmp_path / "png" / f"{MOVIE}--{name}.png") as image:
            image.load()
            assert image.size == (400, 600)
            assert json.loads(base64.b64decode(image.text["ccv3"])) == v3  # Pillow reads the same chunk


def test_png_embed_replaces_earlier_text_chunks():
    base = png.portrait("Mara")
    tagged = png.embed(base, {"spec": "chara_card_v2", "spec_version": "2.0", "data": {"name": "old"}})
    # An image that already has text chunks (and an old card) gets them all replaced.
    import struct
    import zlib

    comment = b"Comment\0made elsewhere"
    chunk = struct.pack(">I", len(comment)) + b"tEXt" + comment + struct.pack(">I", zlib.crc32(b"tEXt" + comment))
    with_comment = tagged[:33] + chunk + tagged[33:]
    v2 = {"spec": "chara_card_v2", "spec_version": "2.0", "data": {"name": "Mara ✓"}}
    out = png.embed(with_comment, v2, {"spec": "chara_card_v3", "spec_version": "3.0", "data": {"name": "Mara ✓"}})
    assert [k for k, _ in png.read_text_chunks(out)] == ["chara", "ccv3"]
    assert png.read_card(out, "chara") == v2
    with pytest.raises(ValueError):
        png.chunks(out[:-5])


def test_export_errors(harbour_build, tmp_path):
    proc = export(tmp_path / "missing", "sharegpt", tmp_path / "x", rc=2)
    assert "no such folder" in proc.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    import shutil

    for name in ("plain_scenes.parquet", "plain_full_script.parquet", "report.json"):
        shutil.copy(harbour_build / name, plain / name)
    proc = export(plain, "messages", tmp_path / "y", rc=2)
    assert "scene_by_scene.parquet" in proc.stderr and "--backend" in proc.stderr
    proc = export(plain, "png", tmp_path / "y", rc=2)
    assert "character_cards.parquet" in proc.stderr
    proc = run_cli("export", harbour_build, "--to", "csv", "--out", tmp_path / "z")
    assert proc.returncode == 2


def test_export_partial_failure_names_the_bad_card(fresh_build, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(fresh_build / "character_cards.parquet")
    rows = table.to_pylist()
    rows[0]["character_cards"] = "name: [unclosed"
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), fresh_build / "character_cards.parquet")
    proc = run_cli("export", fresh_build, "--to", "chara-card-v2", "--out", tmp_path / "cards")
    assert proc.returncode == 1
    assert rows[0]["id"] in proc.stderr
    assert len(list((tmp_path / "cards").glob("*.json"))) == 1


def test_help_for_every_new_command():
    for command in ("push", "export", "chat"):
        proc = run_cli(command, "--help", check_rc=0)
        assert "usage: script2rp " + command in proc.stdout and "-q" in proc.stdout

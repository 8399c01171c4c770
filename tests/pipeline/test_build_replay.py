"""Whole builds through the real CLI with recorded answers (`--backend replay`): golden formats
pinned to the cinematika model card's examples, failures recorded, resume and re-run."""

from __future__ import annotations

import shutil
from pathlib import Path

import datasets
import yaml

from script2rp.tasks import CONFIGS

from .conftest import REPO, answers_jsonl, assert_accounted, read_rows, report, run_cli

MOVIE = "low-tide-at-pell-harbour"


def build(harbour: Path, out: Path, replay: Path, *extra: object, rc: int = 0):
    return run_cli("build", harbour, "--out", out, "--backend", "replay", "--replay", replay,
                   "--main-threshold", 2, "-q", *extra, check_rc=rc)


def test_every_config_built_and_loadable(tmp_path, harbour, good_answers):
    out = tmp_path / "out"
    build(harbour, out, answers_jsonl(tmp_path / "a.jsonl", good_answers))
    rows = read_rows(out)
    expected = {"plain_scenes": 2, "plain_full_script": 1, "scene_by_scene": 2, "full_script": 1,
                "character_cards": 2, "scene_enhancement": 2, "scene_summary": 2, "rp_to_character_card": 2,
                "character_card_reverse_prompt": 2, "prompt_to_character_card": 2, "memories": 2,
                "director": 0, "actions": 5}
    assert {c: len(r) for c, r in rows.items()} == {c: n for c, n in expected.items() if n}
    assert report(out)["rows"] == expected
    rep = report(out)
    assert rep["failures"] == [] and rep["check"]["violations"] == []
    front = yaml.safe_load((out / "README.md").read_text().split("---")[1])
    # Every config with rows is declared and loads; director has none here (no two NPCs talk).
    assert [c["config_name"] for c in front["configs"]] == [c for c in CONFIGS if expected[c]]
    assert not (out / "director.parquet").exists()
    for config in (c for c in CONFIGS if expected[c]):
        ds = datasets.load_dataset(str(out), config, split="train")
        assert ds.num_rows == expected[config]
        assert {"id", "movie", "model", "prompt_version", "script2rp_version"} <= set(ds.column_names)
        assert len(set(ds["id"])) == ds.num_rows
        assert set(ds["model"]) <= {"replay"}  # the plain configs hold the model's transcripts too


OWEN_CARD = """name: Owen
characteristics:
  Cheerful: Owen meets bad news with a grin and good news with a bigger one, whatever the weather.
  Reckless: He goes to sea in weather that keeps wiser men ashore, and calls it a fine morning.
  Evasive: When money is owed he steps behind his sister and lets her do the counting.
  Boastful: He tells small survivals as great victories, and the sea grows rougher with each telling.
  Loyal: Whatever he says on the quay, he always comes home to Iris and the net loft.
  Careless: He leaves wet boots on the boards and half the catch in them, and never notices.
  Warm: He cannot stay angry for longer than a tide, and he forgives debts he never meant to pay.
  Restless: On land he fidgets, counts gulls and talks of the next trip before the last is dry.
description: |
  Owen Vane is a young fisherman of Pell Harbour, in his thirties, always soaked and always grinning. \
He lives from catch to catch and leaves the accounts, the mending and the worrying to his older sister.

  He is strong, quick on a deck and slow with a ledger. The harbour knows him for his stories, which grow \
with every telling, and for his habit of arriving at the loft door dripping and triumphant.

  Under the boasting there is a man who is afraid of owing anyone, and who would rather face a squall than \
the Harbourmaster's book. He trusts Iris completely and without question, though he would never say so aloud.
example_dialogue: |
  Owen: He shakes the sea out of his hair. "The boat's back and nobody drowned. That's a good trip, by my count."
  {{user}}: "And the money?"
  Owen: "Ask Iris." He grins and steps behind his sister. "She's better with coins than I am with weather."
  {{user}}: "You can't hide behind her forever."
  Owen: "Watch me." He lifts one squelching boot. "Besides, half the catch is still in here."
  {{user}}: "Then you had better start counting."
""".replace("\\\n", "")


def test_card_is_exactly_the_cinematika_layout(tmp_path, harbour, good_answers):
    out = tmp_path / "out"
    build(harbour, out, answers_jsonl(tmp_path / "a.jsonl", good_answers))
    owen = next(r for r in read_rows(out)["character_cards"] if r["character"] == "Owen")
    # The answer came in a code fence with chatter and a tab; the row holds the card, exactly:
    # keys in order, one plain line per trait, block text, example dialogue that opens with Owen.
    assert owen["character_cards"] == OWEN_CARD


def test_scene_by_scene_is_exactly_the_seed_layout(tmp_path, harbour, good_answers):
    out = tmp_path / "out"
    build(harbour, out, answers_jsonl(tmp_path / "a.jsonl", good_answers))
    rows = read_rows(out)
    cards = {r["character"]: r["character_cards"] for r in rows["character_cards"]}
    quay = rows["scene_by_scene"][1]["scene_by_scene"]
    summary = " ".join(good_answers[f"scene_summary:{MOVIE}/scene-0001"].split())
    transcript = good_answers[f"scene_enhancement:{MOVIE}/scene-0001/part-0"].strip()
    # Cards of the main characters who speak, a blank line after each, then NPCS:, the scenario,
    # and the transcript opening on its narration.
    assert quay == (f"[characters]\n{cards['Owen']}\n{cards['Iris']}\nNPCS:\n- Harbourmaster\n[/characters]\n\n"
                    f"[scenario]\n{summary}\n[/scenario]\n\n{transcript}")
    assert transcript.startswith("Gulls wheel and scream over the quay.")
    assert 'Harbourmaster: "Vane. You owe me mooring for March."' in transcript

    full = rows["full_script"][0]["full_script"]
    # Characters are introduced where they first appear: both cards before scene 0, and before
    # scene 1 only the newcomer, who is an NPC.
    assert full.count("[characters]") == 2 and full.count("name: Owen") == 1
    second = full.split("[characters]")[2]
    assert second.startswith("\nNPCS:\n- Harbourmaster\n[/characters]")
    assert rows["full_script"][0]["missing_scenes"] == []
    assert rows["plain_scenes"][1]["plain_scenes"] == transcript  # the model's scene, no cards or scenario


def test_pairs_and_memories(tmp_path, harbour, good_answers):
    out = tmp_path / "out"
    build(harbour, out, answers_jsonl(tmp_path / "a.jsonl", good_answers))
    rows = read_rows(out)
    card = {r["character"]: r["character_cards"] for r in rows["character_cards"]}
    reverse = {r["character"]: r for r in rows["character_card_reverse_prompt"]}
    forward = {r["character"]: r for r in rows["prompt_to_character_card"]}
    # Every instruction config's input carries its instruction; the card follows it.
    assert reverse["Iris"]["input"].endswith("\n\n" + card["Iris"].strip())
    assert reverse["Iris"]["input"] != card["Iris"] and "character card" in reverse["Iris"]["input"].split("\n")[0]
    assert reverse["Iris"]["output"].startswith("Create a character card for Iris Vane")
    assert forward["Iris"]["input"] == reverse["Iris"]["output"] and forward["Iris"]["output"] == card["Iris"]
    rp = {r["character"]: r for r in rows["rp_to_character_card"]}
    assert "Iris" in rp["Iris"]["input"].split("\n")[0]  # the instruction names her
    assert 'Iris: "Did you sell the catch?"' in rp["Iris"]["input"] and "Owen:" not in rp["Iris"]["input"]
    memory = rows["memories"][0]["conversations"]
    assert [t["from"] for t in memory] == ["system", "human", "gpt"]
    assert 'Owen: "The boat\'s back. Nobody drowned."' in memory[1]["value"]
    assert memory[2]["value"].startswith("Owen came home soaked")
    enh, summ = rows["scene_enhancement"][0], rows["scene_summary"][0]
    scene = "INT. PELL HARBOUR - NET LOFT - DAWN"
    assert scene in enh["input"] and "IRIS\n(without looking up)" in enh["input"]
    assert enh["input"].split(scene)[0].strip() and enh["input"] != summ["input"]  # instructions differ
    inputs = [r["input"] for c in ("scene_enhancement", "scene_summary", "rp_to_character_card",
                                   "character_card_reverse_prompt", "prompt_to_character_card") for r in rows[c]]
    assert len(set(inputs)) == len(inputs)
    actions = rows["actions"][0]["conversations"]
    assert [t["from"] for t in actions] == ["system", "human", "gpt"]
    assert actions[0]["value"].endswith(card[actions[2]["value"].split(":")[0]].strip())


def test_bad_answers_are_recorded_not_dropped(tmp_path, harbour, good_answers):
    bad = dict(good_answers)
    bad[f"character_card:{MOVIE}/character-owen"] = "Owen is a fisherman. I hope this helps!"
    bad[f"scene_enhancement:{MOVIE}/scene-0000/part-0"] = "Owen: \"The boat's back.\"\n\nIris: \"Hm.\" She nods."
    bad[f"scene_summary:{MOVIE}/scene-0001"] = "EXT. PELL HARBOUR - QUAY. They argue. Iris pays."
    out = tmp_path / "out"
    proc = build(harbour, out, answers_jsonl(tmp_path / "a.jsonl", bad), rc=1)
    rep, rows = report(out), read_rows(out)
    reasons = {(f["stage"], f["id"]): f for f in rep["failures"]}
    card_fail = reasons["character_card", f"{MOVIE}/character-owen"]
    assert card_fail["reason"] == "invalid: card: not a mapping but str"
    assert card_fail["raw"].startswith("Owen is a fisherman")  # the raw answer is kept
    assert reasons["scene_enhancement", f"{MOVIE}/scene-0000/part-0"]["reason"].startswith("invalid: dialogue coverage 0.")
    assert "notation left in: 'EXT.'" in reasons["scene_summary", f"{MOVIE}/scene-0001"]["reason"]
    assert rep["failures_by_stage"]["character_card"] == {"invalid: card": 1}
    # Three asks each before giving up (a recording gives the same answer every time); no memory
    # for the failed scene and no reverse prompt for the failed card.
    assert rep["llm"]["calls"] == (10 - 2) + 3 * 2
    # Downstream rows that needed a failed input are failures too, with the reason.
    assert [r["character"] for r in rows["character_cards"]] == ["Iris"]
    assert "scene_by_scene" not in rows and report(out)["rows"]["scene_by_scene"] == 0
    sbs = {f["id"]: f["reason"] for f in rep["failures"] if f["stage"] == "scene_by_scene"}
    assert sbs[f"{MOVIE}/scene-0000"] == "missing input: no transcript; no card for Owen"
    assert sbs[f"{MOVIE}/scene-0001"] == "missing input: no summary; no card for Owen"
    assert_accounted(out)
    assert "failures in character_card: invalid: card x1" in run_cli(
        "build", harbour, "--out", out, "--backend", "replay", "--replay", tmp_path / "a.jsonl",
        "--main-threshold", 2).stderr
    assert proc.stdout == ""


def test_rerun_makes_no_calls_and_writes_the_same(tmp_path, harbour, good_answers):
    out = tmp_path / "out"
    replay = answers_jsonl(tmp_path / "a.jsonl", good_answers)
    build(harbour, out, replay)
    first = read_rows(out)
    replay.write_text("")  # nothing recorded now: every answer must come from the build's cache
    build(harbour, out, replay)
    assert read_rows(out) == first
    llm = report(out)["llm"]
    assert llm["calls"] == 0 and llm["hits"] == llm["requests"] == 10


def test_edited_prompt_regenerates_only_its_stage(tmp_path, harbour, good_answers):
    out = tmp_path / "out"
    replay = answers_jsonl(tmp_path / "a.jsonl", good_answers)
    build(harbour, out, replay)
    before = read_rows(out)
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    original = (REPO / "script2rp/tasks/prompts/scene_summary.yaml").read_text()
    (prompts / "scene_summary.yaml").write_text(original.replace("in the present tense", "in the present"))
    build(harbour, out, replay, "--prompts", prompts)
    after, llm = read_rows(out), report(out)["llm"]
    assert llm["calls"] == 2 and llm["hits"] == 8  # the two summaries, nothing else
    new = {r["prompt_version"] for r in after["scene_summary"]}
    assert new.isdisjoint({r["prompt_version"] for r in before["scene_summary"]})
    assert after["character_cards"] == before["character_cards"]
    assert after["scene_enhancement"] == before["scene_enhancement"]


def test_default_backend_builds_rule_configs_and_says_what_needs_a_model(tmp_path):
    out = tmp_path / "out"
    proc = run_cli("build", REPO / "data", "--out", out, check_rc=0)
    assert sorted(p.name for p in out.glob("*.parquet")) == ["plain_full_script.parquet", "plain_scenes.parquet"]
    ds = datasets.load_dataset(str(out), "plain_scenes", split="train")
    assert ds.num_rows >= 3 and all(":" in t for t in ds["plain_scenes"])
    assert "These configs need a model: scene_by_scene" in proc.stderr
    assert "--backend openai --base-url" in proc.stderr
    rep = report(out)
    # data/ holds one screenplay in five formats: built once, the rest reported as duplicates.
    assert sorted(i["status"] for i in rep["inputs"]) == ["duplicate"] * 4 + ["ok"]
    assert rep["needs_model"][0] == "scene_by_scene"


def test_bad_files_are_named_and_the_build_goes_on(tmp_path, harbour):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(harbour, src / "harbour.fountain")
    (src / "empty.txt").write_text("")
    (src / "novel.txt").write_text("It was a quiet morning in the village. " * 200)
    (src / "broken.fdx").write_text("<FinalDraft><Content><Paragraph Type=")
    out = tmp_path / "out"
    proc = run_cli("build", src, "--out", out, check_rc=1)
    for name in ("empty.txt", "novel.txt", "broken.fdx"):
        assert any(name in line and line.startswith("script2rp: ") for line in proc.stderr.splitlines()), name
    assert "Traceback" not in proc.stderr
    rep = report(out)
    assert {i["path"].rsplit("/", 1)[1]: i["status"] for i in rep["inputs"]} == {
        "broken.fdx": "bad", "empty.txt": "bad", "harbour.fountain": "ok", "novel.txt": "bad"}
    assert len(read_rows(out)["plain_scenes"]) == 2


def test_config_file_with_flags_winning(tmp_path, harbour, good_answers):
    replay = answers_jsonl(tmp_path / "a.jsonl", good_answers)
    config = tmp_path / "build.yaml"
    config.write_text(yaml.safe_dump({
        "backend": "replay", "replay": str(replay), "main_threshold": 2,
        "configs": ["character_cards", "scene_summary"], "name": "Harbour test"}))
    out = tmp_path / "out"
    run_cli("build", harbour, "--out", out, "--config", config, "--configs", "character_cards", "-q", check_rc=0)
    assert [p.name for p in out.glob("*.parquet")] == ["character_cards.parquet"]
    assert report(out)["llm"]["calls"] == 2  # cards only: no scene stage ran
    assert "# Harbour test" in (out / "README.md").read_text()
    config.write_text("backend: replay\nbogus: 1\n")
    proc = run_cli("build", harbour, "--out", out, "--config", config, check_rc=2)
    assert "unknown option bogus" in proc.stderr


def test_usage_errors_exit_2(tmp_path, harbour):
    assert "needs --base-url" in run_cli("build", harbour, "--out", tmp_path, "--backend", "openai", check_rc=2).stderr
    assert "unknown config nope" in run_cli("build", harbour, "--out", tmp_path, "--configs", "nope", check_rc=2).stderr
    assert "no screenplay files found" in run_cli("build", tmp_path, "--out", tmp_path / "o", check_rc=2).stderr


def test_a_rebuilt_folder_loads_its_new_rows_not_datasets_cached_old_ones(tmp_path, harbour):
    """`datasets` caches a local folder by its name and card front matter; the card's checksums make
    a rebuild (or another build in a folder of the same name) a new cache entry."""
    import datasets

    out = tmp_path / "out"
    run_cli("build", harbour, "--out", out, "-q", check_rc=0)
    first = datasets.load_dataset(str(out), "plain_scenes", split="train")
    run_cli("build", REPO / "data" / "lighthouse.fountain", "--out", out, "-q", check_rc=0)
    second = datasets.load_dataset(str(out), "plain_scenes", split="train")
    assert sorted(second["id"]) == sorted(r["id"] for r in read_rows(out)["plain_scenes"])
    assert set(second["movie"]) != set(first["movie"])

"""Character card parsing, repair, schema, sizes per shape and the cinematika layout."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from script2rp.cinematika import dump_card
from script2rp.tasks.character_card import OPEN_TRAIT_PATTERN, TRAIT_PATTERN, CardError, json_schema, parse_card
from script2rp.tasks.shapes import CINEMATIKA, COMPACT

GOOD = """name: Mara
characteristics:
  Stubborn: She stays on the rock after the Board says go.
  Watchful: She counts the boats every night.
  Dry: Her jokes are as dry as ship's biscuit.
  Loyal: She keeps her promise to the drowned.
  Private: She says little about herself.
description: |
  Mara Quill has kept Gull Rock Light for thirty-one winters, alone since her husband drowned.
example_dialogue: |
  Mara: She does not look up from the lamp. "The light doesn't leave. Neither do I."
  {{user}}: "Will you leave when the Board says so?"
  Mara: "Ask me again in the morning." She trims the wick.
  {{user}}: "And if the answer is the same?"
"""


def test_good_card_round_trips_in_cinematika_layout():
    card = parse_card(GOOD, "MARA", COMPACT)
    assert list(card) == ["name", "characteristics", "description", "example_dialogue"]
    assert dump_card(card) == GOOD


@pytest.mark.parametrize("wrap", [
    lambda t: f"```yaml\n{t}```",
    lambda t: f"Here is the card you asked for:\n\n{t}\nI hope it helps! Let me know.",
    lambda t: t.replace("  Stubborn", "\tStubborn"),
    lambda t: t.replace("characteristics:\n  ", "characteristics:\n  - ").replace("\n  Watchful", "\n  - Watchful")
    .replace("\n  Dry", "\n  - Dry").replace("\n  Loyal", "\n  - Loyal").replace("\n  Private", "\n  - Private"),
])
def test_usual_faults_are_repaired(wrap):
    assert dump_card(parse_card(wrap(GOOD), "Mara", COMPACT)) == GOOD


def test_json_from_constrained_decoding_is_accepted():
    data = yaml.safe_load(GOOD)
    assert dump_card(parse_card(json.dumps(data, indent=2), "Mara", COMPACT)) == GOOD


def _structured(card: dict) -> dict:
    """GOOD in the shape of `json_schema`: trait pairs, description paragraphs, dialogue lines."""
    lines = []
    for line in card["example_dialogue"].strip().splitlines():
        speaker, rest = line.split(": ", 1)
        says = re.search(r'"([^"]*)"', rest).group(1)
        lines.append({"speaker": speaker, "says": says,
                      "narration": " ".join(re.sub(r'"[^"]*"', " ", rest).split())})
    return {
        "name": card["name"],
        "characteristics": [{"trait": k, "text": v} for k, v in card["characteristics"].items()],
        "description": card["description"].strip().split("\n\n"),
        "example_dialogue": lines,
    }


def test_json_of_the_structured_schema_becomes_the_cinematika_card():
    answer = json.dumps(_structured(yaml.safe_load(GOOD)))
    card = parse_card(answer, "Mara", COMPACT)
    # The narration is written after the words: `Mara: "..." She trims the wick.`
    assert card["example_dialogue"].splitlines()[0] == (
        'Mara: "The light doesn\'t leave. Neither do I." She does not look up from the lamp.')
    assert card["characteristics"] == yaml.safe_load(GOOD)["characteristics"]


def test_structured_schema_fixes_the_name_and_sizes_by_shape():
    compact, full = json_schema("Mara", COMPACT), json_schema("Mara", CINEMATIKA)
    assert compact["properties"]["name"] == {"const": "Mara"}
    traits = full["properties"]["characteristics"]
    assert (traits["minItems"], traits["maxItems"]) == CINEMATIKA.traits == (8, 12)
    lines = full["properties"]["example_dialogue"]
    assert (lines["minItems"], lines["maxItems"]) == CINEMATIKA.dialogue_lines
    assert [item["properties"]["speaker"]["const"] for item in lines["prefixItems"][:3]] == ["Mara", "{{user}}", "Mara"]
    # No length bound on any text: xgrammar would spend about a second compiling each bounded
    # string, llama.cpp would slow down; every text can end only after a sentence end instead.
    assert "maxLength" not in json.dumps(compact) + json.dumps(full)
    assert not re.search(r"\{\d+,\d+\}", json.dumps(full))
    text = re.compile(full["properties"]["characteristics"]["items"]["properties"]["text"]["pattern"])
    assert text.match("She keeps the light. Always.") and not text.match("She keeps the light and the")
    for pattern in (TRAIT_PATTERN, OPEN_TRAIT_PATTERN):
        trait = re.compile(pattern)
        assert all(trait.match(t) for t in ["Stubborn", "Dry humour", "Quick-witted", "Fiercely loyal to her"])
        assert not any(trait.match(t) for t in ["", " ", "stubborn"])


def test_repeated_trait_names_count_once():
    data = _structured(yaml.safe_load(GOOD))
    data["characteristics"][1]["trait"] = data["characteristics"][0]["trait"]
    with pytest.raises(CardError, match="4 characteristics"):
        parse_card(json.dumps(data), "Mara", COMPACT)
    # With enough left, the card stands, and the repeated name keeps its first text.
    data = _structured(yaml.safe_load(GOOD))
    first = data["characteristics"][0]
    data["characteristics"].append({"trait": first["trait"], "text": "Said again, differently."})
    card = parse_card(json.dumps(data), "Mara", COMPACT)
    assert card["characteristics"][first["trait"]] == first["text"]
    assert len(card["characteristics"]) == len(data["characteristics"]) - 1


def test_a_cut_text_is_taken_back_to_its_last_sentence_or_refused():
    cut = GOOD.replace("She counts the boats every night.", "She counts the boats every night. And then the")
    assert parse_card(cut, "Mara", COMPACT)["characteristics"]["Watchful"] == "She counts the boats every night."
    with pytest.raises(CardError, match="characteristic 'Private' has no full sentence"):
        parse_card(GOOD.replace("She says little about herself.", "She says little about"), "Mara", COMPACT)


def test_traits_are_plain_lines_however_long_or_colon_full():
    card = parse_card(GOOD, "Mara", COMPACT)
    card["characteristics"]["Dry"] = "Her humour: as dry as ship's biscuit, and " + "drier still " * 8 + "by winter."
    text = dump_card(card)
    line = next(line for line in text.splitlines() if line.startswith("  Dry:"))
    assert line == "  Dry: Her humour - as dry as ship's biscuit, and " + "drier still " * 8 + "by winter."
    assert yaml.safe_load(text)["characteristics"]["Dry"] == line.split(": ", 1)[1]


@pytest.mark.parametrize("text, reason", [
    (GOOD.replace("  Stubborn:", "  ' ':"), "a characteristic's name is empty"),
    ("I can't do that.", "not a mapping"),
    ("name: Mara\n  bad: [indent", "not YAML"),
    (GOOD.replace("description", "bio"), "missing keys: description"),
    (GOOD + "age: 60\n", "unexpected keys: age"),
    (GOOD.replace("  Private: She says little about herself.\n", "").replace(
        "  Loyal: She keeps her promise to the drowned.\n", ""), "3 characteristics, want 5-8"),
    (GOOD.replace("name: Mara", "name: Tobias"), "not 'Mara'"),
    (GOOD.replace("{{user}}", "User"), "no {{user}}: line"),
    (GOOD.replace("  {{user}}: \"And if", "  Keeper: \"And if"), "neither Mara's nor {{user}}'s"),
    (GOOD.replace("  Mara: She does not", "  {{user}}: She does not"), "does not open with Mara"),
    (GOOD.replace('"Ask me again in the morning."', "Ask me again in the morning."), "has no quoted speech"),
    (GOOD.replace("  {{user}}: \"And if the answer is the same?\"\n", ""), "3 lines, want 4-6"),
])
def test_bad_cards_fail_with_the_reason(text, reason):
    with pytest.raises(CardError, match=re.escape(reason)):
        parse_card(text, "Mara", COMPACT)


def test_the_cinematika_shape_wants_cinematika_sizes():
    with pytest.raises(CardError, match="5 characteristics, want 8-12"):
        parse_card(GOOD, "Mara", CINEMATIKA)

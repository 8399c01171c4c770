"""Character card parsing, repair, schema and the cinematika layout."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from script2rp.cinematika import dump_card
from script2rp.tasks.character_card import TRAIT_PATTERN, CardError, json_schema, parse_card

GOOD = """name: Mara
characteristics:
  Stubborn: She stays on the rock after the Board says go.
  Watchful: She counts the boats every night.
  Dry: Her jokes are as dry as ship's biscuit.
  Loyal: She keeps her promise to the drowned.
  Private: She says little about herself.
description: |
  Mara Quill has kept Gull Rock Light for thirty-one winters.
example_dialogue: |
  {{user}}: Will you leave?
  Mara: The light doesn't leave. Neither do I.
"""


def test_good_card_round_trips_in_cinematika_layout():
    card = parse_card(GOOD, "MARA")
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
    assert dump_card(parse_card(wrap(GOOD), "Mara")) == GOOD


def test_json_from_constrained_decoding_is_accepted():
    data = yaml.safe_load(GOOD)
    assert dump_card(parse_card(json.dumps(data, indent=2), "Mara")) == GOOD


def _structured(card: dict) -> dict:
    """GOOD in the shape of `json_schema`: trait pairs and dialogue exchanges."""
    lines = card["example_dialogue"].strip().splitlines()
    return {
        "name": card["name"],
        "characteristics": [{"trait": k, "text": v} for k, v in card["characteristics"].items()],
        "description": card["description"],
        "example_dialogue": [dict(line.split(": ", 1) for line in lines[i:i + 2]) for i in range(0, len(lines), 2)],
    }


def test_json_of_the_structured_schema_becomes_the_cinematika_card():
    answer = json.dumps(_structured(yaml.safe_load(GOOD)))
    assert dump_card(parse_card(answer, "Mara")) == GOOD


def test_structured_schema_fixes_the_name_and_bounds_what_the_validator_checks():
    schema = json_schema("Mara")
    props = schema["properties"]
    assert props["name"] == {"const": "Mara"}
    assert 5 <= props["characteristics"]["minItems"] <= props["characteristics"]["maxItems"] <= 12
    exchange = props["example_dialogue"]["items"]
    assert exchange["required"] == ["{{user}}", "Mara"] and props["example_dialogue"]["minItems"] >= 1
    trait = re.compile(TRAIT_PATTERN)
    assert all(trait.match(t) for t in ["Stubborn", "Dry humour", "Quick-witted", "Fiercely loyal to her"])
    assert not any(trait.match(t) for t in ["", " ", "stubborn", "One or two sentences about it"])


def test_repeated_trait_names_count_once():
    data = _structured(yaml.safe_load(GOOD))
    data["characteristics"][1]["trait"] = data["characteristics"][0]["trait"]
    with pytest.raises(CardError, match="4 characteristics"):
        parse_card(json.dumps(data), "Mara")
    # With enough left, the card stands, and the repeated name keeps its first text.
    data = _structured(yaml.safe_load(GOOD))
    first = data["characteristics"][0]
    data["characteristics"].append({"trait": first["trait"], "text": "Said again, differently."})
    card = parse_card(json.dumps(data), "Mara")
    assert card["characteristics"][first["trait"]] == first["text"]
    assert len(card["characteristics"]) == len(data["characteristics"]) - 1


@pytest.mark.parametrize("text, reason", [
    (GOOD.replace("  Stubborn:", "  ' ':"), "a characteristic has no name"),
    ("I can't do that.", "not a mapping"),
    ("name: Mara\n  bad: [indent", "not YAML"),
    (GOOD.replace("description", "bio"), "missing keys: description"),
    (GOOD + "age: 60\n", "unexpected keys: age"),
    (GOOD.replace("  Private: She says little about herself.\n", "").replace("  Loyal: She keeps her promise to the drowned.\n", ""), "3 characteristics"),
    (GOOD.replace("name: Mara", "name: Tobias"), "not 'Mara'"),
    (GOOD.replace("{{user}}", "User"), "no {{user}}: turn"),
    (GOOD.replace("  Mara: The light", "  Keeper: The light"), "no Mara: turn"),
])
def test_bad_cards_fail_with_the_reason(text, reason):
    with pytest.raises(CardError, match=reason.replace("{", r"\{").replace("}", r"\}")):
        parse_card(text, "Mara")

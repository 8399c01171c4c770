"""The JSON shapes of constrained decoding and their way back to the stages' plain text."""

from __future__ import annotations

import json

import pytest

from script2rp.model import Dialogue
from script2rp.tasks import scene_enhancement, scene_summary
from script2rp.tasks import Invalid
from script2rp.tasks.character_card_reverse_prompt import check as check_request, request_schema
from script2rp.tasks.checks import prose_problems
from script2rp.tasks.shapes import CINEMATIKA
from script2rp.tasks.structured import SENTENCE, sentences_text, transcript_schema, transcript_text


def test_transcript_json_becomes_turns_in_the_training_format():
    answer = json.dumps({"opening": "Fog sits on the rock.", "turns": [
        {"speaker": "Mara", "says": "You'll be the Board.", "then": "She does not look up."},
        {"speaker": "Tobias", "says": "I am.", "then": ""}]})
    assert transcript_text(answer) == (
        'Fog sits on the rock.\n\nMara: "You\'ll be the Board." She does not look up.\n\nTobias: "I am."')


def test_transcript_schema_fixes_every_line_in_order():
    schema = transcript_schema([("Mara", 'Say "aye".'), ("Tobias", "Aye.")])
    turns = schema["properties"]["turns"]
    assert turns["minItems"] == turns["maxItems"] == 2 and turns["items"] is False
    assert [t["properties"]["speaker"]["const"] for t in turns["prefixItems"]] == ["Mara", "Tobias"]
    assert turns["prefixItems"][0]["properties"]["says"] == {"const": 'Say "aye".'}


def test_a_constrained_transcript_passes_the_scene_check():
    lines = [Dialogue("MARA", "You'll be the Board.", (0, 1)), Dialogue("TOBIAS", "I am. Tobias Fenn.", (2, 3))]
    answer = json.dumps({"opening": "Dawn comes up grey.", "turns": [
        {"speaker": "Mara", "says": lines[0].text, "then": "She splices rope."},
        {"speaker": "Tobias", "says": lines[1].text, "then": "He offers his hand."}]})
    text = transcript_text(answer)
    assert scene_enhancement.check(text, lines, {"MARA", "TOBIAS"}, 0.9) == text


def test_sentences_join_and_raw_control_characters_are_tolerated():
    answer = '{"scenario": ["Mara keeps the light\\u0007 alone.", "A stranger lands at dawn."]}'.replace("\\u0007", "\x07")
    text = sentences_text(answer, "scenario")
    assert scene_summary.check(text) == text


@pytest.mark.parametrize("answer, reason", [("not json", "not JSON"), ("[1, 2]", "not a JSON object"),
                                            ('{"scenario": "one"}', "not a list")])
def test_malformed_structured_answers_are_invalid_with_the_reason(answer, reason):
    with pytest.raises(Invalid, match=reason):
        sentences_text(answer, "scenario")


def test_sentence_and_request_patterns_mean_what_the_checks_want():
    import re

    assert re.match(SENTENCE, "Mara keeps the light alone.") and not re.match(SENTENCE, "two. Sentences here.")
    pattern = request_schema("Mara Quill")["properties"]["request"]["pattern"]
    request = "Create a character card for Mara, the keeper of Gull Rock Light."
    assert re.match(pattern, request) and check_request(request, "Mara Quill") == request
    assert not re.match(pattern, "Create a character card for the keeper of the light, please.")


def test_the_cinematika_transcript_tells_narration_before_between_and_after():
    schema = transcript_schema([("Mara", "You'll be the Board."), ("Tobias", 'I am. "Tobias Fenn."')], CINEMATIKA)
    assert "maxLength" not in json.dumps(schema)  # cheap for xgrammar: sizes are the validator's
    answer = json.dumps({"opening": "Fog sits on the rock", "turns": [  # cut: no sentence yet
        {"narration": "", "speaker": "Mara", "action": "She does not look up.", "says": "You'll be the Board.",
         "after": "Her knife finds the next strand. And th"},
        {"narration": "A gull screams. Then", "speaker": "Tobias", "action": "", "says": 'I am. "Tobias Fenn."',
         "after": "He offers his hand."}]})
    with pytest.raises(Invalid, match="the opening is not a sentence"):
        transcript_text(answer)
    answer = answer.replace("Fog sits on the rock", "Fog sits on the rock.")
    assert transcript_text(answer).split("\n\n") == [
        "Fog sits on the rock.",
        "Mara: She does not look up. \"You'll be the Board.\" Her knife finds the next strand.",
        "A gull screams.",
        "Tobias: \"I am. 'Tobias Fenn.'\" He offers his hand.",  # no quote inside a quote
    ]


@pytest.mark.parametrize("text, kind", [
    ('Mara\n\nMara: "Go."', "fragment"),
    (']]\n\nMara: "Go."', "fragment"),
    ('Mara: ""Not yet." Every night?"', "nested quotes"),
    ('Fog sits on the rock and the', "mid-sentence"),
    ('Fog sits on the rock.\n\nMara: "Go." She turns to the', "mid-sentence"),
])
def test_prose_problems_are_named(text, kind):
    assert kind in [k for k, _ in prose_problems(text)]
    assert prose_problems("Fog sits on the rock.\n\nMara: \"Go.\" She turns away.") == []

"""The JSON shapes of constrained decoding and their way back to the stages' plain text."""

from __future__ import annotations

import json

import pytest

from script2rp.model import Dialogue
from script2rp.tasks import scene_enhancement, scene_summary
from script2rp.tasks import Invalid
from script2rp.tasks.character_card_reverse_prompt import check as check_request, request_schema
from script2rp.tasks.checks import prose_problems
from script2rp.tasks.shapes import CINEMATIKA, COMPACT
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


def _inline(schema, defs=None):
    """`schema` with each `$ref` replaced by its definition (what the schema means, written out)."""
    if defs is None:
        defs, schema = schema.get("$defs", {}), {k: v for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(x, defs) for x in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _inline(defs[schema["$ref"].removeprefix("#/$defs/")], defs)
    return {k: _inline(v, defs) for k, v in schema.items()}


def test_the_cinematika_transcript_shares_one_prose_pattern():
    """Each prose string refers to one shared definition (xgrammar compiles it once, not three
    times a line), and that definition means what the old inline pattern meant."""
    import re

    from script2rp.tasks.structured import MAYBE_PROSE, PROSE

    schema = transcript_schema([("Mara", "Go."), ("Tobias", "No.")], CINEMATIKA)
    assert schema["properties"]["opening"] == {"$ref": "#/$defs/prose"}
    for t in schema["properties"]["turns"]["prefixItems"]:
        assert all(t["properties"][k] == {"$ref": "#/$defs/maybe_prose"} for k in ("narration", "action", "after"))
    assert schema["$defs"]["prose"] == {"type": "string", "pattern": PROSE}
    maybe = _inline(schema)["properties"]["turns"]["prefixItems"][0]["properties"]["after"]
    samples = ["", "She turns away.", "She turns to the", "she turns away.", "A", "Wait... what?", 'He says "no".']
    for text in samples:  # anyOf [prose, ""] accepts exactly what MAYBE_PROSE accepts
        either = bool(re.match(maybe["anyOf"][0]["pattern"], text)) or text == maybe["anyOf"][1]["const"]
        assert either == bool(re.match(MAYBE_PROSE, text)), text
    # The compact shape (llama.cpp) keeps its bounded patterns inline, where its sampler reads them.
    compact = transcript_schema([("Mara", "Go.")], COMPACT)
    assert "$defs" not in compact and "$ref" not in json.dumps(compact)
    assert compact["properties"]["turns"]["prefixItems"][0]["properties"]["then"]["pattern"].endswith("[.!?])?$")


def _transcript(**changes):
    turns = [{"narration": "", "speaker": "Mara", "action": "She does not look up.", "says": 'Say "aye".',
              "after": "Her knife finds the next strand."},
             {"narration": "A gull screams.", "speaker": "Tobias", "action": "", "says": "Aye.", "after": ""}]
    data = {"opening": "Fog sits on the rock.", "turns": turns}
    for where, value in changes.items():
        if where == "turns":
            data["turns"] = value(turns)
        elif where == "opening":
            data["opening"] = value
        else:
            n, key = where.split("_", 1)
            turns[int(n[1:])][key] = value
    return json.dumps(data, indent=1)


@pytest.mark.parametrize("answer, accepted", [
    (_transcript(), True),
    (_transcript(t1_narration=""), True),
    (_transcript(t0_says="Say aye."), False),  # a line changed
    (_transcript(t1_speaker="Mara"), False),  # a speaker changed
    (_transcript(turns=lambda t: t[:1]), False),  # a line dropped
    (_transcript(turns=lambda t: [t[1], t[0]]), False),  # lines out of order
    (_transcript(turns=lambda t: [*t, t[1]]), False),  # a line added
    (_transcript(t0_after="Her knife finds the next"), False),  # cut mid-sentence
    (_transcript(t1_narration="a gull screams."), False),  # no capital
    (_transcript(opening=""), False),  # the opening may not be empty
    (_transcript(turns=lambda t: [{**t[0], "mood": "Calm."}, t[1]]), False),  # a key of its own
])
def test_xgrammar_holds_the_transcript_to_the_script(answer, accepted):
    """Compiled by xgrammar as vLLM compiles it (any whitespace), the shared schema accepts and
    refuses the same answers as the same schema written out inline."""
    xgrammar = pytest.importorskip("xgrammar")

    lines = [("Mara", 'Say "aye".'), ("Tobias", "Aye.")]
    schema = transcript_schema(lines, CINEMATIKA)
    vocab = [chr(c) for c in range(32, 127)] + ["\n", "</s>"]
    compiler = xgrammar.GrammarCompiler(xgrammar.TokenizerInfo(vocab, stop_token_ids=[len(vocab) - 1]),
                                        max_threads=1)
    for form in (schema, _inline(schema)):
        matcher = xgrammar.GrammarMatcher(compiler.compile_json_schema(json.dumps(form), any_whitespace=True))
        assert (matcher.accept_string(answer) and matcher.accept_token(len(vocab) - 1)) is accepted
    if accepted:
        assert transcript_text(answer).startswith("Fog sits on the rock.\n\nMara: She does not look up.")

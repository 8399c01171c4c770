"""JSON shapes for constrained decoding of the prose stages, and their way back to plain text.

With `build --structured` (the default on the in-process vLLM and llama.cpp backends) a stage's
answer is JSON that a grammar forces into a shape its validator accepts, so a small model cannot
drop a line of dialogue, invent a speaker or ramble until `max_tokens`; the builder then turns the
JSON into the same text a free answer gives. Only keywords every target decoder handles are used
(llama.cpp grammars, vLLM's xgrammar): const, prefixItems, min/maxItems, min/maxLength, pattern.

- A scene transcript keeps the script's dialogue verbatim and in order (each line a `const`);
  the model writes the narration: an opening sentence, and after each line what happens.
- Summaries and memories are lists of sentences, each one sentence by its pattern.
"""

from __future__ import annotations

import json

from script2rp.tasks.stage import Invalid

# One sentence: a capital, no sentence end inside, no quotes or backslashes (nothing to escape in
# JSON) and no line breaks, then its end mark.
SENTENCE = r'^[A-Z][^.!?"\\\n\r\t]{8,120}[.!?]$'
# llama.cpp's grammar sampler slows down steeply with the bound of a repetition once a string gets
# long (SmolLM2-135M: ~21 tok/s at 100 characters, ~6 at 150, ~3 at 400), so strings stay short.
_NARRATION = {"type": "string", "maxLength": 100}


def load(answer: str) -> dict:
    try:
        data = json.loads(answer, strict=False)  # decoders may let raw control characters into strings
    except json.JSONDecodeError as exc:
        raise Invalid(f"not JSON: {exc.msg} at {exc.pos}") from None
    if not isinstance(data, dict):
        raise Invalid("not a JSON object")
    return data


def sentences_schema(key: str, least: int, most: int) -> dict:
    return {
        "type": "object",
        "properties": {key: {"type": "array", "minItems": least, "maxItems": most,
                             "items": {"type": "string", "pattern": SENTENCE}}},
        "required": [key],
        "additionalProperties": False,
    }


def sentences_text(answer: str, key: str) -> str:
    items = load(answer).get(key)
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise Invalid(f"{key} is not a list of sentences")
    return " ".join(" ".join(s.split()) for s in items)


def transcript_schema(lines: list[tuple[str, str]]) -> dict:
    """`lines`: (speaker's display name, words) of each dialogue block, in order."""
    turns = [
        {"type": "object",
         "properties": {"speaker": {"const": name}, "says": {"const": says}, "then": _NARRATION},
         "required": ["speaker", "says", "then"], "additionalProperties": False}
        for name, says in lines
    ]
    return {
        "type": "object",
        "properties": {
            "opening": _NARRATION,
            "turns": {"type": "array", "prefixItems": turns, "items": False,
                      "minItems": len(turns), "maxItems": len(turns)},
        },
        "required": ["opening", "turns"],
        "additionalProperties": False,
    }


def transcript_text(answer: str) -> str:
    """The training-format transcript: the opening narration, then `Name: "words" narration`."""
    data = load(answer)
    turns = data.get("turns")
    if not isinstance(turns, list) or not all(isinstance(t, dict) for t in turns):
        raise Invalid("turns is not a list of objects")
    paragraphs = [" ".join(str(data.get("opening") or "").split())]
    for turn in turns:
        then = " ".join(str(turn.get("then") or "").split())
        paragraphs.append(f'{turn.get("speaker")}: "{turn.get("says")}"' + (f" {then}" if then else ""))
    return "\n\n".join(p for p in paragraphs if p)

"""JSON shapes for constrained decoding of the prose stages, and their way back to plain text.

With `build --structured` (the default on the in-process vLLM and llama.cpp backends) a stage's
answer is JSON that a grammar forces into a shape its validator accepts, so a model cannot drop a
line of dialogue, invent a speaker or ramble until `max_tokens`; the builder then turns the JSON
into the same text a free answer gives. Only keywords every target decoder handles are used
(llama.cpp grammars, vLLM's xgrammar): const, prefixItems, min/maxItems, maxLength, pattern, and
in transcripts `$ref` to `#/$defs/...` and `anyOf` (shared prose: see `transcript_schema`).

Prose strings follow `PROSE`: able to end only where a sentence ends, so a constrained answer is
never cut mid-sentence. In the cinematika shape (vLLM, servers) they have no length bound, since
xgrammar 0.2.8 needs about a second to compile a bounded free string and milliseconds otherwise;
sizes are held by the prompt, the token budget and the validator (`Shape`). In the compact shape
(llama.cpp, small models) they are bounded (`bounded_prose`): a 135M model seldom ends a sentence
of its own accord, and unbounded it fills every string until `max_tokens` cuts the answer.

- A scene transcript keeps the script's dialogue verbatim and in order (each line a `const`); the
  model writes the narration: an opening, and around each line what happens. Each prose string is
  cut back to its last full sentence when the model stopped mid-way (`shapes.trim_to_sentence`).
- Summaries and memories are lists of sentences, each one sentence by its pattern.
"""

from __future__ import annotations

import json

from script2rp.cinematika import turn
from script2rp.tasks.shapes import CINEMATIKA, Shape, is_fragment, trim_to_sentence
from script2rp.tasks.stage import Invalid

# One sentence: a capital, no sentence end inside, no quotes or backslashes (nothing to escape in
# JSON) and no line breaks, then its end mark.
SENTENCE = r'^[A-Z][^.!?"\\\n\r\t]{8,120}[.!?]$'
OPEN_SENTENCE = r'^[A-Z][^.!?"\\\n\r\t]+[.!?]$'  # the same, unbounded (cheap for xgrammar)
# Prose of any length that can only end where a sentence ends: the string can close only after
# . ! or ?, so no answer is ever cut mid-sentence, and no length bound slows a grammar down.
PROSE = r'^[A-Z][^"\\\n\r\t]*[.!?]$'
MAYBE_PROSE = r'^([A-Z][^"\\\n\r\t]*[.!?])?$'  # the same, or nothing
SPEECH = r'^[^"\\\n\r\t]+$'  # words spoken: no quote, so the line stays one quoted span


def bounded_prose(most: int, optional: bool = False) -> str:
    """`PROSE` of at most `most` characters, for the compact shape on llama.cpp: a small model
    rarely ends a sentence on its own, so the bound is what makes it stop (at the bound the
    grammar leaves only the end mark). Bounds of a few hundred keep llama.cpp's sampler fast."""
    body = rf'[A-Z][^"\\\n\r\t]{{0,{most - 2}}}[.!?]'
    return f"^({body})?$" if optional else f"^{body}$"


def load(answer: str) -> dict:
    try:
        data = json.loads(answer, strict=False)  # decoders may let raw control characters into strings
    except json.JSONDecodeError as exc:
        raise Invalid(f"not JSON: {exc.msg} at {exc.pos}") from None
    if not isinstance(data, dict):
        raise Invalid("not a JSON object")
    return data


def sentences_schema(key: str, least: int, most: int, shape: Shape = CINEMATIKA, colon: bool = True) -> dict:
    """`colon=False`: no `:` in a sentence, so none can read as a `Name: ...` turn (memories)."""
    sentence = SENTENCE if shape.bounded else OPEN_SENTENCE
    if not colon:
        sentence = sentence.replace('[^.!?"', '[^:.!?"')
    return {
        "type": "object",
        "properties": {key: {"type": "array", "minItems": least, "maxItems": most,
                             "items": {"type": "string", "pattern": sentence}}},
        "required": [key],
        "additionalProperties": False,
    }


def sentences_budget(most: int, shape: Shape, floor: int) -> int:
    """Tokens for up to `most` sentences: in the compact shape room for the longest the grammar
    allows (filler near a token a character), so no bounded answer is cut; else about 60 each."""
    return max(floor, most * 128 + 16 if shape.bounded else most * 60)


def sentences_text(answer: str, key: str) -> str:
    items = load(answer).get(key)
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise Invalid(f"{key} is not a list of sentences")
    return " ".join(" ".join(s.split()) for s in items)


def prose(optional: bool = False, most: int | None = None) -> dict:
    """A prose string's schema; `most` bounds it (compact shape only: see the module docstring)."""
    if most is not None:
        return {"type": "string", "pattern": bounded_prose(most, optional)}
    return {"type": "string", "pattern": MAYBE_PROSE if optional else PROSE}


def speech(most: int | None = None) -> dict:
    return {"type": "string", "pattern": SPEECH if most is None else rf'^[^"\\\n\r\t]{{1,{most}}}$'}


def transcript_schema(lines: list[tuple[str, str]], shape: Shape = CINEMATIKA) -> dict:
    """`lines`: (speaker's display name, words) of each dialogue block, in order.

    Compact: `{"speaker", "says", "then"}` per line. Cinematika: `{"narration", "speaker",
    "action", "says", "after"}`: a paragraph of what happens before the line (the script's action,
    no one's turn), what the speaker does as they speak, the line, and what follows it.

    In the cinematika shape every prose string is a `$ref` to one shared definition (`$defs`),
    not its own copy of the pattern, and "nothing or prose" is `anyOf` [prose, ""] rather than a
    second pattern: the same JSON is accepted, but xgrammar compiles (and builds token masks for)
    a pattern once per copy, so three copies a line made a 40-line part cost ~260 ms and the two
    dev screenplays' 202 transcript schemas 40 ms on average; shared, ~60 ms and ~9 ms (49k
    vocabulary, one thread: `benchmarks/engine_efficiency.py --parts grammar`). What is left is
    mostly the lines' own text and the keys and whitespace around each line. The compact shape
    (llama.cpp, whose grammars xgrammar never compiles) is left as it was: bounded patterns
    inline, where its sampler's helpers look for them (`distinct.max_lengths`)."""
    if shape.bounded:
        optional = prose(optional=True, most=shape.narration_chars)
        opening = prose(most=3 * shape.narration_chars)
        fields = lambda name, says: {"speaker": {"const": name}, "says": {"const": says}, "then": optional}  # noqa: E731
    else:
        optional, opening = {"$ref": "#/$defs/maybe_prose"}, {"$ref": "#/$defs/prose"}
        fields = lambda name, says: {"narration": optional, "speaker": {"const": name}, "action": optional,  # noqa: E731
                                     "says": {"const": says}, "after": optional}
    turns = [{"type": "object", "properties": fields(name, says), "required": list(fields(name, says)),
              "additionalProperties": False} for name, says in lines]
    schema = {
        "type": "object",
        "properties": {
            "opening": opening,
            "turns": {"type": "array", "prefixItems": turns, "items": False,
                      "minItems": len(turns), "maxItems": len(turns)},
        },
        "required": ["opening", "turns"],
        "additionalProperties": False,
    }
    if not shape.bounded:
        # Nothing or prose: the same strings as `MAYBE_PROSE`, with one pattern for xgrammar to compile.
        schema["$defs"] = {"prose": prose(), "maybe_prose": {"anyOf": [{"$ref": "#/$defs/prose"}, {"const": ""}]}}
    return schema


def transcript_text(answer: str) -> str:
    """The training-format transcript: the opening narration, then the turns (`Name: action
    "words" after`), with the narration between turns as its own paragraphs."""
    data = load(answer)
    turns = data.get("turns")
    if not isinstance(turns, list) or not all(isinstance(t, dict) for t in turns):
        raise Invalid("turns is not a list of objects")
    opening = trim_to_sentence(str(data.get("opening") or ""))
    if is_fragment(opening):
        raise Invalid(f"the opening is not a sentence: {opening[:60]!r}")
    paragraphs = [opening]
    for t in turns:
        narration = trim_to_sentence(str(t.get("narration") or ""))
        if narration and not is_fragment(narration):
            paragraphs.append(narration)
        before = trim_to_sentence(str(t.get("action") or ""))
        after = trim_to_sentence(str(t.get("then") or t.get("after") or ""))
        if str(t.get("says") or "").strip() or before or after:  # a cue with nothing said or done: no turn
            paragraphs.append(turn(str(t.get("speaker")), str(t.get("says") or ""), after, before))
    return "\n\n".join(paragraphs)

"""How large the model's text should be: one `Shape` per kind of backend.

`cinematika` is the size of the cinematika-v0.1 cards and scenes: 8-12 traits of 60-200
characters, a description of 3-4 paragraphs (600-2,000 characters), 6-8 lines of example dialogue
that open with the character, turns with narration before and after the speech. It is asked for on
vLLM and OpenAI-compatible servers, and held by the prompt, the token budget and the validator,
never by string bounds in the JSON schema: xgrammar 0.2.8 (as vLLM pins it) needs about a second to
compile a schema with `maxLength` on free text, against milliseconds without (see the engine notes).

`compact` is what a small model on llama.cpp can do: fewer and shorter texts, a simpler turn (the
line and what follows it), one-sentence scenario items and short trait names, every string bounded
in its schemas (a small model stops where the grammar makes it; SmolLM2-135M on 2 idle cores: 53
tok/s free, ~50 with a 150-character bound, ~41 at 300).

Either way no text is ever cut mid-sentence: a constrained string can close only after a sentence
end (`structured.PROSE`), and a free answer's text is taken back to its last full sentence
(`trim_to_sentence`) or, with none, refused and asked again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    name: str
    traits: tuple[int, int]  # how many characteristics
    trait_chars: tuple[int, int]  # characters of each trait's text
    description_paragraphs: tuple[int, int]
    description_chars: tuple[int, int]  # the whole description
    dialogue_lines: tuple[int, int]  # example_dialogue lines, the character's first
    line_chars: int  # about the most characters of one example line's speech or narration (budgets)
    narration_chars: int  # about the most characters of one piece of a transcript's narration (budgets)
    summary_sentences: tuple[int, int]
    bounded: bool  # the compact schemas: short bounded names and sentences, the simple turn


COMPACT = Shape(
    name="compact", traits=(5, 8), trait_chars=(12, 120), description_paragraphs=(1, 2),
    description_chars=(40, 400), dialogue_lines=(4, 6), line_chars=100, narration_chars=40,
    summary_sentences=(2, 4), bounded=True,
)
CINEMATIKA = Shape(
    name="cinematika", traits=(8, 12), trait_chars=(60, 200), description_paragraphs=(3, 4),
    description_chars=(600, 2000), dialogue_lines=(6, 8), line_chars=300, narration_chars=400,
    summary_sentences=(2, 5), bounded=False,
)
SHAPES = {shape.name: shape for shape in (COMPACT, CINEMATIKA)}

# A sentence ends with . ! ? or an ellipsis, perhaps inside closing quotes or brackets.
_END = re.compile(r"""(?:[.!?]|\.\.\.|…)["'”’)\]*]*$""")
_LAST_END = re.compile(r"""(?:[.!?]|…)["'”’)\]*]*(?=\s|$)""")


def ends_sentence(text: str) -> bool:
    return bool(_END.search(text.strip()))


def trim_to_sentence(text: str) -> str:
    """The text up to its last complete sentence ("" when it has none)."""
    text = " ".join(text.split())
    if ends_sentence(text):
        return text
    ends = list(_LAST_END.finditer(text))
    return text[: ends[-1].end()] if ends else ""


def is_fragment(text: str) -> bool:
    """Narration that is not a sentence: a bare name, a stray bracket, one word."""
    return len(re.findall(r"[A-Za-z']+", text)) < 2 or not ends_sentence(text)

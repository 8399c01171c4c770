"""Keep the values of chosen JSON keys distinct while llama.cpp decodes.

JSON Schema cannot say "no two characteristics share a `trait`" (`uniqueItems` compares whole items,
and the texts differ), so no schema-made grammar can either, and a small model repeats a trait name
until the list is full: 9 of 125 constrained SmolLM2-135M cards collapsed below five traits that
way. `DistinctValues` is a llama-cpp-python logits processor that closes the gap: while the answer
is inside the string value of one of the keys, every token whose closing quote would finish a value
that key already had is pushed down, so the model has to end the name differently.

Written here because no maintained library does this; it works on the raw bytes of the tokens, so
it needs no tokenizer beyond the model's own token pieces. It assumes values without escaped
quotes, which holds for the short names it is used on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Finite, so that if the grammar allows nothing but a masked token it is still chosen.
_MASKED = -1e9


def quote_pieces(pieces: Sequence[bytes]) -> list[tuple[int, bytes]]:
    """(token id, its bytes before the first `"`) for every token that contains a quote."""
    return [(i, piece[: piece.index(b'"')]) for i, piece in enumerate(pieces) if b'"' in piece]


def piece_ids(pieces: Sequence[bytes]) -> dict[bytes, list[int]]:
    """Token ids by their bytes."""
    ids: dict[bytes, list[int]] = {}
    for i, piece in enumerate(pieces):
        ids.setdefault(piece, []).append(i)
    return ids


def max_lengths(schema: dict | None, keys: Sequence[str]) -> dict[bytes, int]:
    """The longest string the schema allows under each key (its `maxLength`, or the widest match of
    its `pattern`), where it has a bound."""
    from re import _parser  # the stdlib's own regex parser: getwidth() gives a pattern's widest match

    found: dict[bytes, int] = {}

    def visit(node: object) -> None:
        if isinstance(node, dict):
            for key, sub in (node.get("properties") or {}).items():
                if key in keys and isinstance(sub, dict) and sub.get("type") == "string":
                    bounds = [sub["maxLength"]] if "maxLength" in sub else []
                    if "pattern" in sub:
                        bounds.append(_parser.parse(sub["pattern"]).getwidth()[1])
                    if bounds:
                        found[key.encode()] = min(bounds)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return found


class DistinctValues:
    """One answer's processor: make a new one per sample. `pieces[i]` is token i's bytes,
    `quotes` is `quote_pieces(pieces)`, `ids` is `piece_ids(pieces)`; `longest`: the length cap of
    each key's values (`max_lengths`). At a cap the grammar allows nothing but the closing quote,
    so a value may not grow into a seen value of that length: it could only close as a repeat."""

    def __init__(self, keys: Sequence[str], pieces: Sequence[bytes], quotes: list[tuple[int, bytes]],
                 ids: dict[bytes, list[int]] | None = None, longest: dict[bytes, int] | None = None):
        names = b"|".join(re.escape(key.encode()) for key in keys)
        self._value = re.compile(rb'"(' + names + rb')"\s*:\s*"((?:[^"\\]|\\.)*)("?)')
        self._pieces = pieces
        self._quotes = quotes
        self._ids = ids or {}
        self._longest = longest or {}
        self._start: int | None = None  # prompt length: where the answer's tokens begin
        self._seen = 0
        self._text = bytearray()
        self.masked = 0  # tokens pushed down, over the whole answer

    def __call__(self, input_ids, logits):
        if self._start is None:
            self._start = self._seen = len(input_ids)
        for token in input_ids[self._seen:]:
            self._text += self._pieces[token]
        self._seen = len(input_ids)
        done: set[tuple[bytes, bytes]] = set()
        open_value: tuple[bytes, bytes] | None = None
        for m in self._value.finditer(self._text):
            if m.group(3):
                done.add((m.group(1), m.group(2)))
            elif m.end() == len(self._text):
                open_value = (m.group(1), m.group(2))
        if open_value is not None:
            key, partial = open_value
            for token, head in self._quotes:
                if (key, partial + head) in done:
                    logits[token] = _MASKED
                    self.masked += 1
            cap = self._longest.get(key)
            for seen_key, value in done:
                if seen_key == key and len(value) == cap and value.startswith(partial) and value != partial:
                    for token in self._ids.get(value[len(partial):], ()):
                        logits[token] = _MASKED
                        self.masked += 1
        return logits

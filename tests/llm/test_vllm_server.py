"""Group 2: the openai backend against vLLM's own OpenAI-compatible server, serving the tiny model
on 127.0.0.1 exactly as the cinematika model card starts it, on both endpoints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from script2rp.llm import Request, SamplingParams, make_engine, to_request

from .tiny_model import serve

pytestmark = [pytest.mark.vllm, pytest.mark.slow]


@pytest.fixture(scope="module")
def vllm_server(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("vllm", reason="install vLLM's CPU build: make install-vllm")
    with serve(tiny_model_dir, tmp_path_factory.mktemp("vllm-server") / "server.log") as base_url:
        yield base_url


def engine_for(base_url: str, **options):
    defaults = dict(model="tiny", cache_path=None, progress=False, concurrency=8, timeout=60)
    return make_engine("openai", base_url=base_url, **(defaults | options))


def test_completions(vllm_server: str) -> None:
    requests = [
        Request("Jon:" + " word" * (i + 1), params=SamplingParams(max_tokens=16, seed=i,
                                                                  temperature=1.0))
        for i in range(24)
    ]
    with engine_for(vllm_server, model=None) as engine:  # the server's only model
        results = engine.generate(requests)
        again = engine.generate(requests)  # no cache: asked again, seeded, same answers
    assert engine.backend.model == "tiny"
    assert all(result.ok for result in results)
    lengths = [result.prompt_tokens for result in results]
    assert lengths == sorted(lengths) and len(set(lengths)) == 24  # in request order
    assert [r.text for r in again] == [r.text for r in results]
    assert engine.stats.calls == 48 and engine.stats.retries == 0


def test_completions_stop_n_and_schema(vllm_server: str) -> None:
    free = SamplingParams(max_tokens=40, temperature=1.0, seed=11)
    with engine_for(vllm_server) as engine:
        [text] = engine.generate([Request("Mary:", params=free)])[0].texts
        stop = next(text[i : i + 3] for i in range(len(text) // 3, len(text) - 3)
                    if text[i : i + 3].isalpha())
        stopped, several, constrained = engine.generate([
            Request("Mary:", params=SamplingParams(max_tokens=40, temperature=1.0, seed=11,
                                                   stop=(stop,))),
            Request("Mary:", params=SamplingParams(max_tokens=8, temperature=1.0, seed=3, n=3)),
            Request("Hero?", params=SamplingParams(max_tokens=10, seed=1, json_schema={
                "type": "string", "enum": ["hero", "villain"]})),
        ])
    assert stopped.text == text[: text.index(stop)] and stopped.finish_reasons == ["stop"]
    assert len(several.texts) == 3 and len(set(several.texts)) > 1
    assert json.loads(constrained.text) in ("hero", "villain")


def test_chat_completions(vllm_server: str, tiny_model_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    params = SamplingParams(max_tokens=10, seed=2)
    chat = to_request("chat", "Who is Jon?", params, system="You answer in one word.")
    schema_params = SamplingParams(max_tokens=10, seed=2,
                                   json_schema={"type": "string", "enum": ["yes", "no"]})
    with engine_for(vllm_server) as engine:
        answer, constrained = engine.generate(
            [chat, to_request("chat", "Is Jon the hero?", schema_params)]
        )
    assert answer.ok and answer.finish_reasons[0] in ("stop", "length")
    rendered = tokenizer.apply_chat_template(chat.messages, tokenize=False,
                                             add_generation_prompt=True)
    assert answer.prompt_tokens == len(tokenizer(rendered, add_special_tokens=False).input_ids)
    assert json.loads(constrained.text) in ("yes", "no")


def test_server_refusal_is_not_retried(vllm_server: str) -> None:
    with engine_for(vllm_server) as engine:
        [result] = engine.generate([Request("word " * 2000, params=SamplingParams(max_tokens=4))])
    assert not result.ok and "HTTP 400" in result.error
    assert "maximum context length" in result.error
    assert engine.stats.retries == 0

"""Group 3: the openai backend against a server that fails in every way a real one does.

Every request must end with an answer or a recorded error, none lost, none sent more often than its
faults require, results in request order.
"""

from __future__ import annotations

import logging

import pytest

from script2rp.llm import Request, SamplingParams, make_engine

from .fault_server import FaultServer

# Short waits so the suite stays fast: 0.5 s per attempt, backoff capped at 50 ms.
FAST = dict(timeout=0.5, max_retries=3, backoff=0.01, max_backoff=0.05)
PARAMS = SamplingParams(max_tokens=8)

# script -> (server hits it must take, whether it ends with an answer); max_retries=3: 4 attempts
SCRIPTS = {
    "ok": (1, True),
    "500,ok": (2, True),
    "503,500,ok": (3, True),
    "429,ok": (2, True),
    "stall,ok": (2, True),
    "drop,ok": (2, True),
    "drop,drop,ok": (3, True),
    "badjson,ok": (2, True),
    "length": (1, True),
    "500": (4, False),
    "badjson": (4, False),
    "drop": (4, False),
    "400": (1, False),
}


def engine_for(server: FaultServer, **options):
    defaults = dict(model="fake", cache_path=None, progress=False, concurrency=8, **FAST)
    return make_engine("openai", base_url=server.base_url, **(defaults | options))


def scripted_requests(copies: int = 3) -> list[Request]:
    """Every script `copies` times, interleaved with plain requests; every 4th one as chat."""
    requests = []
    for copy in range(copies):
        for script in SCRIPTS:
            for text in (f"c{copy} {script} script={script}", f"c{copy} {script} plain"):
                if len(requests) % 4 == 3:
                    requests.append(Request(messages=[{"role": "user", "content": text}],
                                            params=PARAMS))
                else:
                    requests.append(Request(text, params=PARAMS))
    return requests


def key_of(request: Request) -> str:
    return request.prompt if request.prompt is not None else request.messages[-1]["content"]


def test_every_request_ends_once_in_order(fault_server: FaultServer) -> None:
    requests = scripted_requests()
    with engine_for(fault_server) as engine:
        results = engine.generate(requests, desc="faults")

    assert len(results) == len(requests)
    expected_failures = 0
    for request, result in zip(requests, results):
        key = key_of(request)
        script = key.split("script=")[1] if "script=" in key else "ok"
        hits, answered = SCRIPTS[script]
        assert fault_server.hits[key] == hits, key  # nothing lost, nothing sent twice needlessly
        if answered:
            assert result.ok, (key, result.error)
            assert result.text == f"echo:{key}/0"  # the answer to this request, in its place
            assert result.truncated == (script == "length")
        else:
            expected_failures += 1
            assert not result.ok and not result.texts
    assert set(fault_server.hits) == {key_of(request) for request in requests}
    stats = engine.stats
    assert stats.calls == len(requests)
    assert stats.failures == expected_failures
    assert stats.retries == sum(fault_server.hits.values()) - len(requests)
    assert fault_server.max_in_flight <= 8


def test_failures_say_why(fault_server: FaultServer) -> None:
    prompts = [f"{n} script={s}" for n, s in enumerate(["400", "500", "badjson", "drop", "stall"])]
    with engine_for(fault_server, max_retries=1) as engine:
        errors = [r.error for r in engine.generate([Request(p, params=PARAMS) for p in prompts])]
    assert errors[0] == "POST /completions: HTTP 400: prompt rejected by policy"
    assert "HTTP 500: internal hiccup (gave up after 2 attempts)" in errors[1]
    assert "malformed response" in errors[2] and "gave up after 2 attempts" in errors[2]
    assert "connection failed" in errors[3]
    assert "no answer within 0.5 s" in errors[4]


def test_retry_after_is_honoured(fault_server: FaultServer) -> None:
    """The backoff is 10-50 ms here; the server's Retry-After: 1 must win."""
    with engine_for(fault_server) as engine:
        [result] = engine.generate([Request("slow script=429,ok", params=PARAMS)])
    assert result.ok
    first, second = fault_server.hit_times["slow script=429,ok"]
    assert second - first >= 0.95


def test_request_shape_and_n(fault_server: FaultServer) -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    params = SamplingParams(max_tokens=12, temperature=0.3, top_p=0.9, stop=("\nJon:",), seed=7,
                            n=3, json_schema=schema)
    with engine_for(fault_server, model=None) as engine:  # model from the server's /v1/models
        completion, chat = engine.generate([
            Request("shape", params=params),
            Request(messages=[{"role": "user", "content": "shape chat"}], params=params),
        ])
    assert engine.backend.model == "fake"
    assert completion.texts == [f"echo:shape/{i}" for i in range(3)]
    assert chat.texts == [f"echo:shape chat/{i}" for i in range(3)]
    assert completion.finish_reasons == ["stop"] * 3
    by_kind = {"prompt" in body: body for body in fault_server.bodies}
    common = {"model": "fake", "max_tokens": 12, "temperature": 0.3, "top_p": 0.9,
              "stop": ["\nJon:"], "seed": 7, "n": 3}
    assert by_kind[True] == common | {"prompt": "shape", "structured_outputs": {"json": schema}}
    assert by_kind[False]["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "output", "schema": schema, "strict": True}}
    assert by_kind[False]["messages"] == [{"role": "user", "content": "shape chat"}]


def test_api_key_is_sent_and_never_shown(
    fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "sk-test-do-not-print-4242"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    caplog.set_level(logging.DEBUG)
    with engine_for(fault_server, progress=True) as engine:
        results = engine.generate(
            [Request(p, params=PARAMS) for p in ("k1", "k2 script=400", "k3 script=500")]
        )
        shown = [repr(engine), repr(engine.backend), str(engine.stats), engine.stats.summary()]
    assert set(fault_server.auth_headers) == {f"Bearer {secret}"}
    out = capsys.readouterr()
    for text in [*shown, *(r.error or "" for r in results), out.out, out.err, caplog.text]:
        assert secret not in text

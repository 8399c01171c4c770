"""Group 4: the answer cache and resuming. A re-run makes no calls; a run killed part-way (in its
own process, SIGKILL or Ctrl-C) resumes by sending only the requests whose answers are missing."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from script2rp.llm import Request, SamplingParams, make_engine
from script2rp.llm.cache import Cache, request_keys

from .fault_server import FaultServer
from .resume_worker import resume_requests

PARAMS = SamplingParams(max_tokens=8, seed=3)


def engine_for(server: FaultServer, cache_path: Path | None, **options):
    defaults = dict(model="fake", progress=False, concurrency=8, timeout=2, max_retries=2,
                    backoff=0.01, max_backoff=0.05)
    return make_engine(
        "openai", base_url=server.base_url, cache_path=cache_path, **(defaults | options)
    )


def prompts(n: int, stem: str = "p") -> list[Request]:
    return [Request(f"{stem}{i:02d}", params=PARAMS) for i in range(n)]


def test_second_run_makes_no_calls(fault_server: FaultServer, tmp_path: Path) -> None:
    cache = tmp_path / "build" / "llm-cache.sqlite"
    requests = prompts(30) + [Request("cut script=length", params=PARAMS)]
    with engine_for(fault_server, cache) as engine:
        first = engine.generate(requests)
    assert engine.stats.calls == 31 and engine.stats.hits == 0
    fault_server.reset()

    with engine_for(fault_server, cache) as engine:
        second = engine.generate(requests)
    assert engine.stats.calls == 0 and engine.stats.hits == 31
    assert fault_server.total_hits() == 0
    assert [r.texts for r in second] == [r.texts for r in first]
    assert all(r.cached for r in second) and not any(r.cached for r in first)
    assert second[-1].truncated  # a truncated answer is an answer: cached like any other
    assert engine.stats.truncated == 1


def test_errors_are_asked_again(fault_server: FaultServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    requests = [Request("fine", params=PARAMS), Request("refused script=400", params=PARAMS)]
    with engine_for(fault_server, cache) as engine:
        assert [r.ok for r in engine.generate(requests)] == [True, False]
        assert [r.ok for r in engine.generate(requests)] == [True, False]
    assert engine.stats.hits == 1 and engine.stats.calls == 3
    assert fault_server.hits["refused script=400"] == 2


def test_identical_requests_are_sent_once(fault_server: FaultServer) -> None:
    request = Request("same", params=PARAMS)
    with engine_for(fault_server, None) as engine:
        results = engine.generate([request, replace(request, tag="other"), request])
    assert fault_server.hits["same"] == 1 and engine.stats.calls == 1
    assert [r.text for r in results] == ["echo:same/0"] * 3
    assert len({id(r) for r in results}) == 3  # callers may mutate their results safely


def test_key_covers_everything_that_changes_the_answer() -> None:
    base = Request("hello", params=PARAMS)
    variants = [
        base,
        Request(messages=[{"role": "user", "content": "hello"}], params=PARAMS),
        Request("hello!", params=PARAMS),
        *(Request("hello", params=replace(PARAMS, **change)) for change in (
            {"max_tokens": 9}, {"temperature": 0.1}, {"top_p": 0.5}, {"stop": ("x",)},
            {"seed": 4}, {"seed": None}, {"n": 2}, {"json_schema": {"type": "string"}},
            {"presence_penalty": 0.5}, {"frequency_penalty": 0.5}, {"distinct": ("name",)},
        )),
    ]
    keys = request_keys("openai", "m", variants)
    assert len(set(keys)) == len(variants)
    assert request_keys("openai", "other-model", [base]) != keys[:1]
    assert request_keys("vllm", "m", [base]) != keys[:1]
    assert request_keys("openai", "m", [replace(base, tag="caller metadata")]) == keys[:1]


def test_fields_added_later_leave_old_keys_alone() -> None:
    # The key of a request as the first cache version wrote it, before penalties and `distinct`:
    # answers cached then must still be found.
    first_version = json.dumps([
        {"backend": "openai", "model": "m", "v": 1},
        {"json_schema": None, "max_tokens": 8, "n": 1, "seed": 3, "stop": [], "temperature": 0.7,
         "top_p": 1.0},
        "prompt", "hello",
    ], sort_keys=True, separators=(",", ":"))
    assert request_keys("openai", "m", [Request("hello", params=PARAMS)]) == [
        hashlib.sha256(first_version.encode()).hexdigest()]


def test_refresh_and_off(fault_server: FaultServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    with engine_for(fault_server, cache) as engine:
        engine.generate(prompts(5))
    with engine_for(fault_server, cache, cache_mode="refresh") as engine:
        assert not any(r.cached for r in engine.generate(prompts(5)))
    with engine_for(fault_server, cache) as engine:  # refresh rewrote the answers
        assert all(r.cached for r in engine.generate(prompts(5)))
    off = tmp_path / "never.sqlite"
    with engine_for(fault_server, off, cache_mode="off") as engine:
        engine.generate(prompts(5))
    assert not off.exists()
    assert fault_server.hits["p00"] == 3


def test_record_then_replay(fault_server: FaultServer, tmp_path: Path) -> None:
    recording = tmp_path / "answers.jsonl"
    requests = prompts(6) + [Request(messages=[{"role": "user", "content": "chat"}], params=PARAMS)]
    with engine_for(fault_server, tmp_path / "cache.sqlite", record_path=recording) as engine:
        recorded = engine.generate(requests)
        engine.generate(requests[:2])  # cached answers are recorded too: a recording is complete
    fault_server.close()  # replay needs no server

    with recording.open("a") as lines:  # a hand-written line: any params, "text" shorthand
        lines.write(json.dumps({"prompt": "by hand", "text": "written"}) + "\n")
    with make_engine("replay", model=None, cache_path=None, progress=False,
                     replay_path=recording) as engine:
        replayed = engine.generate(
            requests + [Request("by hand", params=SamplingParams(max_tokens=99)),
                        Request("never recorded", params=PARAMS),
                        Request("p00", params=replace(PARAMS, seed=99))]
        )
    assert [r.texts for r in replayed[:7]] == [r.texts for r in recorded]
    assert replayed[7].text == "written"
    assert "no recorded answer" in replayed[8].error
    assert "no recorded answer" in replayed[9].error  # recorded params must match


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "ctrl-c"])
def test_killed_run_resumes_with_only_the_missing(
    sig: signal.Signals, tmp_path: Path
) -> None:
    server = FaultServer(latency=0.05)
    n, cache = 60, tmp_path / "cache.sqlite"
    worker = Path(__file__).with_name("resume_worker.py")
    run = subprocess.Popen(
        [sys.executable, str(worker), server.base_url, str(cache), str(n)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while server.total_hits() < 20:
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "the worker never got going"
            time.sleep(0.005)
        run.send_signal(sig)
        _, err = run.communicate(timeout=30)
    finally:
        run.kill()
    assert run.returncode != 0
    if sig == signal.SIGINT:  # graceful: says what it kept and what is pending
        assert "interrupted:" in err and "pending: p0" in err

    requests = resume_requests(n)
    keys = request_keys("openai", "fake", requests)
    saved = Cache(cache)
    cached = {key for key in saved.get_many(keys)}
    saved.close()
    assert 0 < len(cached) < n
    server.reset()
    with make_engine("openai", model="fake", base_url=server.base_url, cache_path=cache,
                     concurrency=4, progress=False) as engine:
        results = engine.generate(requests)
    server.close()
    assert all(result.ok for result in results)
    missing = {r.prompt for r, key in zip(requests, keys) if key not in cached}
    assert set(server.hits) == missing and set(server.hits.values()) == {1}
    assert engine.stats.calls == len(missing) and engine.stats.hits == len(cached)

"""What `--record` leaves out, for engine_efficiency.py: one JSON line per answered request with the
caller's tag (the build's `<stage>:<job id>`), the request's key, when it was sent and answered,
and its tokens.

A recording keeps prompts, parameters and answers but no tags and no times; the benchmark joins
the two by `request_key` to tell the stages apart, to time a build from its first request to its
last answer (the model load excluded), and to find its dependency chains. The backends that write
it are the vllm backend unchanged (`TimedVLLM`) and the GPU-like stand-in (gpu_standin.py); both
take the log's path as `--engine-opt log=PATH`.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from script2rp.llm import Backend, BackendConfig, Outcome, Request, SamplingParams
from script2rp.llm.cache import request_keys
from script2rp.llm.vllm_backend import VLLMBackend


def request_key(request: Request) -> str:
    """The same key for a live request and for its line in a recording (`recorded_request`)."""
    return request_keys("log", "", [request])[0]


def recorded_request(record: dict[str, Any]) -> Request:
    """A `--record` line back as the request that was asked."""
    return Request(record.get("prompt"), record.get("messages"), params=SamplingParams(**record["params"]))


def read_jsonl(path: str | os.PathLike) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


class RequestLog:
    """Appends a line per outcome; `stream` calls come from several threads at once."""

    def __init__(self, path: str | os.PathLike):
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def wrap(self, requests: Sequence[Request], stream: Iterator[list[Outcome]]) -> Iterator[list[Outcome]]:
        """`stream` (a backend's answers to `requests`), logging each outcome as it passes."""
        sent = time.monotonic()
        keys = [request_key(request) for request in requests]
        try:
            for finished in stream:
                done = time.monotonic()
                lines = [json.dumps({
                    "tag": requests[o.index].tag, "key": keys[o.index], "sent": sent, "done": done,
                    "ok": o.result.ok, "prompt_tokens": o.result.prompt_tokens,
                    "completion_tokens": o.result.completion_tokens, "cached_prompt_tokens": o.cached_prompt_tokens,
                }) + "\n" for o in finished]
                with self._lock:
                    self._file.writelines(lines)
                    self._file.flush()
                yield finished
        finally:
            stream.close()

    def close(self) -> None:
        self._file.close()


class TimedVLLM(VLLMBackend):
    """The vllm backend as the build uses it (same name, so the same cache keys), its requests
    logged to `--engine-opt log=PATH`; every other option goes to `vllm.LLM` as usual."""

    _log: RequestLog

    @classmethod
    def open(cls, config: BackendConfig) -> Backend:
        cls.check(config)
        options = dict(config.options)
        log = RequestLog(options.pop("log"))
        backend = cls(config.model, **options)
        backend._log = log
        return backend

    def stream(self, requests: Sequence[Request], label: str = "") -> Iterator[list[Outcome]]:
        return self._log.wrap(requests, super().stream(requests, label))

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._log.close()

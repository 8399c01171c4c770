"""The one entry point stages use: a list of requests in, a list of results out, in order.

Callers never see threads, event loops or HTTP. The engine puts the persistent cache in front of a
backend (vLLM or llama.cpp in-process, an OpenAI-compatible server, or recorded answers): cached
requests are answered at once, identical requests in a batch are sent once, and every answer is
written to the cache (and the optional recording) the moment the backend yields it, on the
calling thread. So a second run makes no calls, a killed run resumes with only what is missing,
and Ctrl-C keeps every answer received so far.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from tqdm import tqdm

from .backend import Backend, BackendConfig, Outcome
from .cache import CACHE_MODES, Cache, CacheMode, request_keys
from .registry import backend_class
from .replay import Recorder
from .types import Request, Result, Stats


def _copy(result: Result) -> Result:
    return replace(result, texts=list(result.texts), finish_reasons=list(result.finish_reasons))


class Engine:
    """Cache + recording + progress around a backend. Not reentrant: one `generate` at a time."""

    def __init__(
        self,
        backend: Backend,
        *,
        cache_path: str | os.PathLike | None = None,
        cache_mode: CacheMode = "use",
        record_path: str | os.PathLike | None = None,
        progress: bool = True,
    ):
        if cache_mode not in CACHE_MODES:
            raise ValueError(f"cache_mode must be one of {CACHE_MODES}, got {cache_mode!r}")
        self.backend = backend
        self.cache = Cache(cache_path, cache_mode) if cache_path and cache_mode != "off" else None
        self._recorder = Recorder(record_path) if record_path else None
        self.progress = progress
        self.stats = Stats()
        self._lock = threading.Lock()
        self._recover()  # a killed job's answers, persisted by the backend: never asked again

    def _recover(self) -> None:
        answers = self.backend.recovered()
        if self.cache is not None:
            for start in range(0, len(answers), 1000):
                self.cache.put_many(answers[start:start + 1000])

    def __repr__(self) -> str:
        cache = None if self.cache is None else f"{str(self.cache.path)!r} ({self.cache.mode})"
        return f"Engine({self.backend!r}, cache={cache})"

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.backend.close()
        finally:
            self._recover()
            if self.cache is not None:
                self.cache.close()
            if self._recorder is not None:
                self._recorder.close()

    def generate(self, requests: Sequence[Request], desc: str = "") -> list[Result]:
        """Answer every request, in request order; a request that fails has `error` set."""
        with self._lock:
            return self._generate(list(requests), desc)

    def _lookup(self, requests: list[Request]) -> tuple[list[Result | None], dict[str, list[int]], list[Request], int]:
        """Fill what the cache holds. Returns the results so far, each missing key with every index
        asking for it (in first-asked order), the requests to send (one per missing key) and the
        number of hits."""
        keys = request_keys(self.backend.kind, self.backend.model, requests)
        found = self.cache.get_many(set(keys)) if self.cache is not None else {}
        results: list[Result | None] = [None] * len(requests)
        positions: dict[str, list[int]] = {}
        for index, key in enumerate(keys):
            if key in found:
                results[index] = _copy(found[key])
                self._answered(requests[index], results[index])
            else:
                positions.setdefault(key, []).append(index)
        hits = len(requests) - sum(map(len, positions.values()))
        self.stats.requests += len(requests)
        self.stats.hits += hits
        self.stats.misses += len(requests) - hits
        todo = [requests[indexes[0]] for indexes in positions.values()]
        self.stats.calls += len(todo)
        return results, positions, todo, hits

    def _generate(self, requests: list[Request], desc: str) -> list[Result]:
        results, positions, todo, hits = self._lookup(requests)
        todo_keys = list(positions)

        bar = tqdm(
            total=len(requests), initial=hits, desc=desc or None, unit="req",
            disable=not self.progress, dynamic_ncols=True,
        )
        bar.set_postfix(cached=hits, failed=0, refresh=False)
        failures = 0
        stream = self.backend.stream(todo, label=desc)
        try:
            for finished in stream:
                answers = [(todo_keys[o.index], o.result) for o in finished if o.result.ok]
                if self.cache is not None and answers:  # durable before anything else happens
                    self.cache.put_many(answers)  # errors are not cached: the next run asks again
                for outcome in finished:
                    key, result = todo_keys[outcome.index], outcome.result
                    self._account(outcome)
                    if result.ok:
                        self._answered(todo[outcome.index], result)
                    else:
                        failures += 1
                        bar.set_postfix(cached=hits, failed=failures, refresh=False)
                    for n, index in enumerate(positions[key]):
                        results[index] = result if n == 0 else _copy(result)
                    bar.update(len(positions[key]))
        except KeyboardInterrupt:
            bar.close()  # before the report, so the bar does not overwrite it
            self._report_interrupt(requests, results)
            raise
        finally:
            stream.close()  # stops the backend's outstanding work if we are leaving early
            bar.close()
        return results  # type: ignore[return-value]  # every slot is filled by now

    def _answered(self, request: Request, result: Result) -> None:
        self.stats.truncated += result.truncated
        if self._recorder is not None:
            self._recorder.write(request, result)

    def _account(self, outcome: Outcome) -> None:
        stats, result = self.stats, outcome.result
        stats.retries += outcome.retries
        if not result.ok:
            stats.failures += 1
            return
        stats.prompt_tokens += result.prompt_tokens
        stats.completion_tokens += result.completion_tokens
        if outcome.cached_prompt_tokens is not None:
            stats.cached_prompt_tokens += outcome.cached_prompt_tokens
            stats.prefix_measured_tokens += result.prompt_tokens

    def _report_interrupt(self, requests: list[Request], results: list[Result | None]) -> None:
        pending = [index for index, result in enumerate(results) if result is None]
        names = [requests[index].tag or f"#{index}" for index in pending]
        listed = ", ".join(names[:20]) + (f", ... ({len(names) - 20} more)" if names[20:] else "")
        kept = "" if self.cache is None else f", kept in {self.cache.path}"
        print(
            f"\ninterrupted: {len(requests) - len(pending)} of {len(requests)} answered{kept}; "
            f"{len(pending)} pending: {listed}",
            file=sys.stderr,
        )


def make_engine(
    backend: str,
    *,
    model: str | None = None,
    base_url: str | None = None,
    cache_path: str | os.PathLike | None,
    cache_mode: CacheMode = "use",
    concurrency: int = 32,
    timeout: float = 600.0,
    max_retries: int = 6,
    progress: bool = True,
    record_path: str | os.PathLike | None = None,
    replay_path: str | None = None,
    **backend_options: Any,
) -> Engine:
    """Build an engine around the backend named `backend` (see `registry.py`).

    - "vllm": `model` is a model directory or hub id; `backend_options` go to `vllm.LLM` (dtype,
      max_model_len, tensor_parallel_size, gpu_memory_utilization, enforce_eager, ...).
    - "openai": `base_url` like "http://127.0.0.1:8000/v1"; `model` as served (None: the server's
      only model); `concurrency`, `timeout` (seconds per attempt), `max_retries`, and
      `backend_options` `backoff`/`max_backoff` (seconds) tune it.
    - "replay": `replay_path` is a JSONL recording (see `replay.py`).
    - "llamacpp": `model` is a GGUF file (None: the embedded SmolLM2-135M-Instruct, see
      `embedded.py`); `backend_options` go to `llama_cpp.Llama` (n_ctx, n_threads, seed, ...).

    `cache_path` None or `cache_mode="off"` disables the cache; "refresh" re-asks and overwrites.
    `record_path` appends every answer (cached ones included) to a JSONL that "replay" can serve.
    """
    config = BackendConfig(model=model, base_url=base_url, replay=replay_path, concurrency=concurrency,
                           timeout=timeout, max_retries=max_retries, options=backend_options)
    return open_engine(backend_class(backend), config, cache_path=cache_path, cache_mode=cache_mode,
                       progress=progress, record_path=record_path)


def open_engine(
    cls: type[Backend],
    config: BackendConfig,
    *,
    cache_path: str | os.PathLike | None,
    cache_mode: CacheMode = "use",
    progress: bool = True,
    record_path: str | os.PathLike | None = None,
) -> Engine:
    """Open the backend `cls` with `config` behind a new engine."""
    if cache_mode not in CACHE_MODES:
        raise ValueError(f"cache_mode must be one of {CACHE_MODES}, got {cache_mode!r}")
    impl = cls.open(config)
    try:
        return Engine(impl, cache_path=cache_path, cache_mode=cache_mode, record_path=record_path, progress=progress)
    except BaseException:
        impl.close()  # a vLLM engine holds GPU memory and a process: never leak it
        raise

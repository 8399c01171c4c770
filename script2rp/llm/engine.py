"""The one entry point stages use: requests in, results out, as each finishes.

Callers never see threads, event loops or HTTP. The engine puts the persistent cache in front of a
backend (vLLM or llama.cpp in-process, an OpenAI-compatible server, recorded answers, or replicas
of one on Ray): cached requests are answered at once, identical requests are sent once, and every
answer is written to the cache (and the optional recording) as soon as the caller takes it, on the
caller's thread. So a second run makes no calls, a killed run resumes with only what is missing,
and Ctrl-C keeps every answer received so far.

Two ways in:

- `generate(requests)`: a list in, the results in request order (the chat, tests, benchmarks).
- `session()`: requests submitted at any time, results taken as they finish, so a caller can
  send the next piece of work (a re-ask, a stage that needed this answer) while the rest of the
  batch decodes: the build keeps the backend's whole frontier of ready work in flight. Each
  submission goes to the backend as one `stream` call on a thread of its own (backends that take
  one call at a time get them in order on one thread), and submissions made while the caller
  handles answers leave together, as one call, when it next waits.
"""

from __future__ import annotations

import itertools
import os
import queue
import sys
import threading
from collections import deque
from collections.abc import Iterator, Sequence
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
    """Cache + recording + progress around a backend. One session (or `generate`) at a time."""

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

    def session(self) -> Session:
        """A stream of work: `submit` any time, `finished()` yields answers as they come."""
        return Session(self)

    def generate(self, requests: Sequence[Request], desc: str = "") -> list[Result]:
        """Answer every request, in request order; a request that fails has `error` set."""
        results: list[Result | None] = [None] * len(requests)
        with self.session() as session:
            session.submit(list(enumerate(requests)), label=desc)
            for index, result in session.finished():
                results[index] = result
        return results  # type: ignore[return-value]  # every slot is filled by now

    # -- bookkeeping shared by sessions ------------------------------------------------------------

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


class Session:
    """Requests submitted with a caller's handle; `finished()` yields (handle, result) pairs."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._ready: deque[tuple[Any, Result]] = deque()
        self._waiting: dict[str, list[tuple[Any, str]]] = {}  # key -> (handle, label) for each asker
        self._sent: dict[int, list[tuple[str, Request]]] = {}  # dispatch id -> (key, request) by index
        self._outbox: list[tuple[str, Request, str]] = []  # misses not yet dispatched
        self._done: queue.SimpleQueue[tuple[int, list[Outcome] | BaseException]] = queue.SimpleQueue()
        self._ids = itertools.count()
        self._bars: dict[str, tqdm] = {}
        self._failed: dict[str, int] = {}
        self._serial: queue.SimpleQueue | None = None
        if not engine.backend.capabilities.concurrent:
            self._serial = queue.SimpleQueue()
            threading.Thread(target=self._serial_worker, daemon=True).start()

    def __enter__(self) -> Session:
        self.engine._lock.acquire()
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: object) -> None:
        try:
            for bar in self._bars.values():
                bar.close()
            if exc_type is KeyboardInterrupt:
                self._report_interrupt()
        finally:
            if self._serial is not None:
                self._serial.put(None)
            self.engine._lock.release()

    @property
    def pending(self) -> int:
        """Answers submitted and not yet taken."""
        return len(self._ready) + sum(map(len, self._waiting.values()))

    def submit(self, items: Sequence[tuple[Any, Request]], label: str = "") -> None:
        """Ask for `items` ((handle, request) pairs); cached answers are ready at once."""
        if not items:
            return
        engine, stats = self.engine, self.engine.stats
        requests = [request for _, request in items]
        keys = request_keys(engine.backend.kind, engine.backend.model, requests)
        lookup = set(keys) - self._waiting.keys()
        found = engine.cache.get_many(lookup) if engine.cache is not None and lookup else {}
        bar = self._bar(label)
        bar.total += len(items)
        hits = 0
        for (handle, request), key in zip(items, keys):
            stats.requests += 1
            if key in found:
                hits += 1
                result = _copy(found[key])
                engine._answered(request, result)
                self._ready.append((handle, result))
            elif key in self._waiting:  # the same request is on its way: asked once, answered to all
                self._waiting[key].append((handle, label))
            else:
                self._waiting[key] = [(handle, label)]
                self._outbox.append((key, request, label))
                stats.calls += 1
        stats.hits += hits
        stats.misses += len(items) - hits
        bar.update(hits)
        self._postfix(label, bar)

    def finished(self) -> Iterator[tuple[Any, Result]]:
        """Answers as they come, until nothing submitted is left (submitting while iterating is fine)."""
        while self._ready or self._waiting:
            if self._ready:
                yield self._ready.popleft()
                continue
            self._flush()
            dispatch, payload = self._done.get()
            if isinstance(payload, BaseException):
                raise payload
            self._take(dispatch, payload)

    # -- sending -------------------------------------------------------------------------------

    def _flush(self) -> None:
        """Send what was submitted since the last wait: one backend call per label."""
        by_label: dict[str, list[tuple[str, Request]]] = {}
        for key, request, label in self._outbox:
            by_label.setdefault(label, []).append((key, request))
        self._outbox.clear()
        for label, pairs in by_label.items():
            dispatch = next(self._ids)
            self._sent[dispatch] = pairs
            work = (dispatch, [request for _, request in pairs], label)
            if self._serial is not None:
                self._serial.put(work)
            else:
                threading.Thread(target=self._pump, args=work, daemon=True).start()

    def _pump(self, dispatch: int, requests: list[Request], label: str) -> None:
        stream = self.engine.backend.stream(requests, label=label)
        try:
            for finished in stream:
                self._done.put((dispatch, finished))
        except BaseException as exc:  # the engine cannot go on (a dead cluster): the caller hears why
            self._done.put((dispatch, exc))
        finally:
            stream.close()

    def _serial_worker(self) -> None:
        assert self._serial is not None
        while (work := self._serial.get()) is not None:
            self._pump(*work)

    def _take(self, dispatch: int, outcomes: list[Outcome]) -> None:
        engine, sent = self.engine, self._sent[dispatch]
        answers = [(sent[o.index][0], o.result) for o in outcomes if o.result.ok]
        if engine.cache is not None and answers:  # durable before anything else happens
            engine.cache.put_many(answers)  # errors are not cached: the next run asks again
        for outcome in outcomes:
            key, request = sent[outcome.index]
            result = outcome.result
            engine._account(outcome)
            if result.ok:
                engine._answered(request, result)
            for n, (handle, label) in enumerate(self._waiting.pop(key)):
                self._ready.append((handle, result if n == 0 else _copy(result)))
                self._failed[label] = self._failed.get(label, 0) + (not result.ok)
                bar = self._bars[label]
                bar.update()
                self._postfix(label, bar)

    # -- progress and interrupts -------------------------------------------------------------------

    def _bar(self, label: str) -> tqdm:
        bar = self._bars.get(label)
        if bar is None:
            bar = self._bars[label] = tqdm(total=0, desc=label or None, unit="req", dynamic_ncols=True,
                                           disable=not self.engine.progress, file=sys.stderr)
        return bar

    def _postfix(self, label: str, bar: tqdm) -> None:
        bar.set_postfix(failed=self._failed.get(label, 0), refresh=False)

    def _report_interrupt(self) -> None:
        tags = [request.tag or "?" for pairs in self._sent.values() for key, request in pairs if key in self._waiting]
        listed = ", ".join(tags[:20]) + (f", ... ({len(tags) - 20} more)" if tags[20:] else "")
        cache = self.engine.cache
        kept = "" if cache is None else f", kept in {cache.path}"
        print(f"\ninterrupted: {self.engine.stats.requests - self.pending} of {self.engine.stats.requests} "
              f"answered{kept}; {len(tags)} pending: {listed}", file=sys.stderr)


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

"""`--engine ray`: the same build on a Ray cluster (one machine or many).

- `parse_on_ray` parses the input files with Ray Data (one row per file, tasks spread over the
  cluster) and returns the results in input order.
- `RayBackend` is a backend that answers through a pool of `replicas` Ray actors, each of which
  opens ONE backend of the kind asked for (in-process vLLM on `gpus_per_replica` GPUs with
  `tensor_parallel_size` to match, a client of an OpenAI-compatible server, recorded answers) the
  first time the build needs a model, and keeps it for the whole build: no model is loaded twice.
  The build's `Engine` wraps it like any backend, so the driver owns the answer cache and cached
  requests never leave it. Requests travel in small batches (`BATCH_SIZE`), many in flight per
  replica, so one long generation never holds up a whole batch; `stream` may be called from
  several threads at once, and every call shares the pool.

Persistence: every answer is appended, the moment the replica's backend yields it, to the
replica's own shard (`<cache dir>/ray-shards/*.jsonl`, flushed per line), and again written to the
SQLite cache by the driver's engine as each batch comes back. The engine moves the shards into the
cache when it opens (so the answers of a killed job are not asked again) and when it closes. On
several machines the shards need the output folder on a shared filesystem; without one, a replica
finds no shard folder and skips them, and answers are durable once their batch reaches the driver.

Faults: Ray restarts a dead replica (`MAX_RESTARTS`) and sends it again the batches it held; the
other replicas keep working. A replica that keeps dying is replaced by a new actor, up to
`MAX_REPLACEMENTS` times a build; if no replica has ever answered, the build stops with
`RayEngineError` (exit 1) and the cause.
"""

from __future__ import annotations

import json
import logging
import math
import os
import pickle
import socket
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tqdm import tqdm

from script2rp.errors import EngineUnavailable, MissingDependency

from .backend import Backend, BackendConfig, Capabilities, Outcome
from .cache import canonical_json, params_dict, request_keys
from .registry import backend_class
from .types import Request, Result, SamplingParams

SHARD_DIR = "ray-shards"
BATCH_SIZE = int(os.environ.get("SCRIPT2RP_RAY_BATCH_SIZE", "16"))  # requests per batch sent to a replica
MAX_RESTARTS = int(os.environ.get("SCRIPT2RP_RAY_MAX_RESTARTS", "3"))  # Ray restarts of one actor
MAX_REPLACEMENTS = int(os.environ.get("SCRIPT2RP_RAY_MAX_REPLACEMENTS", "5"))  # new actors for dead ones, a build

_started_here = False  # this process started the local Ray instance (and so shuts it down)


class RayEngineError(EngineUnavailable):
    """The cluster cannot answer: no replica starts, or none gets an answer back."""


# -- Ray set-up ---------------------------------------------------------------------------------


def _import_ray():
    try:
        import ray
        import ray.data  # noqa: F401  (the extra is ray[data])
    except ImportError as exc:
        raise MissingDependency("--engine ray", "ray", "ray[data]") from exc
    return ray


def connect(address: str | None = None, quiet: bool = False) -> Any:
    """Join the cluster at `address` ("auto" or HOST:PORT), or start Ray here when it is None; a
    Ray already initialised in this process (a test, a notebook) is used as it is."""
    global _started_here
    ray = _import_ray()
    if not ray.is_initialized():
        kwargs: dict[str, Any] = dict(
            logging_level=logging.WARNING, include_dashboard=False, log_to_driver=not quiet,
        )
        with warnings.catch_warnings(), _log_level("ray", logging.ERROR if quiet else logging.WARNING):
            warnings.simplefilter("ignore")
            if address:
                ray.init(address=address, **kwargs)
            else:
                ray.init(**kwargs)
                _started_here = True
    _quiet_ray_data()
    return ray


class _log_level:
    def __init__(self, name: str, level: int):
        self.logger, self.level = logging.getLogger(name), level

    def __enter__(self) -> None:
        self.old = self.logger.level
        self.logger.setLevel(self.level)

    def __exit__(self, *exc_info: object) -> None:
        self.logger.setLevel(self.old)


def _quiet_ray_data() -> None:
    """Our own bars count the work; Ray Data's per-operator bars and banners would interleave."""
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)


def shutdown() -> None:
    """Stop the local Ray instance this process started; a joined cluster is left running."""
    global _started_here
    if _started_here:
        import ray

        ray.shutdown()
        _started_here = False


# -- parsing ------------------------------------------------------------------------------------


def _parse_batch(batch: dict, parse_one: Callable) -> dict:
    """Ray Data task: parse the files of one block. A file this node cannot see comes back empty
    and is parsed by the driver instead (inputs need not be on a shared filesystem)."""
    results = []
    for raw in batch["arg"]:
        arg = tuple(json.loads(raw))
        results.append(pickle.dumps(parse_one(arg)) if os.path.exists(arg[0]) else b"")
    return {"i": list(batch["i"]), "result": results}


def parse_on_ray(parse_one: Callable, args: list[tuple], bar: tqdm, address: str | None = None,
                 quiet: bool = False) -> list:
    """`[parse_one(a) for a in args]`, computed by Ray Data tasks over the cluster, in `args`
    order; `bar` advances as blocks finish."""
    ray = connect(address, quiet)
    if not args:
        return []
    items = [{"i": i, "arg": json.dumps(list(a))} for i, a in enumerate(args)]
    ds = ray.data.from_items(items, override_num_blocks=min(len(items), 1000)).map_batches(
        _parse_batch, fn_kwargs={"parse_one": parse_one}, batch_size=None, num_cpus=1,
    )
    results: list[Any] = [None] * len(args)
    for out in ds.iter_batches(batch_size=None, batch_format="numpy"):
        for i, blob in zip(out["i"], out["result"]):
            results[int(i)] = pickle.loads(blob) if len(blob) else parse_one(args[int(i)])
        bar.update(len(out["i"]))
    for i in [i for i, r in enumerate(results) if r is None]:  # never expected; no silent gap
        results[i] = parse_one(args[i])
    return results


# -- wire format: plain JSON strings between driver and actors -----------------------------------


def _request_json(request: Request) -> str:
    return canonical_json({
        "prompt": request.prompt, "messages": request.messages,
        "params": params_dict(request.params), "tag": request.tag,
    })


def _request_from(text: str) -> Request:
    data = json.loads(text)
    return Request(prompt=data["prompt"], messages=data["messages"], params=SamplingParams(**data["params"]),
                   tag=data["tag"])


def _result_dict(result: Result) -> dict:
    return {"texts": result.texts, "finish_reasons": result.finish_reasons, "prompt_tokens": result.prompt_tokens,
            "completion_tokens": result.completion_tokens, "error": result.error}


# -- the replica: one actor of the pool ---------------------------------------------------------


class Replica:
    """A Ray actor that opens one backend, once, and answers batches with it; Ray runs several
    calls at once on threads (`max_concurrency`), which a concurrent backend takes together."""

    def __init__(self, backend: str, config: dict, shard_dir: str | None):
        cls = backend_class(backend)
        self.backend = cls.open(BackendConfig(**config))
        self._serial = None if cls.capabilities.concurrent else threading.Lock()
        self.node, self.pid = socket.gethostname(), os.getpid()
        self._lock = threading.Lock()
        self._active, self._since, self._busy = 0, 0.0, 0.0
        # Opened at the first answer, so a replica that answers nothing leaves no file behind
        # (one killed while still starting would otherwise write it after the driver's last sweep).
        self._shard_dir, self._shard = shard_dir, None

    def answer(self, keys: list[str], requests: list[str]) -> dict:
        """Answers to one batch: results (JSON) by position, with what the replica spent."""
        out: dict[str, Any] = {"results": [None] * len(requests), "retries": [0] * len(requests),
                               "cached": [None] * len(requests)}
        self._enter()
        try:
            with self._serial or nullcontext():
                for finished in self.backend.stream([_request_from(r) for r in requests]):
                    self._persist(keys, finished)
                    for o in finished:
                        out["results"][o.index] = _result_dict(o.result)
                        out["retries"][o.index], out["cached"][o.index] = o.retries, o.cached_prompt_tokens
        finally:
            out["busy"] = self._leave()
        out["node"], out["pid"] = self.node, self.pid
        return out

    def _persist(self, keys: list[str], finished: list[Outcome]) -> None:
        # Absent folder: not a filesystem shared with the driver; answers are durable at the driver.
        if not self._shard_dir or not os.path.isdir(self._shard_dir):
            return
        with self._lock:
            if self._shard is None:
                name = f"{self.node}-{self.pid}-{time.time_ns()}.jsonl"
                self._shard = open(os.path.join(self._shard_dir, name), "a", encoding="utf-8")
            for outcome in finished:
                if outcome.result.ok:  # errors are not cached: the next run asks again
                    record = {"key": keys[outcome.index], "result": _result_dict(outcome.result)}
                    self._shard.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._shard.flush()

    def _enter(self) -> None:
        with self._lock:
            if self._active == 0:
                self._since = time.monotonic()
            self._active += 1

    def _leave(self) -> float:
        with self._lock:
            self._active -= 1
            now = time.monotonic()
            if self._active == 0:
                self._busy += now - self._since
                return self._busy
            return self._busy + now - self._since


# -- the driver side -----------------------------------------------------------------------------


class _Slot:
    """One replica of the pool, with its counters for the report."""

    def __init__(self, number: int):
        self.number, self.actor, self.in_flight = number, None, 0
        self.requests = self.failures = self.prompt_tokens = self.completion_tokens = self.restarts = 0
        self.busy: dict[int, float] = {}  # pid -> busy seconds (a restarted actor has a new pid)
        self.nodes: set[str] = set()

    def row(self) -> dict:
        busy = sum(self.busy.values())
        return {
            "replica": self.number, "nodes": sorted(self.nodes), "requests": self.requests, "failures": self.failures,
            "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
            "busy_seconds": round(busy, 3), "restarts": self.restarts,
            "tokens_per_s": round(self.completion_tokens / busy, 1) if busy > 0 else None,
            "requests_per_s": round(self.requests / busy, 2) if busy > 0 else None,
        }


class RayBackend(Backend):
    """Any Ray-capable backend, replicated over a Ray cluster (see the module docstring)."""

    capabilities = Capabilities(concurrent=True)

    def __init__(self, backend: str, config: BackendConfig, *, replicas: int = 1, gpus_per_replica: float = 0,
                 address: str | None = None, shard_dir: str | os.PathLike | None = None, quiet: bool = False):
        self.inner = backend_class(backend)
        self.backend_name = backend
        self.ray = connect(address, quiet)
        self.quiet = quiet
        self.replicas = max(1, int(replicas))
        self.gpus = float(gpus_per_replica or 0)
        options = dict(config.options)
        if self.inner.name == "vllm":
            if self.gpus >= 1 and "tensor_parallel_size" not in options:
                options["tensor_parallel_size"] = int(self.gpus)
            if options.get("tensor_parallel_size", 1) > 1:  # the actor's GPUs, with vLLM's own workers
                options.setdefault("distributed_executor_backend", "mp")
        self.config = BackendConfig(**{**asdict(config), "options": options})
        cpus_default = "1" if self.inner.name == "vllm" else "0.5"
        self.cpus = float(os.environ.get("SCRIPT2RP_RAY_CPUS_PER_REPLICA", cpus_default))
        self._check_resources()
        self.model = self._served_model()
        self.shard_dir = Path(shard_dir) if shard_dir else None
        if self.shard_dir is not None:
            self.shard_dir.mkdir(parents=True, exist_ok=True)
        self._slots = [_Slot(n) for n in range(self.replicas)]
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._replacements = 0
        self._answered = 0
        self.timings: list[dict] = []  # per stream call: monotonic start, first and last answer

    @property
    def kind(self) -> str:  # the cache key is the inner backend's: a Ray build reuses a local one's answers
        return self.inner.name

    def __repr__(self) -> str:
        return f"RayBackend({self.backend_name}, model={self.model!r}, replicas={self.replicas})"

    def _check_resources(self) -> None:
        total = self.ray.cluster_resources()
        cpus, gpus = total.get("CPU", 0.0), total.get("GPU", 0.0)
        if self.gpus and gpus < self.gpus:
            raise RayEngineError(
                f"no replica can run: each needs {self.gpus:g} GPU(s) and the Ray cluster has {gpus:g}"
                " (start the workers with their GPUs, or lower --gpus-per-replica)")
        if cpus < self.cpus:
            raise RayEngineError(f"no replica can run: each needs {self.cpus:g} CPU(s), the cluster has {cpus:g}")
        fit = min(int(cpus // self.cpus) if self.cpus else self.replicas,
                  int(gpus // self.gpus) if self.gpus else self.replicas)
        if fit < self.replicas and not self.quiet:
            print(f"script2rp: warning: the Ray cluster has room for {fit} of {self.replicas} replicas now"
                  f" ({cpus:g} CPUs, {gpus:g} GPUs); the rest wait for resources", file=sys.stderr)

    def _served_model(self) -> str:
        """The model name of the cache keys, asked on the cluster (a server per node may be
        reachable only there)."""
        if self.config.model or self.inner.name != "openai":
            return self.inner.served_model(self.config)
        ask = self.ray.remote(num_cpus=0, max_retries=1)(_served_model)
        try:
            return self.ray.get(ask.remote(self.backend_name, self.config))
        except self.ray.exceptions.RayTaskError as exc:
            raise RayEngineError(f"--engine ray: {_cause(exc)}") from None

    # -- the pool ----------------------------------------------------------------------------------

    def _in_flight(self) -> int:
        """Batches in flight per replica: enough that the backend never starves."""
        if self.inner.name == "openai":
            return max(4, math.ceil(2 * self.config.concurrency / BATCH_SIZE) + 2)
        return 32 if self.inner.capabilities.concurrent else 2

    def _start(self, slot: _Slot) -> None:
        remote = self.ray.remote(Replica).options(
            num_cpus=self.cpus, num_gpus=self.gpus or None, max_restarts=MAX_RESTARTS, max_task_retries=-1,
            max_concurrency=self._in_flight(), **self._runtime_env())
        slot.actor = remote.remote(self.backend_name, asdict(self.config),
                                   str(self.shard_dir) if self.shard_dir else None)

    @staticmethod
    def _runtime_env() -> dict:
        """vLLM's logging settings (the build sends its logs to stderr: stdout is for data) must
        reach the actors, whose processes may have been started before the build set them. The
        API key is not passed along: set OPENAI_API_KEY where the Ray nodes start."""
        env = {k: v for k, v in os.environ.items() if k.startswith("VLLM_")}
        return {"runtime_env": {"env_vars": env}} if env else {}

    def _take_slot(self) -> _Slot:
        """The replica with the fewest batches in flight, once one has room (started on first use)."""
        limit = self._in_flight()
        with self._freed:
            while True:
                slot = min(self._slots, key=lambda s: s.in_flight)
                if slot.in_flight < limit:
                    if slot.actor is None:
                        self._start(slot)
                    slot.in_flight += 1
                    return slot
                self._freed.wait()

    def _release(self, slot: _Slot) -> None:
        with self._freed:
            slot.in_flight -= 1
            self._freed.notify_all()

    def _replace(self, slot: _Slot, error: BaseException) -> None:
        """A replica died for good: start a new actor in its place, unless none ever answered."""
        with self._lock:
            if not self._answered:
                # One pool serves every stage, so the stage that happened to ask first says nothing.
                raise RayEngineError(f"no replica can start on Ray: {_cause(error)}") from None
            if self._replacements >= MAX_REPLACEMENTS:
                raise RayEngineError(f"replicas died {self._replacements + 1} times: {_cause(error)}") from None
            self._replacements += 1
            if not self.quiet:
                print(f"script2rp: a replica failed ({_cause(error)}); starting a new one", file=sys.stderr)
            self._start(slot)

    # -- answering ---------------------------------------------------------------------------------

    def stream(self, requests: Sequence[Request], label: str = "") -> Iterator[list[Outcome]]:
        keys = request_keys(self.kind, self.model, requests)
        todo = deque(range(start, min(start + BATCH_SIZE, len(requests))) for start in range(0, len(requests), BATCH_SIZE))
        running: dict[Any, tuple[list[int], _Slot]] = {}
        timing = {"label": label, "requests": len(requests), "start": time.monotonic(), "first": None, "last": None}
        self.timings.append(timing)
        try:
            while todo or running:
                while todo and (running == {} or self._has_room()):
                    batch = list(todo.popleft())
                    slot = self._take_slot()
                    ref = slot.actor.answer.remote([keys[i] for i in batch], [_request_json(requests[i]) for i in batch])
                    running[ref] = (batch, slot)
                ready, _ = self.ray.wait(list(running), num_returns=1, timeout=1.0)
                for ref in ready:
                    batch, slot = running.pop(ref)
                    self._release(slot)
                    try:
                        out = self.ray.get(ref)
                    except self.ray.exceptions.RayError as exc:
                        self._replace(slot, exc)
                        todo.appendleft(batch)
                        continue
                    timing["last"] = time.monotonic()
                    timing["first"] = timing["first"] or timing["last"]
                    yield self._outcomes(batch, out, slot)
        finally:
            for ref, (_, slot) in running.items():  # interrupted: let the replicas drop it
                try:
                    self.ray.cancel(ref)
                except Exception:  # a task already running on a threaded actor cannot be cancelled
                    pass
                self._release(slot)

    def _has_room(self) -> bool:
        with self._lock:
            return any(s.in_flight < self._in_flight() for s in self._slots)

    def _outcomes(self, batch: list[int], out: dict, slot: _Slot) -> list[Outcome]:
        outcomes = []
        with self._lock:
            self._answered += len(batch)
            slot.nodes.add(out["node"])
            if slot.busy and out["pid"] not in slot.busy:
                slot.restarts += 1  # the same replica answering from a new process: Ray restarted it
            slot.busy[out["pid"]] = max(slot.busy.get(out["pid"], 0.0), out["busy"])
            for n, index in enumerate(batch):
                result = Result(**out["results"][n])
                slot.requests += 1
                slot.failures += not result.ok
                slot.prompt_tokens += result.prompt_tokens
                slot.completion_tokens += result.completion_tokens
                outcomes.append(Outcome(index, result, retries=out["retries"][n], cached_prompt_tokens=out["cached"][n]))
        return outcomes

    def recovered(self) -> list[tuple[str, Result]]:
        """Every complete line of every shard (then the shard is dropped): answers a killed job's
        replicas had given."""
        if self.shard_dir is None or not self.shard_dir.is_dir():
            return []
        answers = []
        for path in sorted(self.shard_dir.glob("*.jsonl")):
            with path.open(encoding="utf-8", errors="replace") as lines:
                for line in lines:
                    if not line.endswith("\n"):
                        break  # cut by a crash mid-write
                    try:
                        record = json.loads(line)
                        answers.append((record["key"], Result(**{k: v for k, v in record["result"].items()
                                                                  if k != "error"})))
                    except (ValueError, KeyError, TypeError):
                        continue
            path.unlink(missing_ok=True)
        return answers

    def report(self) -> dict:
        return {"replicas": [slot.row() for slot in self._slots]}

    def close(self) -> None:
        for slot in self._slots:
            if slot.actor is not None:
                self.ray.kill(slot.actor)
                slot.actor = None
        shutdown()


def _served_model(backend: str, config: BackendConfig) -> str:
    return backend_class(backend).served_model(config)


def _cause(exc: BaseException) -> str:
    """The last line of a Ray error that names the user-level exception, without Ray's frames."""
    text = str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if ":" in line and not line.startswith(("File ", "^", "raise ")) and "Error" in line.split(":")[0]:
            return line[:500]
    return (lines[0] if lines else type(exc).__name__)[:500]

"""`script2rp build --engine ray`: the same build on a Ray cluster (one machine or many).

Two hooks of `script2rp.build.pipeline` land here:

- `parse_on_ray` parses the input files with Ray Data (one row per file, tasks spread over the
  cluster) and returns the results in input order.
- `RayEngine` stands in for `script2rp.llm.Engine`. The driver owns the SQLite answer cache, so
  cached requests never leave it; the misses go through Ray Data `map_batches` to a pool of
  `replicas` actors, each of which builds ONE engine (in-process vLLM on `gpus_per_replica` GPUs
  with `tensor_parallel_size` to match, or a client of an OpenAI-compatible server) and answers
  small batches, many at a time, so one long generation never holds up a whole batch.

Persistence: every answer is appended, the moment the backend yields it, to the answering actor's
own shard (`<cache dir>/ray-shards/*.jsonl`, flushed per line), and again written to the SQLite
cache by the driver as each batch comes back. The driver merges the shards into the cache when a
stage starts (so the answers of a killed job are not asked again) and when it ends. On several
machines the shards need the output folder on a shared filesystem; without one, an actor finds no
shard folder and skips them, and answers are durable once their batch reaches the driver.

Faults: Ray Data restarts a dead actor (`max_restarts`) and re-sends the batches it held
(`max_task_retries`), while the other replicas keep working. A replica that keeps dying ends the
stage's Ray Data run; the driver then starts a new run for what is still missing, and gives up with
`RayEngineError` only when a run brings back no answer at all (no replica can run).
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
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from tqdm import tqdm

from script2rp.errors import EngineUnavailable, MissingDependency
from script2rp.llm.backend import Outcome
from script2rp.llm.cache import CACHE_MODES, Cache, canonical_json, params_dict
from script2rp.llm.engine import Engine, _copy
from script2rp.llm.replay import Recorder
from script2rp.llm.types import Request, Result, SamplingParams, Stats

SHARD_DIR = "ray-shards"
BATCH_SIZE = int(os.environ.get("SCRIPT2RP_RAY_BATCH_SIZE", "16"))  # requests per Ray Data batch
MAX_RESTARTS = int(os.environ.get("SCRIPT2RP_RAY_MAX_RESTARTS", "3"))  # per actor, per stage run
MAX_RUNS = int(os.environ.get("SCRIPT2RP_RAY_MAX_RUNS", "5"))  # Ray Data runs per generate() call
# Test hook: the first actor to answer this many requests dies (os._exit), once per marker file.
CRASH_ENV = "SCRIPT2RP_RAY_CRASH_AFTER"
CRASH_MARKER_ENV = "SCRIPT2RP_RAY_CRASH_MARKER"

_started_here = False  # this process started the local Ray instance (and so shuts it down)


class RayEngineError(EngineUnavailable):
    """The cluster cannot run the stage: no replica starts, or none gets an answer back."""


# -- Ray set-up ---------------------------------------------------------------------------------


def _import_ray():
    try:
        import ray
        import ray.data  # noqa: F401  (the extra is ray[data])
    except ImportError as exc:
        raise MissingDependency("--engine ray", "ray", "ray[data]") from exc
    return ray


def connect(options: Any) -> Any:
    """Join the cluster at `options.ray_address` ("auto" or HOST:PORT), or start Ray here when it
    is None; a Ray already initialised in this process (a test, a notebook) is used as it is."""
    global _started_here
    ray = _import_ray()
    quiet = bool(getattr(options, "quiet", False))
    if not ray.is_initialized():
        kwargs: dict[str, Any] = dict(
            logging_level=logging.WARNING, include_dashboard=False, log_to_driver=not quiet,
        )
        address = getattr(options, "ray_address", None)
        with warnings.catch_warnings(), _log_level("ray", logging.ERROR if quiet else logging.WARNING):
            warnings.simplefilter("ignore")
            if address:
                ray.init(address=address, **kwargs)
            else:
                ray.init(**kwargs)
                _started_here = True
    _quiet_ray_data(quiet)
    return ray


class _log_level:
    def __init__(self, name: str, level: int):
        self.logger, self.level = logging.getLogger(name), level

    def __enter__(self) -> None:
        self.old = self.logger.level
        self.logger.setLevel(self.level)

    def __exit__(self, *exc_info: object) -> None:
        self.logger.setLevel(self.old)


def _quiet_ray_data(quiet: bool) -> None:
    """Our own bars count requests over all replicas; Ray Data's per-operator bars and execution
    banners would interleave with them."""
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # "progress bars disabled", plan banners
    warnings.filterwarnings("ignore", message=".*ray_remote_args.*deprecated.*")
    # A stage smaller than replicas x batch size leaves actors idle: expected, not worth a warning.
    warnings.filterwarnings("ignore", message=".*minimum number of concurrent actors.*")


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


def parse_on_ray(parse_one: Callable, args: list[tuple], options: Any, bar: tqdm) -> list:
    """`[parse_one(a) for a in args]`, computed by Ray Data tasks over the cluster, in `args`
    order; `bar` advances as blocks finish."""
    ray = connect(options)
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
    missing = [i for i, r in enumerate(results) if r is None]
    for i in missing:  # never expected; a lost row must not become a silent gap
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


# -- the replica (one actor of the pool) ---------------------------------------------------------


class _VLLMPump:
    """Continuous batching for concurrent calls into one in-process vLLM engine.

    `VLLMBackend.stream` owns the engine's step loop for one batch; with many small batches in
    flight per replica, one thread instead enqueues every batch's requests as they come and steps
    the engine, handing each finished request to the call that asked for it.
    """

    def __init__(self, backend: Any):
        import queue

        self.backend = backend
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._empty = queue.Empty
        threading.Thread(target=self._loop, daemon=True).start()

    def stream(self, requests: Sequence[Request]):
        import queue

        done: queue.SimpleQueue = queue.SimpleQueue()
        self._inbox.put((list(requests), done))
        left = len(requests)
        while left:
            finished = done.get()
            left -= len(finished)
            yield finished

    def _enqueue(self, requests, done, pending) -> None:
        from script2rp.llm.vllm_backend import _external_id

        llm, rejected = self.backend._llm, []
        for index, request in enumerate(requests):
            try:
                sampling = self.backend._sampling(request.params)
                if request.messages is not None:
                    ids = llm.enqueue_chat(request.messages, sampling, use_tqdm=False)
                else:
                    ids = llm.enqueue(request.prompt, sampling, use_tqdm=False)
            except Exception as exc:
                rejected.append(Outcome(index, Result.failed(f"vLLM rejected it: {exc}")))
                continue
            pending[_external_id(ids[0])] = (index, done)
        if rejected:
            done.put(rejected)

    def _loop(self) -> None:
        engine = self.backend._llm.llm_engine
        pending: dict[str, tuple[int, Any]] = {}
        while True:
            while True:  # take every batch that has arrived; wait for one when idle
                try:
                    item = self._inbox.get(block=not pending)
                except self._empty:
                    break
                self._enqueue(*item, pending)
            if not pending:
                continue
            if not engine.has_unfinished_requests():
                for index, done in pending.values():
                    done.put([Outcome(index, Result.failed("vLLM dropped the request"))])
                pending.clear()
                continue
            by_call: dict[int, tuple[Any, list[Outcome]]] = {}
            for output in engine.step():
                if output.finished and output.request_id in pending:
                    index, done = pending.pop(output.request_id)
                    by_call.setdefault(id(done), (done, []))[1].append(self.backend._outcome(index, output))
            for done, outcomes in by_call.values():
                done.put(outcomes)


class Replica:
    """A Ray Data actor that owns one engine, built once. `__call__` answers one batch; Ray Data
    runs several calls at once on threads (`max_concurrent_calls_per_actor`)."""

    def __init__(self, engine_args: dict, shard_dir: str | None, crash: tuple[int, str] | None = None):
        import ray

        from script2rp.llm import make_engine

        args = dict(engine_args, cache_path=None, cache_mode="off", progress=False, record_path=None)
        self.engine = make_engine(**args)
        self.backend = self.engine.backend
        ctx = ray.get_runtime_context()
        self.actor = (ctx.get_actor_id() or "driver")[-12:]
        self.node = socket.gethostname()
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._active, self._since, self._busy = 0, 0.0, 0.0
        self._answered = 0
        self._crash = crash
        self._shard = None
        if shard_dir and os.path.isdir(shard_dir):  # absent: not a filesystem shared with the driver
            name = f"{self.node}-{self.pid}-{self.actor}-{time.time_ns()}.jsonl"
            self._shard = open(os.path.join(shard_dir, name), "a", encoding="utf-8")
        if self.backend.kind == "openai":  # its stream() is reentrant; its concurrency caps the calls
            self._stream, self._serial = self.backend.stream, None
        elif self.backend.kind == "vllm" and hasattr(self.backend, "_llm"):
            self._stream, self._serial = _VLLMPump(self.backend).stream, None
        else:
            self._stream, self._serial = self.backend.stream, threading.Lock()

    def __call__(self, batch: dict) -> dict:
        requests = [_request_from(text) for text in batch["request"]]
        keys = [str(k) for k in batch["key"]]
        index = [int(i) for i in batch["i"]]
        out: dict[str, list] = {"i": [], "result": [], "retries": [], "cached_tokens": []}
        self._enter()
        try:
            with self._serial or nullcontext():
                for finished in self._stream(requests):
                    self._persist(keys, finished)
                    for outcome in finished:
                        out["i"].append(index[outcome.index])
                        out["result"].append(json.dumps(_result_dict(outcome.result), ensure_ascii=False))
                        out["retries"].append(outcome.retries)
                        cached = outcome.cached_prompt_tokens
                        out["cached_tokens"].append(-1 if cached is None else int(cached))
        finally:
            busy = self._leave()
        n = len(out["i"])
        out.update(actor=[self.actor] * n, node=[self.node] * n, pid=[self.pid] * n, busy=[busy] * n)
        return out

    def _persist(self, keys: list[str], finished: list[Outcome]) -> None:
        with self._lock:
            if self._shard is not None:
                for outcome in finished:
                    if outcome.result.ok:  # errors are not cached: the next run asks again
                        record = {"key": keys[outcome.index], "result": _result_dict(outcome.result)}
                        self._shard.write(json.dumps(record, ensure_ascii=False) + "\n")
                self._shard.flush()
            self._answered += len(finished)
            if self._crash and self._answered >= self._crash[0]:
                try:  # the test hook: die once, mid-batch, after the answers are in the shard
                    os.close(os.open(self._crash[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                    os._exit(1)
                except FileExistsError:
                    self._crash = None

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

    def __del__(self) -> None:
        try:
            self.engine.close()
        except Exception:
            pass


# -- the driver side -----------------------------------------------------------------------------


class _Served:
    """What the builder reads of `engine.backend`: the kind and the served model name."""

    def __init__(self, kind: str, model: str | None):
        self.kind, self.model = kind, model

    def close(self) -> None:
        pass


def _served_model(engine_args: dict) -> str:
    """The openai backend's served model when none was named, asked from the cluster (a server
    per node may be reachable only there)."""
    import ray

    def ask(args: dict) -> str:
        from script2rp.llm.openai_compat import OpenAIBackend

        backend = OpenAIBackend(args["base_url"], None, concurrency=1, timeout=args.get("timeout", 60.0))
        try:
            return backend.model
        finally:
            backend.close()

    try:
        return ray.get(ray.remote(num_cpus=0, max_retries=1)(ask).remote(engine_args))
    except ray.exceptions.RayTaskError as exc:
        raise RayEngineError(f"--engine ray: {_cause(exc)}") from None


def _cause(exc: BaseException) -> str:
    """The last line of a Ray error that names the user-level exception, without Ray's frames."""
    text = str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if ":" in line and not line.startswith(("File ", "^", "raise ")) and "Error" in line.split(":")[0]:
            return line[:500]
    return (lines[0] if lines else type(exc).__name__)[:500]


class RayEngine:
    """`script2rp.llm.Engine` on a Ray cluster: `generate(requests, desc)` answers in request order,
    `stats` counts over all replicas, `replica_stats` per replica, `backend.model`, `close()`."""

    def __init__(self, engine_args: dict, options: Any):
        self.ray = connect(options)
        args = dict(engine_args)
        self.progress = bool(args.get("progress", True))
        self.quiet = bool(getattr(options, "quiet", False))
        cache_path, cache_mode = args.get("cache_path"), args.get("cache_mode", "use")
        if cache_mode not in CACHE_MODES:
            raise ValueError(f"cache_mode must be one of {CACHE_MODES}, got {cache_mode!r}")
        self.replicas = max(1, int(getattr(options, "replicas", 1) or 1))
        self.gpus = float(getattr(options, "gpus_per_replica", 0) or 0)
        kind = args["backend"]
        if kind == "vllm":
            if self.gpus >= 1 and "tensor_parallel_size" not in args:
                args["tensor_parallel_size"] = int(self.gpus)
            if args.get("tensor_parallel_size", 1) > 1:  # the actor's GPUs, with vLLM's own workers
                args.setdefault("distributed_executor_backend", "mp")
        self.engine_args = args
        cpus_default = "1" if kind == "vllm" else "0.5"
        self.cpus = float(os.environ.get("SCRIPT2RP_RAY_CPUS_PER_REPLICA", cpus_default))
        self._check_resources()
        if kind == "openai":
            model = args.get("model") or _served_model(args)
            self.engine_args["model"] = model
        elif kind == "vllm":
            model = args.get("model")
        elif kind == "replay":
            model = args.get("model") or ""
        else:
            raise ValueError(f"unknown backend {kind!r}")
        self.backend = _Served(kind, model)
        self.cache = Cache(cache_path, cache_mode) if cache_path and cache_mode != "off" else None
        self.shard_dir: Path | None = None
        if self.cache is not None:
            self.shard_dir = Path(cache_path).resolve().parent / SHARD_DIR
            self.shard_dir.mkdir(parents=True, exist_ok=True)
            self._merge_shards()  # a killed job's answers: never asked again
        self._recorder = Recorder(args["record_path"]) if args.get("record_path") else None
        self.stats = Stats()
        self._replicas: list[dict] = []
        # Per generate() call that sent anything: monotonic start, first and last answer batch.
        self.timings: list[dict] = []
        self._run_slots: dict[str, int] = {}  # actor id -> replica slot, for the current Ray Data run
        self._lock = threading.Lock()
        crash = os.environ.get(CRASH_ENV)
        self._crash = (int(crash), os.environ[CRASH_MARKER_ENV]) if crash and os.environ.get(CRASH_MARKER_ENV) else None

    def __repr__(self) -> str:
        return f"RayEngine({self.backend.kind}, model={self.backend.model!r}, replicas={self.replicas})"

    def __enter__(self) -> RayEngine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- resources ----------------------------------------------------------------------------

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

    # -- cache and shards ------------------------------------------------------------------------

    def _merge_shards(self) -> int:
        """Move every complete line of every shard into the SQLite cache, then drop the shard."""
        if self.cache is None or self.shard_dir is None or not self.shard_dir.is_dir():
            return 0
        merged = 0
        for path in sorted(self.shard_dir.glob("*.jsonl")):
            answers = []
            with path.open(encoding="utf-8", errors="replace") as lines:
                for line in lines:
                    if not line.endswith("\n"):
                        break  # cut by a crash mid-write
                    try:
                        record = json.loads(line)
                        result = Result(**{k: v for k, v in record["result"].items() if k != "error"})
                    except (ValueError, KeyError, TypeError):
                        continue
                    answers.append((record["key"], result))
            for start in range(0, len(answers), 1000):
                self.cache.put_many(answers[start:start + 1000])
            merged += len(answers)
            path.unlink(missing_ok=True)
        return merged

    # -- generate --------------------------------------------------------------------------------

    def close(self) -> None:
        try:
            self._merge_shards()
        finally:
            if self.cache is not None:
                self.cache.close()
                self.cache = None
            if self._recorder is not None:
                self._recorder.close()
                self._recorder = None
            shutdown()

    @property
    def replica_stats(self) -> list[dict]:
        """One entry per replica slot (the report's `llm.replicas`); a slot that never got a
        batch (a stage smaller than the pool) shows zeros."""
        while len(self._replicas) < self.replicas:
            self._replicas.append({"requests": 0, "failures": 0, "prompt_tokens": 0, "completion_tokens": 0,
                                   "busy": {}, "nodes": set(), "restarts": 0})
        rows = []
        for n, r in enumerate(self._replicas):
            busy = sum(r["busy"].values())
            rows.append({
                "replica": n, "nodes": sorted(r["nodes"]), "requests": r["requests"], "failures": r["failures"],
                "prompt_tokens": r["prompt_tokens"], "completion_tokens": r["completion_tokens"],
                "busy_seconds": round(busy, 3), "restarts": r["restarts"],
                "tokens_per_s": round(r["completion_tokens"] / busy, 1) if busy > 0 else None,
                "requests_per_s": round(r["requests"] / busy, 2) if busy > 0 else None,
            })
        return rows

    def generate(self, requests: Sequence[Request], desc: str = "") -> list[Result]:
        """Answer every request, in request order; a request that fails has `error` set."""
        with self._lock:
            return self._generate(list(requests), desc)

    def _generate(self, requests: list[Request], desc: str) -> list[Result]:
        self._merge_shards()
        results, positions, todo, hits = self._lookup(requests)
        todo_keys = list(positions)
        if not todo:
            return results  # type: ignore[return-value]

        bar = tqdm(total=len(requests), initial=hits, desc=desc or None, unit="req",
                   disable=not self.progress, dynamic_ncols=True, file=sys.stderr)
        state = {"failures": 0, "hits": hits}
        timing = {"desc": desc, "requests": len(requests), "sent": len(todo), "start": time.monotonic(),
                  "first": None, "last": None}
        self.timings.append(timing)
        bar.set_postfix(cached=hits, failed=0, replicas=self.replicas, refresh=False)
        done: set[int] = set()
        try:
            for run in range(MAX_RUNS):
                left = [j for j in range(len(todo)) if j not in done]
                if not left:
                    break
                got = 0
                self._run_slots = {}
                try:
                    for batch in self._run(todo, todo_keys, left):
                        got += self._take(batch, todo, todo_keys, positions, results, done, bar, state)
                        timing["last"] = time.monotonic()
                        timing["first"] = timing["first"] or timing["last"]
                except self.ray.exceptions.RayError as exc:
                    # Whatever arrived is cached; a replica that died its last death ends the run.
                    if got == 0:
                        raise RayEngineError(
                            f"no replica can run the {desc or 'LLM'} stage on Ray: {_cause(exc)}") from None
                    if not self.quiet:
                        bar.write(f"script2rp: a replica failed ({_cause(exc)}); "
                                  f"starting again for the {len(left) - got} requests left")
            else:
                left = [j for j in range(len(todo)) if j not in done]
                if left:
                    raise RayEngineError(f"{len(left)} requests still unanswered after {MAX_RUNS} Ray Data runs")
        except KeyboardInterrupt:
            bar.close()
            self._report_interrupt(requests, results)
            raise
        finally:
            bar.close()
            self._merge_shards()
        return results  # type: ignore[return-value]

    def _run(self, todo: list[Request], keys: list[str], left: list[int]):
        """One Ray Data run over the todo indices `left`; yields the replicas' output batches."""
        ray = self.ray
        items = [{"i": j, "key": keys[j], "request": _request_json(todo[j])} for j in left]
        kind = self.backend.kind
        concurrency = int(self.engine_args.get("concurrency", 32) or 32)
        if kind == "openai":  # enough batches queued that the client's workers never starve
            in_flight = max(4, math.ceil(2 * concurrency / BATCH_SIZE) + 2)
        elif kind == "vllm":
            in_flight = 32
        else:
            in_flight = 2
        blocks = max(1, math.ceil(len(items) / BATCH_SIZE))
        size = self.replicas
        compute = ray.data.ActorPoolStrategy(
            size=size, max_tasks_in_flight_per_actor=in_flight, max_concurrent_calls_per_actor=in_flight,
            enable_true_multi_threading=True,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = ray.data.from_items(items, override_num_blocks=blocks).map_batches(
                Replica, batch_size=BATCH_SIZE, compute=compute, num_cpus=self.cpus,
                num_gpus=self.gpus or None,
                fn_constructor_kwargs={
                    "engine_args": self.engine_args,
                    "shard_dir": str(self.shard_dir) if self.shard_dir else None,
                    "crash": self._crash,
                },
                max_restarts=MAX_RESTARTS, max_task_retries=-1,
                **self._runtime_env(),
            )
        yield from ds.iter_batches(batch_size=None, batch_format="numpy")

    @staticmethod
    def _runtime_env() -> dict:
        """vLLM's logging settings (the build sends its logs to stderr: stdout is for data) must
        reach the actors, whose processes may have been started before the build set them. The
        API key is not passed along: set OPENAI_API_KEY where the Ray nodes start."""
        env = {k: v for k, v in os.environ.items() if k.startswith("VLLM_")}
        return {"runtime_env": {"env_vars": env}} if env else {}

    def _take(self, batch, todo, todo_keys, positions, results, done, bar, state) -> int:
        answers, new = [], []
        for n, j in enumerate(batch["i"]):
            j = int(j)
            if j in done:  # a re-sent request answered twice: keep the first
                continue
            done.add(j)
            data = json.loads(batch["result"][n])
            result = Result(**data)
            cached = int(batch["cached_tokens"][n])
            new.append((j, result, int(batch["retries"][n]), None if cached < 0 else cached, n))
            if result.ok:
                answers.append((todo_keys[j], result))
        if self.cache is not None and answers:
            self.cache.put_many(answers)
        for j, result, retries, cached, n in new:
            key = todo_keys[j]
            self._account(Outcome(j, result, retries=retries, cached_prompt_tokens=cached))
            self._per_replica(batch, n, result)
            if result.ok:
                self._answered(todo[j], result)
            else:
                state["failures"] += 1
            for m, index in enumerate(positions[key]):
                results[index] = result if m == 0 else _copy(result)
            bar.update(len(positions[key]))
        if new:
            bar.set_postfix(cached=state["hits"], failed=state["failures"], replicas=self.replicas, refresh=False)
        return len(new)

    def _per_replica(self, batch, n: int, result: Result) -> None:
        """Count an answer for its replica. Each Ray Data run has its own pool; its actors take the
        report's replica slots in the order they first answer, so the slots add up over stages."""
        actor, pid = str(batch["actor"][n]), int(batch["pid"][n])
        slot = self._run_slots.get(actor)
        if slot is None:
            slot = self._run_slots[actor] = len(self._run_slots)
            while len(self._replicas) <= slot:
                self._replicas.append({"requests": 0, "failures": 0, "prompt_tokens": 0, "completion_tokens": 0,
                                       "busy": {}, "nodes": set(), "restarts": 0})
        r = self._replicas[slot]
        r["requests"] += 1
        r["failures"] += not result.ok
        r["prompt_tokens"] += result.prompt_tokens
        r["completion_tokens"] += result.completion_tokens
        r["nodes"].add(str(batch["node"][n]))
        key = (actor, pid)
        if key not in r["busy"] and any(a == actor for a, _ in r["busy"]):
            r["restarts"] += 1  # the same actor answering from a new process: Ray restarted it
        r["busy"][key] = max(r["busy"].get(key, 0.0), float(batch["busy"][n]))

    # The bookkeeping of a local engine, on the same attributes (stats, cache, _recorder).
    _lookup = Engine._lookup
    _answered = Engine._answered
    _account = Engine._account
    _report_interrupt = Engine._report_interrupt

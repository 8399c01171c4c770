"""A GPU-like engine for builds: continuous batching whose every step costs `a + b x batch` seconds.

On a GPU a decode step costs about the same whatever the batch, so a build's wall time there is
set by how full it keeps the batch: stage boundaries, re-ask rounds and long dependency chains
show up as steps with few requests. This backend makes that visible on any machine. Its answers
(text, finish reason, token counts) are those an earlier build recorded (`--replay FILE`, looked
up as `--backend replay` does), so validation, re-asks and the dependencies between stages play
out exactly as they did there; only the time is simulated: one engine thread runs steps of
`a + b * batch` seconds of real time (slept), each step gives every active request one token,
and a request is answered when it has its recorded completion tokens (at least one step). At most
`max_batch` requests are active; the others wait, first come first served. Prefill is free.

    PYTHONPATH=. script2rp build A.txt B.txt --out OUT --backend benchmarks.gpu_standin:StandIn \\
        --replay answers.jsonl --engine-opt a=0.004 --engine-opt b=0.00003 --engine-opt max_batch=256 \\
        [--engine-opt log=requests.jsonl]

The build must ask what the recorded one asked (same files and options, same prompts); a request
it cannot find is answered at once with an error and counted in report.json (`llm.standin`).
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.request_log import RequestLog
from script2rp.errors import OptionError
from script2rp.llm import Backend, BackendConfig, Capabilities, Outcome, Request
from script2rp.llm.replay import ReplayBackend

DEFAULTS = {"a": 0.004, "b": 0.00003, "max_batch": 256}  # seconds, seconds per request, requests


@dataclass
class _Active:
    left: int  # tokens still to generate
    outcome: Outcome  # the recorded answer, handed over when `left` reaches 0
    done: queue.SimpleQueue  # the `stream` call waiting for it


class StandIn(Backend):
    name = "standin"
    capabilities = Capabilities(concurrent=True, json_schema=True, structured_by_default=True)

    @classmethod
    def check(cls, config: BackendConfig) -> None:
        if not config.replay:
            raise OptionError("the stand-in answers from a recorded build: give --replay FILE.jsonl")
        unknown = sorted(set(config.options) - {*DEFAULTS, "log"})
        if unknown:
            raise OptionError(f"stand-in options are a, b, max_batch and log; got {', '.join(unknown)}")

    @classmethod
    def open(cls, config: BackendConfig) -> StandIn:
        cls.check(config)
        o = {**DEFAULTS, **config.options}
        return cls(config.replay, a=float(o["a"]), b=float(o["b"]), max_batch=int(o["max_batch"]), log=o.get("log"))

    def __init__(self, replay: str, *, a: float, b: float, max_batch: int, log: str | None = None):
        self.model = "standin"
        self.a, self.b, self.max_batch = a, b, max_batch
        self._answers = ReplayBackend(replay)
        self._log = RequestLog(log) if log else None
        self._inbox: queue.SimpleQueue[list[_Active] | None] = queue.SimpleQueue()
        self.steps, self.tokens, self.busy = 0, 0, 0.0  # written by the engine thread only
        self._unrecorded: list[Outcome] = []  # extended by `stream` threads (atomic under the GIL)
        self._engine = threading.Thread(target=self._run, name="standin-engine", daemon=True)
        self._engine.start()

    def stream(self, requests: Sequence[Request], label: str = "") -> Iterator[list[Outcome]]:
        answers = self._stream(requests)
        return self._log.wrap(requests, answers) if self._log else answers

    def _stream(self, requests: Sequence[Request]) -> Iterator[list[Outcome]]:
        """Closing it early does not stop its requests: they still decode, unseen."""
        done: queue.SimpleQueue[list[Outcome]] = queue.SimpleQueue()
        outcomes = [o for batch in self._answers.stream(requests) for o in batch]
        missing = [o for o in outcomes if not o.result.ok]
        self._unrecorded.extend(missing)
        if missing:
            done.put(missing)
        work = [_Active(max(1, o.result.completion_tokens), o, done) for o in outcomes if o.result.ok]
        if work:
            self._inbox.put(work)
        left = len(outcomes)
        while left:
            finished = done.get()
            left -= len(finished)
            yield finished

    # -- the engine thread -------------------------------------------------------------------------

    def _run(self) -> None:
        waiting: deque[_Active] = deque()
        active: list[_Active] = []
        # When the simulated device ends its current step; None while it is idle. Steps follow one
        # another on this clock, not on the time `sleep` wakes up, so oversleeping never adds up.
        clock: float | None = None
        while True:
            try:  # take all that has arrived; wait for work when there is none
                while (work := self._inbox.get(block=not (active or waiting))) is not None:
                    waiting.extend(work)
                return  # closed
            except queue.Empty:
                pass
            while waiting and len(active) < self.max_batch:
                active.append(waiting.popleft())
            cost = self.a + self.b * len(active)
            clock = (time.monotonic() if clock is None else clock) + cost
            time.sleep(max(0.0, clock - time.monotonic()))
            self.steps, self.tokens, self.busy = self.steps + 1, self.tokens + len(active), self.busy + cost
            active = self._step(active)
            if not (active or waiting):
                clock = None

    @staticmethod
    def _step(active: list[_Active]) -> list[_Active]:
        """One token for each active request; hand over those that are done, per `stream` call."""
        still: list[_Active] = []
        finished: dict[int, tuple[queue.SimpleQueue, list[Outcome]]] = {}
        for item in active:
            item.left -= 1
            if item.left:
                still.append(item)
            else:
                finished.setdefault(id(item.done), (item.done, []))[1].append(item.outcome)
        for done, outcomes in finished.values():
            done.put(outcomes)
        return still

    def report(self) -> dict[str, Any]:
        return {"standin": {"a": self.a, "b": self.b, "max_batch": self.max_batch, "steps": self.steps,
                            "tokens": self.tokens, "busy_seconds": round(self.busy, 3),
                            "mean_batch": round(self.tokens / self.steps, 1) if self.steps else None,
                            "unrecorded": len(self._unrecorded)}}

    def close(self) -> None:
        self._inbox.put(None)
        self._engine.join(timeout=30)
        if self._log is not None:
            self._log.close()

"""Asking a model for jobs: validate each answer, re-ask an invalid one at once, record what still
fails.

A re-ask changes the seed (a new cache key); the seeds are derived from the job id and the attempt,
so a re-run of the build asks exactly the same questions and the cache answers all of them. A job's
token budget comes from the stage (sized to the item); an answer cut by it is asked once more with
a larger budget (`rebudget`), and a second cut is final: doubling again would mostly pay for a model
that does not stop. Every answer's tokens are counted by why it was asked (`first`, or the reason
the answer before it failed), so the report shows what re-asks cost.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from script2rp.llm import Capabilities, Engine, Result, SamplingParams, to_request
from script2rp.llm.engine import Session
from script2rp.tasks import Invalid, Job


@dataclass
class Sampling:
    """How the build asks: resolved from the options and the backend's capabilities."""

    prompt_format: str = "mistrallite"
    attempts: int = 3
    seed: int = 0
    temperature: float | None = None  # None: each prompt file's own
    max_tokens: int | None = None  # None: each job's budget; else the limit for every request
    max_tokens_cap: int = 8192  # a re-budgeted answer may have at most this many tokens
    structured: bool = False  # constrain answers to their JSON schema

    @classmethod
    def resolve(cls, options: Any, capabilities: Capabilities | None) -> Sampling:
        """The options' choices, with what they leave open taken from the backend: structured
        output where it is known to work, its default prompt format."""
        caps = capabilities or Capabilities()
        return cls(
            prompt_format=options.prompt_format or caps.prompt_format, attempts=options.attempts, seed=options.seed,
            temperature=options.temperature, max_tokens=options.max_tokens,
            structured=caps.structured_by_default if options.structured is None else options.structured,
        )


@dataclass
class Done:
    value: Any
    raw: str
    attempts: int


@dataclass
class Failed:
    reason: str
    raw: str | None
    attempts: int


@dataclass
class _State:
    attempt: int = 0
    budget: int = 0
    rebudgeted: bool = False
    why: str = "first"  # why the current ask was made
    label: str = ""  # the progress bar it counts in


@dataclass
class Asker:
    """Sends jobs through a session and settles their answers (see the module docstring)."""

    session: Session
    sampling: Sampling
    tokens: Counter = field(default_factory=Counter)  # completion tokens by why they were asked
    _states: dict[tuple[str, str], _State] = field(default_factory=dict)  # (stage, job id) -> state

    def ask(self, jobs: list[Job], label: str) -> None:
        """Ask for `jobs`, longest budget first, so the longest answers do not end the run alone."""
        for job in jobs:
            self._states[job.stage, job.id] = _State(
                budget=self.sampling.max_tokens or job.max_tokens or job.prompt.max_tokens, label=label)
        jobs = sorted(jobs, key=lambda job: -self._states[job.stage, job.id].budget)
        self.session.submit([(job, self._request(job)) for job in jobs], label=label)

    def settle(self, job: Job, result: Result) -> Done | Failed | None:
        """The job's outcome, or None when it was asked again."""
        state = self._states[job.stage, job.id]
        self.tokens[state.why] += result.completion_tokens
        outcome = self._judge(job, result, state)
        if isinstance(outcome, Failed) and self._again(state, outcome, result):
            state.attempt += 1
            state.why = reason_kind(outcome.reason)
            self.session.submit([(job, self._request(job))], label=state.label)
            return None
        del self._states[job.stage, job.id]
        return outcome

    def _judge(self, job: Job, result: Result, state: _State) -> Done | Failed:
        attempts = state.attempt + 1
        if not result.ok:
            return Failed(f"error: {result.error}", None, attempts)
        try:
            return Done(job.check(result.text), result.text, attempts)
        except Invalid as exc:
            if result.truncated:
                return Failed(f"truncated at {result.completion_tokens} tokens", result.text, attempts)
            return Failed(f"invalid: {exc}", result.text, attempts)

    def _again(self, state: _State, outcome: Failed, result: Result) -> bool:
        if state.attempt + 1 >= self.sampling.attempts:
            return False
        if outcome.reason.startswith("truncated"):
            if state.rebudgeted:
                return False  # cut twice: more tokens would mostly feed a model that does not stop
            state.rebudgeted = True
            state.budget = min(max(state.budget * 2, result.completion_tokens * 2), self.sampling.max_tokens_cap)
        return True

    def _request(self, job: Job):
        state, s = self._states[job.stage, job.id], self.sampling
        tag = f"{job.stage}:{job.id}"
        seed = (zlib.crc32(tag.encode()) + s.seed + 7919 * state.attempt) % 2**31
        temperature = job.prompt.temperature if s.temperature is None else s.temperature
        params = SamplingParams(
            max_tokens=state.budget, temperature=temperature, seed=seed,
            presence_penalty=job.prompt.presence_penalty, frequency_penalty=job.prompt.frequency_penalty,
            json_schema=job.json_schema if s.structured else None,
            distinct=job.distinct if s.structured else (),
        )
        return to_request(s.prompt_format, job.text, params, system=job.prompt.system, tag=tag)


def reason_kind(reason: str) -> str:
    """`invalid: unknown speaker: Rick` -> `invalid: unknown speaker`, numbers as N: what the report
    counts failures and re-asks by."""
    kind = ": ".join(reason.split(": ")[:2])
    return re.sub(r"\d+(?:\.\d+)?", "N", kind)


def run_jobs(engine: Engine, jobs: list[Job], sampling: Sampling, desc: str) -> dict[str, Done | Failed]:
    """Every job's outcome: one stage's jobs asked, re-asked and settled."""
    outcomes: dict[str, Done | Failed] = {}
    with engine.session() as session:
        asker = Asker(session, sampling)
        asker.ask(jobs, desc)
        for job, result in session.finished():
            outcome = asker.settle(job, result)
            if outcome is not None:
                outcomes[job.id] = outcome
    return outcomes

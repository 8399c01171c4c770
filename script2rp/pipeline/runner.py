"""Run one stage's jobs through the engine: validate, re-ask what fails, record what still fails.

Every round sends all pending jobs of the stage (all scripts together) in one `generate` call, so
the backend batches them. A re-ask changes the seed (and doubles `max_tokens` after a cut answer),
which makes it a new cache key; the seeds are derived from the job id, so a re-run of the build
asks exactly the same questions and the cache answers all of them.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from script2rp.llm import Capabilities, Engine, SamplingParams, to_request
from script2rp.tasks import Invalid, Job


@dataclass
class Sampling:
    """How the build asks: resolved from the options and the backend's capabilities."""

    prompt_format: str = "mistrallite"
    attempts: int = 3
    seed: int = 0
    temperature: float | None = None  # None: each prompt file's own
    max_tokens: int | None = None  # None: each prompt file's own; else the limit for every request
    max_tokens_cap: int = 8192  # re-asks after a cut answer double the limit up to this
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


def run_jobs(engine: Engine, jobs: list[Job], settings: Sampling, desc: str) -> dict[str, Done | Failed]:
    outcomes: dict[str, Done | Failed] = {}
    max_tokens = {job.id: settings.max_tokens or job.prompt.max_tokens for job in jobs}
    pending = list(jobs)
    for attempt in range(settings.attempts):
        if not pending:
            break
        requests = [_request(job, attempt, max_tokens[job.id], settings) for job in pending]
        label = desc if attempt == 0 else f"{desc} (re-ask {attempt})"
        results = engine.generate(requests, desc=label)
        still = []
        for job, result in zip(pending, results):
            if not result.ok:
                outcome: Done | Failed = Failed(f"error: {result.error}", None, attempt + 1)
            elif result.truncated and not _fits(job, result.text):
                max_tokens[job.id] = min(max_tokens[job.id] * 2, settings.max_tokens_cap)
                outcome = Failed(f"truncated at {result.completion_tokens} tokens", result.text, attempt + 1)
            else:
                try:
                    outcome = Done(job.check(result.text), result.text, attempt + 1)
                except Invalid as exc:
                    outcome = Failed(f"invalid: {exc}", result.text, attempt + 1)
            outcomes[job.id] = outcome
            if isinstance(outcome, Failed):
                still.append(job)
        pending = still
    return outcomes


def _fits(job: Job, text: str) -> bool:
    try:
        job.check(text)
        return True
    except Invalid:
        return False


def _request(job: Job, attempt: int, max_tokens: int, settings: Sampling):
    tag = f"{job.stage}:{job.id}"
    seed = (zlib.crc32(tag.encode()) + settings.seed + 7919 * attempt) % 2**31
    temperature = job.prompt.temperature if settings.temperature is None else settings.temperature
    params = SamplingParams(
        max_tokens=max_tokens, temperature=temperature, seed=seed,
        presence_penalty=job.prompt.presence_penalty, frequency_penalty=job.prompt.frequency_penalty,
        json_schema=job.json_schema if settings.structured else None,
        distinct=job.distinct if settings.structured else (),
    )
    return to_request(settings.prompt_format, job.text, params, system=job.prompt.system, tag=tag)

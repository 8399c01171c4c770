"""The model stages of a build, run together as one stream of work.

A stage's jobs for a movie go to the engine as soon as what they need is there: when every stage
it needs is done for that movie, or, for a stage whose jobs each need only their own item
(`Stage.item_wise`: a scene's memory needs that scene's transcript), as each of those items
arrives. An invalid answer is asked again at once (`runner.Asker`), not in a later round. So the
engine always holds the whole frontier of ready work: summaries and cards decode beside the
transcripts, memories start while later scenes are still being written, and no round waits for
its slowest request.

Results are collected per key as soon as all its jobs (the parts of a long scene) are settled;
failures are recorded with the item and the reason, as they happen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from script2rp.llm import Engine
from script2rp.model import Movie
from script2rp.pipeline.runner import Asker, Done, Failed, Sampling
from script2rp.tasks import Context, Failure, Job, Results, Stage


@dataclass
class _Run:
    """One stage for one movie."""

    submitted: set[str] = field(default_factory=set)
    settled: set[str] = field(default_factory=set)
    final: bool = False  # every job it will have has been submitted

    @property
    def done(self) -> bool:
        return self.final and len(self.settled) == len(self.submitted)


class Schedule:
    def __init__(self, stages: list[Stage], movies: list[Movie], ctx: Context, results: Results,
                 fail: Callable[[str, str, Failure], None]):
        self.stages = [s for s in stages if s.asks_model]
        self.built = {s.name for s in stages}
        self.movies = {m.id: m for m in movies}
        self.ctx, self.results, self.fail = ctx, results, fail
        self.runs = {(s.name, m.id): _Run() for s in self.stages for m in movies}
        self.parts: dict[tuple[str, str], list[Job]] = {}  # (stage, key) -> its jobs, in order
        self.outcomes: dict[tuple[str, str], Done | Failed] = {}  # (stage, job id) -> outcome
        self.spans: dict[str, list[float]] = {}  # stage -> [first ask, last answer] (monotonic)
        self.asker: Asker | None = None
        for stage in self.stages:
            results.setdefault(stage.name, {})

    def run(self, engine: Engine, sampling: Sampling) -> None:
        with engine.session() as session:
            self.asker = Asker(session, sampling)
            for movie in self.movies.values():
                self._release(movie)
            for job, result in session.finished():
                outcome = self.asker.settle(job, result)
                if outcome is not None:
                    self._settled(job, outcome)

    @property
    def tokens_by_reason(self) -> dict[str, int]:
        return dict(self.asker.tokens) if self.asker is not None else {}

    def seconds(self) -> dict[str, float]:
        return {stage: round(end - start, 3) for stage, (start, end) in self.spans.items()}

    # -- releasing work --------------------------------------------------------------------------

    def _needs(self, stage: Stage) -> list[str]:
        """The model stages of this build whose results the stage reads."""
        model = {s.name for s in self.stages}
        return [n for n in stage.needs + stage.uses if n in model and n in self.built]

    def _release(self, movie: Movie) -> None:
        """Submit every job of this movie that what is done allows, stage by stage."""
        for stage in self.stages:
            run = self.runs[stage.name, movie.id]
            if run.final:
                continue
            needs = [self.runs[n, movie.id] for n in self._needs(stage)]
            if all(need.done for need in needs):
                self._submit(stage, movie, run)
                run.final = True
            elif stage.item_wise and any(need.settled for need in needs):
                self._submit(stage, movie, run)

    def _submit(self, stage: Stage, movie: Movie, run: _Run) -> None:
        jobs = [job for job in stage.jobs(movie, self.results, self.ctx) if job.id not in run.submitted]
        if not jobs:
            return
        for job in jobs:
            run.submitted.add(job.id)
            self.parts.setdefault((stage.name, job.key), []).append(job)
        self.spans.setdefault(stage.name, [time.monotonic(), time.monotonic()])
        self.asker.ask(jobs, stage.name)

    # -- settling ----------------------------------------------------------------------------------

    def _settled(self, job: Job, outcome: Done | Failed) -> None:
        stage = next(s for s in self.stages if s.name == job.stage)
        movie = self.movies[job.movie]
        self.spans[stage.name][1] = time.monotonic()
        self.outcomes[stage.name, job.id] = outcome
        self.runs[stage.name, movie.id].settled.add(job.id)
        if isinstance(outcome, Failed):
            self.fail(stage.name, movie.id, Failure(job.item + job.part, outcome.reason, job.id, outcome.raw))
        parts = self.parts[stage.name, job.key]
        done = [self.outcomes.get((stage.name, part.id)) for part in parts]
        if any(d is None for d in done):
            return  # other parts of the key are still out
        if all(isinstance(d, Done) for d in done):
            self.results[stage.name][job.key] = stage.collect(movie, job.key, [d.value for d in done])
        elif len(parts) > 1:
            failed = sum(isinstance(d, Failed) for d in done)
            self.fail(stage.name, movie.id, Failure(job.item, f"{failed} of {len(parts)} parts failed", job.key))
        self._release(movie)

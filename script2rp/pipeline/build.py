"""`script2rp build`: screenplay files -> parsed movies -> stages -> dataset configs.

The build is a pure function of its inputs, its options and the LLM cache in `OUT/.script2rp/`:
every answer is stored as it arrives, so a killed build run again re-asks only what is missing
and writes the same rows (ids are derived from movie and scene, never from run order). Editing one
stage's prompt changes that stage's requests, so only it, and what is built from its answers,
is sent to the model again.

Order: check the options (every usage error before any work) -> parse every file -> drop
duplicate screenplays -> the stages of the configs asked for, in dependency order
(`script2rp.tasks.closure`): a model stage sends the jobs of all movies as one request stream, so
the backend batches them -> each config's rows -> parquet files, dataset card and `report.json`.
"""

from __future__ import annotations

import json
import os
import shlex
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from script2rp import __version__
from script2rp.errors import OptionError
from script2rp.export.dataset import write_config, write_text
from script2rp.export.dataset_card import refresh_card
from script2rp.export.fidelity import check_build
from script2rp.llm import Backend, BackendConfig, Engine, backend_class, open_engine
from script2rp.llm.registry import runs_on
from script2rp.model import Movie
from script2rp.pipeline.movies import parse_inputs
from script2rp.pipeline.options import BuildOptions
from script2rp.pipeline.runner import Sampling, reason_kind
from script2rp.pipeline.schedule import Schedule
from script2rp.tasks import BY_NAME, CONFIGS, STAGE_OF_CONFIG, Context, Failure, Results, Stage, asks_model, closure
from script2rp.tasks.prompt import Prompts
from script2rp.tasks.shapes import SHAPES

STATE_DIR = ".script2rp"
MAX_LISTED = 200  # violations listed in report.json (all are counted; `script2rp check` lists all)


class Build:
    """One build run. `run()` returns the report (also written to `OUT/report.json`)."""

    def __init__(self, options: BuildOptions):
        self.o = options
        self.out = Path(options.out)
        self.backend: type[Backend] | None = None if options.backend == "none" else backend_class(options.backend)
        self.configs = self._configs()
        self.stages = closure([STAGE_OF_CONFIG[c].name for c in self.configs], with_uses=self.backend is not None)
        self.built = {stage.name for stage in self.stages}
        self.sampling = Sampling.resolve(options, self.backend.capabilities if self.backend else None)
        shape = options.shape or (self.backend.capabilities.shape if self.backend else "cinematika")
        self.ctx = Context(prompts=Prompts(options.prompts), structured=self.sampling.structured,
                           max_scene_chars=options.max_scene_chars, max_prompt_chars=options.max_prompt_chars,
                           min_coverage=options.min_coverage, shape=SHAPES[shape])
        self._check()
        self.failures: list[dict] = []
        self.seconds: dict[str, float] = {}
        self.rows: dict[str, list[dict]] = {}
        self.engine: Engine | None = None
        self.tokens_by_reason: dict[str, int] = {}  # completion tokens by why they were asked

    # -- options -----------------------------------------------------------------------------------

    def _configs(self) -> list[str]:
        wanted = self.o.configs or list(CONFIGS)
        unknown = [c for c in wanted if c not in CONFIGS]
        if unknown:
            raise OptionError(f"unknown config {', '.join(unknown)}; choose from {', '.join(CONFIGS)}")
        ordered = [c for c in CONFIGS if c in wanted]
        if self.backend is None:  # the rest are listed in the report as needing a model
            return [c for c in ordered if not asks_model(STAGE_OF_CONFIG[c])]
        return ordered

    def backend_config(self) -> BackendConfig:
        o = self.o
        return BackendConfig(model=o.model, base_url=o.base_url, replay=o.replay, concurrency=o.concurrency,
                             timeout=o.timeout, max_retries=o.max_retries, options=dict(o.engine_options))

    def _check(self) -> None:
        """Every option error, in one line, before a file is read."""
        o = self.o
        if o.engine == "ray":
            if self.backend is not None and "ray" not in self.backend.capabilities.engines:
                raise OptionError(f"--backend {o.backend} cannot run with --engine ray; these can: "
                                  f"{', '.join(runs_on('ray'))}")
            from script2rp.llm.ray import _import_ray

            _import_ray()  # without the extra: the pip command, before any work
        if self.backend is None:
            return
        self.backend.check(self.backend_config())
        if o.structured and not self.backend.capabilities.json_schema:
            raise OptionError(f"--backend {o.backend} cannot constrain answers to a JSON schema: drop --structured")
        for name, value in (("attempts", o.attempts), ("concurrency", o.concurrency), ("replicas", o.replicas)):
            if value < 1:
                raise OptionError(f"--{name} must be at least 1, got {value}")

    # -- running -----------------------------------------------------------------------------------

    def run(self) -> dict:
        self.out.mkdir(parents=True, exist_ok=True)
        parsed = self._timed("parse", self._parse)
        movies = parsed.movies
        results: Results = {}
        try:
            if movies and any(stage.asks_model for stage in self.stages):
                schedule = Schedule(self.stages, movies, self.ctx, results, self._fail)
                schedule.run(self._engine(), self.sampling)
                self.seconds.update(schedule.seconds())
                self.tokens_by_reason = schedule.tokens_by_reason
            for stage in self.stages:
                results.setdefault(stage.name, {})
            for config in self.configs:
                stage = STAGE_OF_CONFIG[config]
                self._timed(f"rows: {config}", lambda s=stage: self._rows(s, movies, results))
        finally:
            if self.engine is not None:
                self.engine.close()
        return self._finish(movies, parsed.inputs)

    def _timed(self, name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        try:
            return fn()
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - start, 3)

    def _parse(self):
        o = self.o
        fan_out = None
        if o.engine == "ray":
            from script2rp.llm.ray import parse_on_ray

            def fan_out(parse_one, args, bar):
                return parse_on_ray(parse_one, args, bar, o.ray_address, o.quiet)

        parsed = parse_inputs(o.inputs, main_threshold=o.main_threshold, min_scene_lines=o.min_scene_lines,
                              workers=o.workers, max_scripts=o.max_scripts, quiet=o.quiet, fan_out=fan_out)
        for entry in parsed.inputs:
            if entry["status"] == "bad":
                self._fail("parse", entry["path"], Failure(entry["path"], entry["reason"]))
        return parsed

    def _engine(self) -> Engine:
        """Opened when the first model stage has work, so a build that needs no model loads none."""
        if self.engine is None:
            o = self.o
            state = self.out / STATE_DIR
            state.mkdir(exist_ok=True)
            if o.backend == "vllm":  # vLLM logs to stdout by default; a CLI keeps stdout for data
                os.environ.setdefault("VLLM_LOGGING_STREAM", "ext://sys.stderr")
                if o.quiet:
                    os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")
            if o.engine == "ray":
                from script2rp.llm.ray import SHARD_DIR, RayBackend

                ray = RayBackend(o.backend, self.backend_config(), replicas=o.replicas,
                                 gpus_per_replica=o.gpus_per_replica, address=o.ray_address,
                                 shard_dir=state / SHARD_DIR, quiet=o.quiet)
                self.engine = Engine(ray, cache_path=state / "llm-cache.sqlite", cache_mode=o.cache,
                                     record_path=o.record, progress=not o.quiet)
            else:
                self.engine = open_engine(self.backend, self.backend_config(), cache_path=state / "llm-cache.sqlite",
                                          cache_mode=o.cache, record_path=o.record, progress=not o.quiet)
        return self.engine

    def _rows(self, stage: Stage, movies: list[Movie], results: Results) -> None:
        provenance = {"model": self.model_name if self.from_model(stage) else None,
                      "prompt_version": self.version(stage), "script2rp_version": __version__}
        rows = []
        for movie in movies:
            for item in stage.rows(movie, results, self.ctx):
                if isinstance(item, Failure):
                    self._fail(stage.name, movie.id, item)
                else:
                    rows.append({**item, **provenance})
        self.rows[stage.config.name] = rows

    def _fail(self, stage: str, movie: str, failure: Failure) -> None:
        self.failures.append({"stage": stage, "movie": movie, "item": failure.item, "id": failure.id,
                              "reason": failure.reason, "raw": failure.raw})

    # -- provenance --------------------------------------------------------------------------------

    def own_versions(self, stage: Stage) -> list[str]:
        versions = [self.ctx.prompt(stage.prompt).version] if stage.prompt else []
        return versions + [self.ctx.prompts.data(p)[1] for p in stage.row_prompts]

    def sources(self, stage: Stage) -> tuple[str, ...]:
        """The stages this one is made from in this build: what it needs, and what it uses if built."""
        return stage.needs + tuple(u for u in stage.uses if u in self.built)

    def from_model(self, stage: Stage) -> bool:
        return stage.asks_model or any(self.from_model(BY_NAME[n]) for n in self.sources(stage))

    def version(self, stage: Stage) -> str | None:
        """The prompt versions a stage's rows are made with: its own, then those of the stages it
        is made from (`Stage.versions_from`)."""
        parts = self.own_versions(stage)
        for name in self.sources(stage) if stage.versions_from is None else stage.versions_from:
            parts += (self.version(BY_NAME[name]) or "").split("+")
        return "+".join(dict.fromkeys(p for p in parts if p)) or None

    @property
    def model_name(self) -> str | None:
        if self.backend is None:
            return None
        served = self.engine.backend.model if self.engine is not None else None
        return self.o.model or served or self.o.backend

    # -- output ------------------------------------------------------------------------------------

    def _finish(self, movies: list[Movie], inputs: list[dict]) -> dict:
        written = {config: write_config(self.out, CONFIGS[config], self.rows.get(config, []))
                   for config in self.configs}
        counts: dict[str, Counter] = {}
        for f in self.failures:
            counts.setdefault(f["stage"], Counter())[reason_kind(f["reason"])] += 1
        report = {
            "script2rp_version": __version__,
            "name": self.o.name,
            "command": self.o.command,
            "backend": self.o.backend,
            "model": self.model_name,
            "sampling": asdict(self.sampling),
            "shape": asdict(self.ctx.shape) if self.backend is not None else None,
            "prompt_versions": {s.name: "+".join(self.own_versions(s)) for s in self.stages if self.own_versions(s)},
            "inputs": inputs,
            "movies": [_movie_summary(m) for m in movies],
            "rows": written,
            "failures_by_stage": {s: dict(c) for s, c in counts.items()},
            "failures": self.failures,
            "llm": _engine_stats(self.engine, self.tokens_by_reason),
            "seconds": self.seconds,
            "needs_model": [c for c in (self.o.configs or CONFIGS) if c in CONFIGS and asks_model(STAGE_OF_CONFIG[c])]
            if self.backend is None else [],
            "plain_source": "model transcripts" if "scene_enhancement" in self.built else "rule rendering",
        }
        write_text(self.out / "report.json", json.dumps(report, indent=1, ensure_ascii=False) + "\n")
        fidelity = check_build(self.out)
        report["check"] = {**fidelity, "violations": fidelity["violations"][:MAX_LISTED]}
        write_text(self.out / "report.json", json.dumps(report, indent=1, ensure_ascii=False) + "\n")
        refresh_card(self.out)  # the card `push` uploads: example rows and plots included
        return report


def _movie_summary(m: Movie) -> dict:
    sp = m.screenplay
    return {
        "id": m.id, "title": m.title, "path": m.path, "format": sp.format, "scenes": len(sp.scenes),
        "main_characters": [c.name for c in sp.main_characters],
        "npcs": [c.name for c in sp.npcs],
        "cast": [{"name": c.name, "dialogue_blocks": c.dialogue_blocks, "scenes": len(c.scenes), "main": c.is_main}
                 for c in sp.characters],
    }


def _engine_stats(engine: Engine | None, tokens_by_reason: dict[str, int]) -> dict | None:
    if engine is None:
        return None
    stats = asdict(engine.stats)
    stats["prefix_cache_hit_rate"] = engine.stats.prefix_cache_hit_rate
    # Completion tokens by why they were asked: "first", or the reason the answer before failed
    # (counted for cached answers too, so a re-run reports the same figures).
    total = sum(tokens_by_reason.values())
    stats["answer_tokens"] = dict(sorted(tokens_by_reason.items(), key=lambda kv: -kv[1]))
    stats["reask_token_share"] = round(1 - tokens_by_reason.get("first", 0) / total, 4) if total else None
    stats.update(engine.backend.report())
    return stats


def command_line(argv: list[str]) -> str:
    return "script2rp " + " ".join(shlex.quote(a) for a in argv)

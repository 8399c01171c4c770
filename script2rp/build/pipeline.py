"""`script2rp build`: screenplay files -> parsed movies -> generation stages -> dataset configs.

The build is a pure function of its inputs, its options and the LLM cache in `OUT/.script2rp/`:
every answer is stored as it arrives, so a killed build run again re-asks only what is missing
and writes the same rows (ids are derived from movie and scene, never from run order). Editing one
stage's prompt changes that stage's requests, so only it, and what is built from its answers,
is sent to the model again.

Order: parse every file (in parallel processes) -> drop duplicate screenplays -> rule-based
configs -> first model wave (scenes, summaries, cards; each stage one request stream for all
movies) -> second wave (memories from transcripts, reverse prompts from cards) -> assembled
configs -> parquet files, dataset card and `report.json`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from script2rp import __version__
from script2rp.build.llm_stage import Done, Failed, Settings, run_jobs
from script2rp.errors import ScreenplayError
from script2rp.export.card import refresh_card
from script2rp.export.dataset import CONFIGS, write_config, write_text
from script2rp.model import Dialogue, Screenplay
from script2rp.tasks import card_prompts, character_card, memories, scene_enhancement, scene_summary
from script2rp.tasks.cards import dump_card
from script2rp.tasks.job import Job, Movie
from script2rp.tasks.prompt import load_prompt, stage_prompt, use_prompt_dir
from script2rp.tasks.text import name_key, plain_rp, screenplay_text, turns

RULE_CONFIGS = ("plain_scenes", "plain_full_script")
# The model stages each config is built from.
NEEDS: dict[str, tuple[str, ...]] = {
    "plain_scenes": (),
    "plain_full_script": (),
    "scene_enhancement": ("scene_enhancement",),
    "scene_summary": ("scene_summary",),
    "character_cards": ("character_card",),
    "scene_by_scene": ("scene_enhancement", "scene_summary", "character_card"),
    "full_script": ("scene_enhancement", "scene_summary", "character_card"),
    "memories": ("scene_enhancement", "memories"),
    "rp_to_character_card": ("character_card",),
    "character_card_reverse_prompt": ("character_card", "character_card_reverse_prompt"),
    "prompt_to_character_card": ("character_card", "character_card_reverse_prompt"),
}
STATE_DIR = ".script2rp"


@dataclass
class BuildOptions:
    inputs: list[str]
    out: Path
    backend: str = "none"
    model: str | None = None
    base_url: str | None = None
    replay: str | None = None
    record: str | None = None  # append every answer to this JSONL (replayable)
    prompts: str | None = None  # folder of prompt files that replace the built-in ones
    configs: list[str] | None = None  # None: all the backend can build
    workers: int = 0  # parse processes; 0: one per CPU
    max_scripts: int | None = None
    main_threshold: int = 15
    min_scene_lines: int | None = None
    max_scene_chars: int = 6000  # a longer scene is sent in parts
    max_prompt_chars: int = 8000  # budget for a character's lines in a card prompt
    min_coverage: float = 0.9
    settings: Settings = field(default_factory=Settings)
    cache_mode: str = "use"
    concurrency: int = 32
    timeout: float = 600.0
    max_retries: int = 6
    engine_options: dict[str, Any] = field(default_factory=dict)
    engine: str = "local"  # local | ray
    ray_address: str | None = None  # None: start a local Ray; "auto" or HOST:PORT: join a cluster
    replicas: int = 1  # engines on the Ray cluster, each in its own actor
    gpus_per_replica: float = 0  # vLLM: tensor_parallel_size follows it
    name: str | None = None
    quiet: bool = False
    command: str = ""


class Build:
    """One build run. `run()` returns the report (also written to `OUT/report.json`)."""

    def __init__(self, options: BuildOptions):
        self.o = replace(options, settings=options.settings.for_backend(options.backend))
        self.out = Path(options.out)
        self.failures: list[dict] = []
        self.seconds: dict[str, float] = {}
        self.inputs: list[dict] = []
        self.rows: dict[str, list[dict]] = {}
        self.engine = None

    # -- helpers -----------------------------------------------------------------------------------

    def _log(self, msg: str) -> None:
        if not self.o.quiet:
            print(msg, file=sys.stderr)

    def _fail(self, stage: str, movie: str, item: str, reason: str, raw: str | None = None, id: str = "") -> None:
        self.failures.append({"stage": stage, "movie": movie, "item": item, "id": id, "reason": reason, "raw": raw})

    def _timed(self, stage: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        try:
            return fn()
        finally:
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - start, 3)

    def _prov(self, prompt_version: str | None, model: bool = True) -> dict:
        return {
            "model": self.model_name if model else None,
            "prompt_version": prompt_version,
            "script2rp_version": __version__,
        }

    @property
    def model_name(self) -> str | None:
        if self.o.backend == "none":
            return None
        served = getattr(getattr(self.engine, "backend", None), "model", None)
        return self.o.model or served or self.o.backend

    def configs(self) -> list[str]:
        wanted = self.o.configs or list(CONFIGS)
        unknown = [c for c in wanted if c not in CONFIGS]
        if unknown:
            raise ValueError(f"unknown config {', '.join(unknown)}; choose from {', '.join(CONFIGS)}")
        if self.o.backend == "none":
            return [c for c in wanted if not NEEDS[c]]
        return [c for c in CONFIGS if c in wanted]

    # -- stages ------------------------------------------------------------------------------------

    def run(self) -> dict:
        self.out.mkdir(parents=True, exist_ok=True)
        use_prompt_dir(self.o.prompts)
        configs = self.configs()
        stages = {s for c in configs for s in NEEDS[c]}
        movies = self._timed("parse", self._parse)
        for config in RULE_CONFIGS:
            if config in configs:
                self._timed(config, lambda c=config: self._rule_config(c, movies))
        if stages:
            self.engine = self._make_engine()
            try:
                self._generate(movies, configs, stages)
            finally:
                self.engine.close()
        return self._finish(movies, configs)

    def _parse(self) -> list[Movie]:
        from script2rp.cli import iter_inputs

        paths = [str(p) for p in iter_inputs(self.o.inputs)]
        if not paths:
            raise ScreenplayError(", ".join(self.o.inputs), "no screenplay files found")
        workers = self.o.workers or os.cpu_count() or 1
        args = [(p, self.o.main_threshold, self.o.min_scene_lines) for p in paths]
        bar = tqdm(total=len(paths), desc="parse", unit="script", disable=self.o.quiet, file=sys.stderr)
        if self.o.engine == "ray":
            from script2rp.build.ray_engine import parse_on_ray

            results = parse_on_ray(_parse_one, args, self.o, bar)
        elif workers > 1 and len(paths) > 1:
            with ProcessPoolExecutor(max_workers=min(workers, len(paths))) as pool:
                results = []
                for r in pool.map(_parse_one, args, chunksize=1):
                    results.append(r)
                    bar.update()
        else:
            results = []
            for a in args:
                results.append(_parse_one(a))
                bar.update()
        bar.close()
        movies: list[Movie] = []
        taken: set[str] = set()
        twins = _Twins()
        for path, result in zip(paths, results):
            if isinstance(result, str):
                print(f"script2rp: {path}: {result}", file=sys.stderr)  # even with --quiet
                self.inputs.append({"path": path, "status": "bad", "reason": result})
                self._fail("parse", path, path, result)
                continue
            fingerprint = _fingerprint(result)
            twin = twins.find(fingerprint) if fingerprint else None
            if twin:
                self.inputs.append({"path": path, "status": "duplicate", "reason": f"same screenplay as {twin}"})
                continue
            if self.o.max_scripts is not None and len(movies) >= self.o.max_scripts:
                self.inputs.append({"path": path, "status": "skipped", "reason": "--max-scripts reached"})
                continue
            twins.add(fingerprint, path)
            movie = Movie.of(result, path, taken)
            movies.append(movie)
            self.inputs.append({"path": path, "status": "ok", "movie": movie.id})
        return movies

    def _rule_config(self, config: str, movies: list[Movie]) -> None:
        rows = []
        for m in movies:
            scenes = [(s, plain_rp(s, m.names)) for s in m.screenplay.scenes]
            if config == "plain_scenes":
                rows += [
                    {"id": scene_enhancement.scene_id(m, s), "movie": m.title, "scene_index": s.index,
                     "plain_scenes": text, **self._prov(None, model=False)}
                    for s, text in scenes if text
                ]
            else:
                rows.append({"id": m.id, "movie": m.title, "plain_full_script": "\n\n".join(t for _, t in scenes if t),
                             **self._prov(None, model=False)})
        self.rows[config] = rows

    def _make_engine(self):
        from script2rp.llm import make_engine

        state = self.out / STATE_DIR
        state.mkdir(exist_ok=True)
        kwargs = dict(self.o.engine_options)
        if self.o.backend == "vllm":  # vLLM logs to stdout by default; a CLI keeps stdout for data
            os.environ.setdefault("VLLM_LOGGING_STREAM", "ext://sys.stderr")
            if self.o.quiet:
                os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")
        if self.o.backend == "replay":
            kwargs["replay_path"] = self.o.replay
        engine_args = dict(
            backend=self.o.backend, model=self.o.model, base_url=self.o.base_url,
            cache_path=state / "llm-cache.sqlite", cache_mode=self.o.cache_mode,
            concurrency=self.o.concurrency, timeout=self.o.timeout, max_retries=self.o.max_retries,
            progress=not self.o.quiet, record_path=self.o.record, **kwargs,
        )
        if self.o.engine == "ray":
            from script2rp.build.ray_engine import RayEngine

            return RayEngine(engine_args, self.o)
        return make_engine(**engine_args)

    def _run_stage(self, stage: str, jobs: list[Job]) -> dict[str, Done]:
        """Send a stage's jobs; record failures; return the good answers by job id."""
        outcomes = self._timed(stage, lambda: run_jobs(self.engine, jobs, self.o.settings, desc=stage))
        done = {}
        for job in jobs:
            outcome = outcomes[job.id]
            if isinstance(outcome, Failed):
                self._fail(stage, job.movie, job.item, outcome.reason, outcome.raw, job.id)
            else:
                done[job.id] = outcome
        return done

    def _generate(self, movies: list[Movie], configs: list[str], stages: set[str]) -> None:
        o = self.o
        transcripts: dict[str, str] = {}  # scene id -> RP transcript
        summaries: dict[str, str] = {}
        cards: dict[str, str] = {}  # card id -> YAML
        requests: dict[str, str] = {}  # card id -> reverse prompt
        by_movie = {m.id: m for m in movies}

        if "scene_enhancement" in stages:
            jobs = [j for m in movies for s in m.screenplay.scenes
                    for j in scene_enhancement.jobs(m, s, max_chars=o.max_scene_chars, min_coverage=o.min_coverage,
                                                  structured=o.settings.structured)]
            done = self._run_stage("scene_enhancement", jobs)
            parts_of: dict[str, list[str]] = {}
            for j in jobs:
                parts_of.setdefault(j.id.rsplit("/", 1)[0], []).append(j.id)
            for m in movies:
                for s in m.screenplay.scenes:
                    sid = scene_enhancement.scene_id(m, s)
                    parts = parts_of[sid]
                    if all(p in done for p in parts):
                        transcripts[sid] = "\n\n".join(done[p].value for p in parts)
                    elif len(parts) > 1:
                        self._fail("scene_enhancement", m.id, f"scene {s.index}", "a part of the scene failed", id=sid)
        if "scene_summary" in stages:
            jobs = [j for m in movies for s in m.screenplay.scenes
                    for j in scene_summary.jobs(m, s, max_chars=o.max_scene_chars, structured=o.settings.structured)]
            summaries = {k: d.value for k, d in self._run_stage("scene_summary", jobs).items()}
        if "character_card" in stages:
            jobs = [j for m in movies for c in m.screenplay.main_characters
                    for j in character_card.jobs(m, c, max_chars=o.max_prompt_chars, structured=o.settings.structured)]
            cards = {k: dump_card(d.value) for k, d in self._run_stage("character_card", jobs).items()}
        if "memories" in stages:
            jobs = [j for sid, text in transcripts.items()
                    for j in memories.jobs(sid, sid.split("/")[0], f"scene {_scene_index(sid)}", text,
                                                 structured=o.settings.structured)]
            mem = self._run_stage("memories", jobs)
            # The rows teach the plain-text task, whichever form (free or JSON) produced the answer.
            prompt, version = load_prompt("memories"), stage_prompt("memories", o.settings.structured).version
            asked = {j.id: prompt.fill(transcript=transcripts[j.id]) for j in jobs}
            self.rows["memories"] = [
                {"id": jid, "movie": by_movie[jid.split("/")[0]].title, "scene_index": _scene_index(jid),
                 "conversations": [
                     {"from": "system", "value": prompt.system},
                     {"from": "human", "value": asked[jid]},
                     {"from": "gpt", "value": d.value}],
                 **self._prov(version)}
                for jid, d in mem.items()
            ]
        if "character_card_reverse_prompt" in stages:
            jobs = []
            for m in movies:
                for c in m.screenplay.main_characters:
                    cid = character_card.card_id(m, c)
                    if cid in cards:
                        jobs += card_prompts.jobs(cid, m.id, m.name(c.name), cards[cid], structured=o.settings.structured)
            requests = {k: d.value for k, d in self._run_stage("character_card_reverse_prompt", jobs).items()}
        self._timed("assemble", lambda: self._assemble(movies, configs, transcripts, summaries, cards, requests))

    def _prompt_versions(self) -> dict[str, str]:
        """The version of each model stage's prompt as this build asks it (JSON or free form);
        rp_to_character_card asks no model, so it has only the one form."""
        versions = {s: stage_prompt(s, self.o.settings.structured).version for s in
                    ("scene_enhancement", "scene_summary", "character_card", "memories",
                     "character_card_reverse_prompt")}
        versions["rp_to_character_card"] = load_prompt("rp_to_character_card").version
        return versions

    def _assemble(self, movies, configs, transcripts, summaries, cards, requests) -> None:
        v = self._prompt_versions()
        rows: dict[str, list[dict]] = {c: [] for c in configs if c not in RULE_CONFIGS and c != "memories"}
        version = "+".join((v["scene_enhancement"], v["scene_summary"], v["character_card"]))
        for m in movies:
            sp = m.screenplay
            card_of = {c.name: cards.get(character_card.card_id(m, c)) for c in sp.main_characters}
            main = {c.name for c in sp.main_characters}
            introduced: set[str] = set()
            story, missing = [], []
            for s in sp.scenes:
                sid = scene_enhancement.scene_id(m, s)
                source = screenplay_text(s.heading, s.elements)
                base = {"id": sid, "movie": m.title, "scene_index": s.index}
                if sid in transcripts and "scene_enhancement" in rows:
                    rows["scene_enhancement"].append(
                        {**base, "input": source, "output": transcripts[sid], **self._prov(v["scene_enhancement"])})
                if sid in summaries and "scene_summary" in rows:
                    rows["scene_summary"].append(
                        {**base, "input": source, "output": summaries[sid], **self._prov(v["scene_summary"])})
                speakers = s.speakers
                lacking = [m.name(n) for n in speakers if n in main and not card_of[n]]
                ready = sid in transcripts and sid in summaries and not lacking
                if "scene_by_scene" in rows:
                    if ready:
                        block = _characters_block([card_of[n] for n in speakers if n in main],
                                                  [m.name(n) for n in speakers if n not in main])
                        text = f"{block}[scenario]\n{summaries[sid]}\n[/scenario]\n\n{transcripts[sid]}"
                        rows["scene_by_scene"].append({**base, "scene_by_scene": text, **self._prov(version)})
                    else:
                        self._fail("scene_by_scene", m.id, f"scene {s.index}", _why_not(sid, transcripts, summaries, lacking), id=sid)
                if not ready:
                    missing.append(s.index)
                    continue
                new = [n for n in speakers if n not in introduced]
                introduced.update(new)
                block = _characters_block([card_of[n] for n in new if n in main], [m.name(n) for n in new if n not in main])
                story.append(f"{block}[scenario]\n{summaries[sid]}\n[/scenario]\n\n{transcripts[sid]}")
            if "full_script" in rows:
                if story:
                    rows["full_script"].append({"id": m.id, "movie": m.title, "full_script": "\n\n".join(story),
                                                "missing_scenes": missing, **self._prov(version)})
                else:
                    self._fail("full_script", m.id, m.title, "no scene has a transcript, a summary and its cards", id=m.id)
            for c in sp.main_characters:
                cid = character_card.card_id(m, c)
                card = card_of[c.name]
                if not card:
                    continue
                base = {"id": cid, "movie": m.title, "character": m.name(c.name)}
                if "character_cards" in rows:
                    rows["character_cards"].append({**base, "character_cards": card, **self._prov(v["character_card"])})
                if "rp_to_character_card" in rows:
                    prompt = load_prompt("rp_to_character_card")
                    lines = _turns_of(m, c.name, sp, transcripts)
                    rows["rp_to_character_card"].append({
                        **base, "input": prompt.fill(name=m.name(c.name), turns="\n".join(lines)), "output": card,
                        **self._prov(v["rp_to_character_card"] + "+" + v["character_card"])})
                if cid in requests:
                    prov = self._prov(v["character_card_reverse_prompt"] + "+" + v["character_card"])
                    if "character_card_reverse_prompt" in rows:
                        rows["character_card_reverse_prompt"].append({**base, "input": card, "output": requests[cid], **prov})
                    if "prompt_to_character_card" in rows:
                        rows["prompt_to_character_card"].append({**base, "input": requests[cid], "output": card, **prov})
        self.rows.update(rows)

    # -- output ------------------------------------------------------------------------------------

    def _finish(self, movies: list[Movie], configs: list[str]) -> dict:
        written = {}
        for config in configs:
            written[config] = write_config(self.out, config, self.rows.get(config, []))
        counts: dict[str, Counter] = {}
        for f in self.failures:
            counts.setdefault(f["stage"], Counter())[_reason_kind(f["reason"])] += 1
        report = {
            "script2rp_version": __version__,
            "name": self.o.name,
            "command": self.o.command,
            "backend": self.o.backend,
            "model": self.model_name,
            "sampling": asdict(self.o.settings),
            "prompt_versions": self._prompt_versions(),
            "inputs": self.inputs,
            "movies": [_movie_summary(m) for m in movies],
            "rows": written,
            "failures_by_stage": {s: dict(c) for s, c in counts.items()},
            "failures": self.failures,
            "llm": _engine_stats(self.engine),
            "seconds": self.seconds,
            "needs_model": [c for c in (self.o.configs or CONFIGS) if NEEDS[c]] if self.o.backend == "none" else [],
        }
        write_text(self.out / "report.json", json.dumps(report, indent=1, ensure_ascii=False) + "\n")
        refresh_card(self.out)  # the card `push` uploads: example rows and plots included
        return report


def _parse_one(args: tuple[str, int, int | None]) -> Screenplay | str:
    """Parse one file in a worker process; a bad file comes back as its one-line reason."""
    from script2rp.parse import parse_file

    path, main_threshold, min_scene_lines = args
    try:
        return parse_file(path, main_threshold=main_threshold, min_scene_lines=min_scene_lines)
    except ScreenplayError as exc:
        return exc.reason
    except Exception as exc:  # a parser bug on one file must not stop a corpus build
        return f"parser error: {type(exc).__name__}: {exc}"


def _fingerprint(sp: Screenplay) -> frozenset:
    return frozenset(
        (d.speaker, " ".join(d.text.lower().split())[:60]) for s in sp.scenes for d in s.dialogues
    )


class _Twins:
    """Finds an earlier input with (nearly) the same speeches: one screenplay in two formats.

    Candidates come from an index of a few sampled speeches, so a corpus of thousands of
    scripts is not compared pair by pair.
    """

    def __init__(self, threshold: float = 0.9, sample: int = 16):
        self.threshold, self.sample = threshold, sample
        self.index: dict[tuple, list[tuple[frozenset, str]]] = {}

    def _sketch(self, fingerprint: frozenset) -> list[tuple]:
        return sorted(fingerprint, key=lambda item: zlib.crc32(repr(item).encode()))[: self.sample]

    def find(self, fingerprint: frozenset) -> str | None:
        seen: set[str] = set()
        for item in self._sketch(fingerprint):
            for other, path in self.index.get(item, ()):
                if path in seen:
                    continue
                seen.add(path)
                if len(fingerprint & other) / max(len(fingerprint), len(other)) >= self.threshold:
                    return path
        return None

    def add(self, fingerprint: frozenset, path: str) -> None:
        for item in self._sketch(fingerprint):
            self.index.setdefault(item, []).append((fingerprint, path))


def _characters_block(cards: list[str], npcs: list[str]) -> str:
    if not cards and not npcs:
        return ""
    body = "\n".join(card.rstrip() + "\n" for card in cards)
    if npcs:
        body += "NPCS:\n" + "".join(f"- {n}\n" for n in npcs)
    return f"[characters]\n{body}[/characters]\n\n"


def _why_not(sid: str, transcripts: dict, summaries: dict, lacking: list[str]) -> str:
    why = []
    if sid not in transcripts:
        why.append("no transcript")
    if sid not in summaries:
        why.append("no summary")
    if lacking:
        why.append(f"no card for {', '.join(lacking)}")
    return "missing input: " + "; ".join(why)


def _turns_of(m: Movie, speaker: str, sp: Screenplay, transcripts: dict[str, str], limit: int = 40) -> list[str]:
    """A character's RP turns from the transcripts, or their screenplay lines where there are none."""
    name = m.name(speaker)
    lines = []
    for s in sp.scenes:
        text = transcripts.get(scene_enhancement.scene_id(m, s))
        if text:
            lines += [f"{name}: {t}" for who, t in turns(text) if who and name_key(who) == name_key(name)]
        else:
            lines += [f'{name}: "{d.text}"' for d in s.elements if isinstance(d, Dialogue) and d.speaker == speaker]
    return lines[:limit]


def _scene_index(scene_id: str) -> int:
    return int(scene_id.rsplit("scene-", 1)[1].split("/")[0])


def _reason_kind(reason: str) -> str:
    """`invalid: unknown speaker: Rick` -> `invalid: unknown speaker`, numbers as N, for counting."""
    kind = ": ".join(reason.split(": ")[:2])
    return re.sub(r"\d+(?:\.\d+)?", "N", kind)


def _movie_summary(m: Movie) -> dict:
    sp = m.screenplay
    return {
        "id": m.id, "title": m.title, "path": m.path, "format": sp.format, "scenes": len(sp.scenes),
        "main_characters": [c.name for c in sp.main_characters],
        "npcs": [c.name for c in sp.npcs],
        "cast": [{"name": c.name, "dialogue_blocks": c.dialogue_blocks, "scenes": len(c.scenes), "main": c.is_main}
                 for c in sp.characters],
    }


def _engine_stats(engine) -> dict | None:
    if engine is None:
        return None
    stats = asdict(engine.stats)
    stats["prefix_cache_hit_rate"] = engine.stats.prefix_cache_hit_rate
    if getattr(engine, "replica_stats", None) is not None:  # the Ray engine: one entry per replica
        stats["replicas"] = engine.replica_stats
    return stats


def command_line(argv: list[str]) -> str:
    return "script2rp " + " ".join(shlex.quote(a) for a in argv)

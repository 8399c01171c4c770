"""How well a build feeds its engine (issue 16): the pipeline against raw vLLM on the same requests,
a GPU-like stand-in engine against its floor, and the cost of compiling transcript grammars.

Three parts, each runnable alone (`--parts`); figures are printed with their targets, PASS/FAIL.

1. `vllm`: a real build (`python -m script2rp build A B --backend vllm`, structured output, seeded)
   of two SAIL dev screenplays with the tests' tiny random-weight Mistral model on this CPU, its
   answers recorded (`--record`). The backend is the vllm one unchanged, with its requests logged
   (request_log.TimedVLLM: tag, send and answer times), so the build is timed from its first
   request to its last answer: model load, parsing and writing are left out. Then the exact
   recorded requests (prompts, seeds, max_tokens, JSON schemas) go through `vllm.LLM.generate` in
   this process with the same engine options, longest budget first as the build sends them, the
   prefix cache reset before each call, after a one-request warm-up: one call per stage (the
   issue's baseline, stages in the order the build began them), then one call for all. Reported:
   generated tokens/s of each and the ratio (target: pipeline >= 0.97x raw). Raw calls know every
   re-ask in advance, a pipeline must see an answer before asking again, so the build's longest
   dependency chain and how long it was in flight are printed beside them. From report.json: the
   prefix-cache hit rate (target >= 0.50; also over first asks only, since a re-ask's prompt is
   cached whole) and the completion tokens by why they were asked ("first", or the reason the
   answer before failed).
2. `standin`: the same build with gpu_standin.StandIn (step = a + b x batch seconds, answers from
   part 1's recording). Wall time from first request to last answer against the floor
   ceil(tokens / max_batch) x (a + b x max_batch) (target <= 1.10x), the longest dependency chain
   (a job's attempts one after another, after what it needs: a scene's transcript parts, then its
   memory), and the best any schedule can do: every step costs a, every token b, and there are at
   least as many steps as the chain has tokens.
3. `grammar`: every distinct transcript schema the current code would send vLLM for the build's
   screenplays (`--scripts`; parsed as `build` parses them, the scene_enhancement stage's jobs
   made with the vLLM backend's shape and `--structured`, no model run), compiled cold (xgrammar
   cache off, one thread) with the embedded SmolLM2's 49k vocabulary, as vLLM compiles them:
   CPU ms mean/median/max (target mean <= 20 ms). Built, not read from part 1's recording, so a
   schema change is measured at once, without a 25-minute build. For comparison, the
   median-sized one with its prose inline (each string its own copy of the pattern, no `$defs`)
   and with every prose string bounded (`--max-length`).

    /work/wtvenv/bin/python benchmarks/engine_efficiency.py [--scripts a.txt b.txt] [--skip-vllm]
        [--parts vllm,standin,grammar] [--work DIR] [--max-tokens N] [--attempts N]
        [--a 0.004 --b 0.00003 --max-batch 256]

Part 2 reads part 1's recording in `--work` (default: a folder in the temp dir); it runs right
after part 1's build and before its slow replay, and after one full run `--skip-vllm`
(= `--parts standin,grammar`) measures it again in a minute, as long as the build still asks
what was recorded (the stand-in counts what it could not find). Part 3 needs no recording. The default pair, nine +
grosse_pointe_blank (249 scenes, 18 main characters), is the issue's 2-screenplay build; on 2
shared cores part 1 took about 25 minutes to build and 40 to replay (1.2M tokens).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")  # before vLLM is imported, here and in the builds
sys.path.insert(0, str(ROOT))  # script2rp, tests.llm.tiny_model and benchmarks.* as packages

from benchmarks.request_log import read_jsonl, recorded_request, request_key
from script2rp.llm import Request, SamplingParams

SAIL = ROOT.parent / "shared" / "bench" / "sail-dev" / "screenplays"
SCRIPTS = [SAIL / "nine.txt", SAIL / "grosse_pointe_blank.txt"]
# The tests' vLLM options for this CPU; the backend adds prefix caching and, on CPU, no chunked prefill.
VLLM_OPTIONS: dict[str, Any] = {"dtype": "float32", "enforce_eager": True, "gpu_memory_utilization": 0.2}
TRANSCRIPTS = "scene_enhancement"
PARTS = ("vllm", "standin", "grammar")


@dataclass
class Figure:
    name: str
    value: str
    target: str = ""
    ok: bool | None = None  # None: reported, no target


@dataclass
class Asked:
    """One recorded request with the tag the build gave it."""

    tag: str
    request: Request
    sent: float  # when the build sent it (monotonic, its own process)

    @property
    def stage(self) -> str:
        return self.tag.partition(":")[0]


def check(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


class LoadMeter:
    """The 1-minute load average, sampled while each timed phase runs: on a shared machine the
    timings compare only under similar load (vLLM itself keeps about 2 cores busy)."""

    def __init__(self, every: float = 5.0):
        self.phases: dict[str, list[float]] = {}
        self._current: list[float] | None = None
        threading.Thread(target=self._sample, args=(every,), daemon=True).start()

    def _sample(self, every: float) -> None:
        while True:
            if self._current is not None:
                self._current.append(os.getloadavg()[0])
            time.sleep(every)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._current = self.phases.setdefault(name, [os.getloadavg()[0]])
        try:
            yield
        finally:
            self._current = None

    def figure(self) -> Figure:
        means = ", ".join(f"{name} {statistics.mean(v):.1f}" for name, v in self.phases.items())
        return Figure("load average (1 min)", f"{means} (on {os.cpu_count()} cores)")


# -- running builds ----------------------------------------------------------------------------------


def engine_opts(options: dict[str, Any]) -> list[str]:
    return [arg for key, value in options.items() for arg in ("--engine-opt", f"{key}={json.dumps(value)}")]


def run_build(folder: Path, scripts: list[str], flags: list[str], backend: list[str]) -> tuple[dict, float]:
    """A fresh build into `folder/out` (its log in `folder/build.log`): report.json and wall seconds."""
    command = [sys.executable, "-m", "script2rp", "build", *scripts, "--out", str(folder / "out"), *backend,
               *flags, "-q"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    with (folder / "build.log").open("w") as log:
        proc = subprocess.run(command, check=False, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # 1: some items failed, as gibberish does
        sys.exit(f"build failed (exit {proc.returncode}); see {folder / 'build.log'}")
    return json.loads((folder / "out" / "report.json").read_text()), wall


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def log_span(lines: list[dict]) -> tuple[float, int]:
    """Seconds from the first request sent to the last answer, and the completion tokens."""
    return max(x["done"] for x in lines) - min(x["sent"] for x in lines), sum(x["completion_tokens"] for x in lines)


def load_asked(folder: Path) -> list[Asked]:
    """Part 1's recorded requests, tagged from its request log."""
    if not (folder / "answers.jsonl").is_file():
        sys.exit(f"no recording in {folder}: run the vllm part first (--parts vllm)")
    logged = {line["key"]: line for line in read_jsonl(folder / "requests.jsonl")}
    asked = []
    for record in read_jsonl(folder / "answers.jsonl"):
        request = recorded_request(record)
        line = logged.get(request_key(request), {"tag": "", "sent": math.inf})
        asked.append(Asked(line["tag"], request, line["sent"]))
    if untagged := sum(not a.tag for a in asked):
        print(f"warning: {untagged} recorded requests have no tag in the request log", file=sys.stderr)
    return asked


# -- part 1: the pipeline against raw vLLM --------------------------------------------------------


def tiny_model(folder: Path, max_model_len: int) -> Path:
    """The tests' tiny model, its position limit raised to `max_model_len` (RoPE takes any
    position; random weights do not care) so that long scenes and doubled budgets fit."""
    from tests.llm.tiny_model import build_tiny_model

    if not (folder / "config.json").is_file():
        build_tiny_model(folder)
    config = json.loads((folder / "config.json").read_text())
    config["max_position_embeddings"] = max_model_len
    (folder / "config.json").write_text(json.dumps(config, indent=1))
    return folder


@dataclass
class Recording:
    """Part 1's build, recorded and timed."""

    folder: Path
    model: Path
    options: dict[str, Any]  # the vLLM engine's
    report: dict
    wall: float  # seconds, parsing, model load and output included


def record_build(args: argparse.Namespace, work: Path, load: LoadMeter) -> Recording:
    model = tiny_model(work / "tiny", args.max_model_len)
    folder = fresh(work / "vllm")
    options = {**VLLM_OPTIONS, "max_model_len": args.max_model_len}
    flags = build_flags(args)
    backend = ["--backend", "benchmarks.request_log:TimedVLLM", "--model", str(model), "--record",
               str(folder / "answers.jsonl"), *engine_opts({**options, "log": str(folder / "requests.jsonl")})]
    print(f"vllm: building {' '.join(Path(s).name for s in args.scripts)} with the tiny model ...", flush=True)
    with load.phase("vllm build"):
        report, wall = run_build(folder, args.scripts, flags, backend)
    (folder / "run.json").write_text(json.dumps({"scripts": args.scripts, "flags": flags}))
    print(f"vllm: the build took {wall:.0f} s", flush=True)
    return Recording(folder, model, options, report, wall)


def compare_raw(recording: Recording, load: LoadMeter) -> list[Figure]:
    lines = read_jsonl(recording.folder / "requests.jsonl")
    span, tokens = log_span(lines)
    print("vllm: replaying the recorded requests through LLM.generate ...", flush=True)
    with load.phase("raw replay"):
        raw = replay_raw(recording.model, recording.options, load_asked(recording.folder))
    return [*throughput_figures(recording.report, recording.wall, span, tokens, raw), chain_figure(lines, span),
            *llm_figures(recording.report, lines)]


def chain_figure(lines: list[dict], span: float) -> Figure:
    """The build's longest dependency chain and how long it took there: raw `generate` knows every
    re-ask in advance, a pipeline must see an answer before asking again."""
    tokens, path = longest_chain([x for x in lines if x["ok"]])
    ends = [x["done"] for x in lines if x["tag"] == path[-1]]
    starts = [x["sent"] for x in lines if x["tag"] == path[0]]
    took = max(ends) - min(starts)
    return Figure("  longest chain", f"{tokens:,} tokens, asked and answered over {took:.1f} s = {took / span:.0%} "
                  f"of the span: {' -> '.join(path)}")


def build_flags(args: argparse.Namespace) -> list[str]:
    flags = []
    for name in ("max_tokens", "attempts"):
        if getattr(args, name) is not None:
            flags += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    return flags


def replay_raw(model: Path, options: dict[str, Any], asked: list[Asked]) -> dict[str, tuple[float, int]]:
    """(seconds, completion tokens) of `LLM.generate` over the recorded requests: per stage (in
    the order the build began them; key = stage) and all in one call (key "all")."""
    import vllm

    llm = vllm.LLM(model=str(model), **options, enable_prefix_caching=True, enable_chunked_prefill=False)
    try:
        generate(llm, asked[:1])  # warm-up: first-use paths of the engine and the grammar backend
        by_stage: dict[str, list[Asked]] = defaultdict(list)
        for a in sorted(asked, key=lambda a: a.sent):
            by_stage[a.stage].append(a)
        runs = {}
        for stage, jobs in [*by_stage.items(), ("all", asked)]:
            runs[stage] = generate(llm, jobs)
            print(f"raw: {stage}: {runs[stage][1]:,} tokens in {runs[stage][0]:.0f} s", flush=True)
        return runs
    finally:
        llm.llm_engine.engine_core.shutdown()


def generate(llm: Any, asked: list[Asked]) -> tuple[float, int]:
    """One `LLM.generate` call, cold prefix cache: (seconds, completion tokens)."""
    ordered = sorted(asked, key=lambda a: -a.request.params.max_tokens)  # as the build sends them
    tokenizer = llm.get_tokenizer()
    prompts = [a.request.prompt if a.request.messages is None
               else tokenizer.apply_chat_template(a.request.messages, tokenize=False, add_generation_prompt=True)
               for a in ordered]
    params = [vllm_params(a.request.params) for a in ordered]
    llm.reset_prefix_cache()
    start = time.perf_counter()
    outputs = llm.generate(prompts, params, use_tqdm=False)
    wall = time.perf_counter() - start
    return wall, sum(len(c.token_ids) for output in outputs for c in output.outputs)


def vllm_params(p: SamplingParams) -> Any:
    """What the vllm backend asks vLLM for (`VLLMBackend._sampling`)."""
    import vllm
    from vllm.sampling_params import StructuredOutputsParams

    return vllm.SamplingParams(
        n=p.n, temperature=p.temperature, top_p=p.top_p, max_tokens=p.max_tokens, stop=list(p.stop) or None,
        seed=p.seed, presence_penalty=p.presence_penalty, frequency_penalty=p.frequency_penalty,
        structured_outputs=None if p.json_schema is None else StructuredOutputsParams(json=p.json_schema))


def throughput_figures(report: dict, wall: float, span: float, tokens: int,
                       raw: dict[str, tuple[float, int]]) -> list[Figure]:
    movies, staged = report["movies"], {k: v for k, v in raw.items() if k != "all"}
    staged_s, staged_t = sum(s for s, _ in staged.values()), sum(t for _, t in staged.values())
    all_s, all_t = raw["all"]
    pipeline, per_stage, one_call = tokens / span, staged_t / staged_s, all_t / all_s
    return [
        Figure("build", f"{len(movies)} screenplays, {sum(m['scenes'] for m in movies)} scenes, "
               f"{sum(len(m['main_characters']) for m in movies)} main characters, {report['llm']['calls']} requests; "
               f"{wall:.0f} s in all"),
        Figure("pipeline tok/s", f"{pipeline:,.0f} ({tokens:,} tokens in {span:.1f} s, first request to last answer)"),
        Figure("raw tok/s, a call per stage", f"{per_stage:,.0f} ({staged_t:,} tokens in {staged_s:.1f} s: "
               + ", ".join(f"{k} {t / s:,.0f}" for k, (s, t) in staged.items()) + ")"),
        Figure("raw tok/s, one call", f"{one_call:,.0f} ({all_t:,} tokens in {all_s:.1f} s)"),
        Figure("pipeline / raw per stage", f"{pipeline / per_stage:.3f}x", ">= 0.97x", pipeline / per_stage >= 0.97),
        Figure("pipeline / raw one call", f"{pipeline / one_call:.3f}x", ">= 0.97x", pipeline / one_call >= 0.97),
    ]


def llm_figures(report: dict, lines: list[dict]) -> list[Figure]:
    """Prefix-cache hits (all requests; first asks only, since a re-ask's prompt is cached whole)
    and completion tokens by why they were asked."""
    llm = report["llm"]
    rate = llm.get("prefix_cache_hit_rate")
    hits = f"{llm['cached_prompt_tokens']:,} of {llm['prefix_measured_tokens']:,} prompt tokens"
    first = {x["tag"]: x for x in sorted(lines, key=lambda x: -x["sent"])}.values()  # each job's earliest ask
    cached, prompt = sum(x["cached_prompt_tokens"] or 0 for x in first), sum(x["prompt_tokens"] for x in first)
    share = llm.get("reask_token_share")
    total = sum(llm.get("answer_tokens", {}).values()) or 1
    return [
        Figure("prefix cache hit rate", "n/a" if rate is None else f"{rate:.1%} ({hits})",
               ">= 50%", rate is not None and rate >= 0.5),
        Figure("  first asks only", f"{cached / max(prompt, 1):.1%} ({cached:,} of {prompt:,} prompt tokens)"),
        Figure("re-ask token share", "n/a" if share is None else f"{share:.1%}",
               "(<= 10% is for SmolLM2 on the sample build)"),
        *[Figure(f"  tokens asked for: {why}", f"{n:,} ({n / total:.1%})")
          for why, n in llm.get("answer_tokens", {}).items()],
    ]


# -- part 2: the GPU-like stand-in ------------------------------------------------------------------


def part_standin(args: argparse.Namespace, work: Path, load: LoadMeter) -> list[Figure]:
    recorded = work / "vllm"
    if not (recorded / "run.json").is_file():
        sys.exit(f"no recording in {recorded}: run the vllm part first (--parts vllm)")
    run = json.loads((recorded / "run.json").read_text())
    folder = fresh(work / "standin")
    a, b, batch = args.a, args.b, args.max_batch
    backend = ["--backend", "benchmarks.gpu_standin:StandIn", "--replay", str(recorded / "answers.jsonl"),
               *engine_opts({"a": a, "b": b, "max_batch": batch, "log": str(folder / "requests.jsonl")})]
    print("standin: building from the recording ...", flush=True)
    with load.phase("stand-in"):
        report, _ = run_build(folder, run["scripts"], run["flags"], backend)
    lines = [x for x in read_jsonl(folder / "requests.jsonl") if x["ok"]]
    wall, _ = log_span(lines)
    tokens = sum(max(1, x["completion_tokens"]) for x in lines)  # a step per token, at least one
    full = math.ceil(tokens / batch)
    floor = full * (a + b * batch)
    steps, chain = longest_chain(lines)
    # Steps sum to a x steps + b x tokens whatever the batches, and no schedule has fewer steps than
    # the longest chain: the best any schedule can do.
    best = max(full, steps) * a + b * tokens
    info = report["llm"]["standin"]
    stale = [Figure("stand-in: not recorded", f"{info['unrecorded']} requests", "0 (else re-run --parts vllm)",
                    False)] if info["unrecorded"] else []
    return [*stale,
        Figure("stand-in", f"a={a * 1000:g} ms, b={b * 1000:g} ms, max batch {batch}; {len(lines)} requests, "
               f"{info['steps']:,} steps, mean batch {info['mean_batch']}"),
        Figure("stand-in wall", f"{wall:.2f} s (first request to last answer)"),
        Figure("stand-in floor", f"{floor:.2f} s ({tokens:,} tokens at full batch: {full:,} steps)"),
        Figure("stand-in wall / floor", f"{wall / floor:.3f}x", "<= 1.10x", wall / floor <= 1.10),
        Figure("  longest chain", f"{steps:,} steps: {' -> '.join(chain)}"),
        Figure("  best possible", f"{best:.2f} s = max({full:,}, {steps:,}) steps x a + tokens x b = "
               f"{best / floor:.2f}x the floor{'' if steps <= full else ', which the chain makes unreachable'}; "
               f"wall / best {wall / best:.3f}x"),
    ]


def longest_chain(lines: list[dict]) -> tuple[int, list[str]]:
    """Steps of the longest dependency chain, and its job tags: a job's attempts one after another,
    after the longest chain of what it needs. From the registry: an item-wise stage's job needs
    the jobs of its needed stages with its id (or its id's parts, `<id>/part-N`); any other needs
    all of its movie's (the id's first segment)."""
    from script2rp.tasks import BY_NAME

    own: dict[str, int] = defaultdict(int)
    for x in lines:
        own[x["tag"]] += max(1, x["completion_tokens"])
    jobs: dict[str, list[str]] = defaultdict(list)
    for tag in own:
        stage, _, job = tag.partition(":")
        jobs[stage].append(job)
    memo: dict[str, tuple[int, list[str]]] = {}

    def chain(tag: str) -> tuple[int, list[str]]:
        if tag not in memo:
            stage, _, job = tag.partition(":")
            spec = BY_NAME.get(stage)  # None: a stage the registry no longer has
            before = [chain(f"{n}:{other}") for n in (spec.needs if spec else ()) for other in jobs.get(n, ())
                      if (other == job or other.startswith(job + "/") if spec.item_wise
                          else other.split("/")[0] == job.split("/")[0])]
            steps, path = max(before, default=(0, []))
            memo[tag] = (steps + own[tag], [*path, tag])
        return memo[tag]

    return max((chain(tag) for tag in own), default=(0, []))


# -- part 3: grammar compile cost ----------------------------------------------------------------


def part_grammar(args: argparse.Namespace, work: Path, load: LoadMeter) -> list[Figure]:
    schemas = transcript_schemas(args.scripts)
    if not schemas:
        return [Figure("grammar", f"no {TRANSCRIPTS} job with a JSON schema for these screenplays", "", False)]
    compile_ms = compiler(args.repeats)
    with load.phase("grammar"):
        times = [compile_ms(schema) for schema in schemas]
        middle = sorted(schemas, key=lambda s: len(json.dumps(s)))[len(schemas) // 2]
        plain, inline = compile_ms(middle), inlined(middle)
        inline_ms, bound_ms = compile_ms(inline), compile_ms(bounded(inline, args.max_length), repeats=1)  # seconds
    mean, slowest = statistics.mean(times), max(zip(times, schemas), key=lambda pair: pair[0])
    return [
        Figure("grammar CPU ms per transcript schema", f"mean {mean:.1f}, median {statistics.median(times):.1f}, "
               f"max {slowest[0]:.1f} ({turns(slowest[1])} lines); {len(schemas)} distinct schemas, "
               f"cold, 1 thread, 49k vocabulary, best of {args.repeats}", "mean <= 20 ms", mean <= 20),
        Figure("  median-sized", f"as sent {plain:.1f} ms ({turns(middle)} lines, {prose_strings(inline)} prose "
               f"strings); prose inline {inline_ms:.1f} ms; inline, bounded to {args.max_length} characters "
               f"{bound_ms:.0f} ms"),
    ]


def transcript_schemas(scripts: list[str]) -> list[dict]:
    """The distinct JSON schemas the current code's scene_enhancement jobs would send vLLM for
    these screenplays: parsed with `build`'s default options, structured, the vLLM backend's
    shape. vLLM compiles each distinct schema once (its grammar cache), so repeats count once."""
    from script2rp.llm import backend_class
    from script2rp.pipeline.movies import parse_inputs
    from script2rp.pipeline.options import BuildOptions
    from script2rp.tasks import BY_NAME, Context
    from script2rp.tasks.prompt import Prompts
    from script2rp.tasks.shapes import SHAPES

    o = BuildOptions()
    parsed = parse_inputs(scripts, main_threshold=o.main_threshold, min_scene_lines=o.min_scene_lines, workers=1,
                          max_scripts=o.max_scripts, quiet=True)
    ctx = Context(prompts=Prompts(o.prompts), structured=True, max_scene_chars=o.max_scene_chars,
                  max_prompt_chars=o.max_prompt_chars, min_coverage=o.min_coverage,
                  shape=SHAPES[backend_class("vllm").capabilities.shape])
    stage = BY_NAME[TRANSCRIPTS]
    sent = [job.json_schema for movie in parsed.movies for job in stage.jobs(movie, {}, ctx) if job.json_schema]
    return list({json.dumps(s, sort_keys=True): s for s in sent}.values())


def compiler(repeats: int) -> Callable[[dict], float]:
    """CPU ms to compile a JSON schema with xgrammar as vLLM does (any_whitespace), cold: no cache,
    one thread, with the embedded SmolLM2's vocabulary; the best of `repeats` compiles. CPU time
    (what a core of a GPU box spends), not wall time, which other work on a shared machine inflates."""
    import llama_cpp
    import xgrammar

    from script2rp.llm.embedded import default_model_path
    from script2rp.llm.llamacpp_backend import token_pieces

    vocab = llama_cpp.Llama(model_path=str(default_model_path()), vocab_only=True, verbose=False)
    info = xgrammar.TokenizerInfo(token_pieces(vocab), xgrammar.VocabType.RAW, stop_token_ids=[vocab.token_eos()])
    grammars = xgrammar.GrammarCompiler(info, max_threads=1, cache_enabled=False)

    def compile_ms(schema: dict, repeats: int = repeats) -> float:
        text, best = json.dumps(schema), math.inf
        for _ in range(repeats):
            start = time.process_time()
            grammars.compile_json_schema(text, any_whitespace=True)
            best = min(best, time.process_time() - start)
        return best * 1000

    return compile_ms


def turns(schema: dict) -> int:
    return len(schema["properties"]["turns"]["prefixItems"])


def inlined(schema: Any, defs: dict | None = None) -> Any:
    """`schema` with each `$ref` to its `$defs` replaced by a copy of the definition."""
    if defs is None and isinstance(schema, dict):
        defs = schema.get("$defs", {})
        schema = {key: value for key, value in schema.items() if key != "$defs"}
    if isinstance(schema, list):
        return [inlined(x, defs) for x in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return inlined(defs[ref.removeprefix("#/$defs/")], defs)
    return {key: inlined(value, defs) for key, value in schema.items()}


def is_prose_string(node: Any) -> bool:
    """A string the model writes (free or by a pattern), not a `const` or `enum`."""
    return isinstance(node, dict) and node.get("type") == "string" and not {"const", "enum"} & node.keys()


def prose_strings(schema: Any) -> int:
    values = schema.values() if isinstance(schema, dict) else schema if isinstance(schema, list) else ()
    return is_prose_string(schema) + sum(prose_strings(x) for x in values)


def bounded(schema: Any, limit: int) -> Any:
    """`schema` with each prose string bounded to about `limit` characters: `maxLength` on a free
    one, the pattern's open repeat made `{0,limit}` on a patterned one (xgrammar 0.2.8 ignores
    `maxLength` beside a `pattern`; the compact shape bounds its prose this way)."""
    if isinstance(schema, list):
        return [bounded(x, limit) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: bounded(value, limit) for key, value in schema.items()}
    if not is_prose_string(schema):
        return out
    if "pattern" in schema:
        return {**out, "pattern": schema["pattern"].replace("]*", f"]{{0,{limit}}}")}
    return {**out, "maxLength": limit}


# -- the command ----------------------------------------------------------------------------------


def print_table(figures: list[Figure]) -> None:
    width = max(len(f.name) for f in figures)
    print()
    for f in figures:
        target = f"[{f.target}: {check(f.ok)}]" if f.ok is not None else f.target
        print(f"{f.name:<{width}}  {f.value}  {target}".rstrip())


def git_state() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], check=False, cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if git("status", "--porcelain") else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scripts", nargs="+", type=lambda s: str(Path(s).resolve()),
                        default=[str(s) for s in SCRIPTS], metavar="FILE", help="screenplays to build")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated: vllm, standin, grammar")
    parser.add_argument("--skip-vllm", action="store_true", help="= --parts standin,grammar (part 1's recording)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "script2rp-engine-efficiency")
    parser.add_argument("--max-model-len", type=int, default=16384, help="vLLM context (prompt + answer)")
    parser.add_argument("--max-tokens", type=int, help="passed to the build")
    parser.add_argument("--attempts", type=int, help="passed to the build")
    parser.add_argument("--a", type=float, default=0.004, help="stand-in: seconds per step")
    parser.add_argument("--b", type=float, default=0.00003, help="stand-in: seconds per step per request")
    parser.add_argument("--max-batch", type=int, default=256, help="stand-in: requests per step")
    parser.add_argument("--max-length", type=int, default=100, help="grammar: the bound compared against")
    parser.add_argument("--repeats", type=int, default=3, help="grammar: compiles per schema (the best counts)")
    args = parser.parse_args()
    parts = ["standin", "grammar"] if args.skip_vllm else [p.strip() for p in args.parts.split(",") if p.strip()]
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown part {', '.join(sorted(unknown))}")
    args.work.mkdir(parents=True, exist_ok=True)
    load, code = LoadMeter(), Figure("code", git_state())
    recording = record_build(args, args.work, load) if "vllm" in parts else None
    standin = part_standin(args, args.work, load) if "standin" in parts else []
    grammar = part_grammar(args, args.work, load) if "grammar" in parts else []
    # The slow replay last: the other parts use the recording before a prompt edit can outdate it.
    pipeline = compare_raw(recording, load) if recording else []
    figures = [code, *pipeline, *standin, *grammar]
    print_table([*figures, load.figure()])
    return 0 if all(f.ok is not False for f in figures) else 1


if __name__ == "__main__":  # vLLM starts its engine with multiprocessing spawn
    sys.exit(main())

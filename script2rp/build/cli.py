"""`script2rp build`: flags, an optional YAML config file (flags win), and the printed summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from script2rp.build.llm_stage import Settings
from script2rp.build.pipeline import NEEDS, Build, BuildOptions, command_line
from script2rp.export.dataset import CONFIGS

BACKENDS = ("none", "vllm", "openai", "llamacpp", "replay")
EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT = 0, 1, 2

# Keys a --config YAML file may set, with the flag defaults they stand in for.
DEFAULTS = {
    "backend": "none", "model": None, "base_url": None, "replay": None, "record": None, "configs": None, "workers": 0,
    "max_scripts": None, "main_threshold": 15, "min_scene_lines": None, "max_scene_chars": 6000,
    "max_prompt_chars": 8000, "min_coverage": 0.9, "prompt_format": None, "attempts": 3,
    "seed": 0, "temperature": None, "max_tokens": None, "prompts": None, "structured": None, "cache": "use", "concurrency": 32,
    "timeout": 600.0, "max_retries": 6, "engine_options": {}, "name": None,
    "engine": "local", "ray_address": None, "replicas": 1, "gpus_per_replica": 0,
}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "build", parents=[common], help="build the roleplay dataset from screenplays",
        description="Screenplays in, a Hugging Face dataset with the cinematika configs out. "
        "Re-running the same command resumes: answers already received are not asked again.",
    )
    S = argparse.SUPPRESS  # unset flags stay unset, so the config file can fill them
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="screenplay files or folders")
    p.add_argument("--out", required=True, type=Path, help="output folder (the dataset)")
    p.add_argument("--config", type=Path, help="YAML file with any of the options below (flags win)")
    p.add_argument("--backend", choices=BACKENDS, default=S,
                   help="none (default): rule-based configs only; vllm, openai, llamacpp or replay for the rest")
    p.add_argument("--model", default=S, help="vllm: model directory or id; openai: served model name; "
                   "llamacpp: GGUF file (default: the embedded SmolLM2-135M-Instruct, for trying the pipeline)")
    p.add_argument("--base-url", default=S, help="openai: server URL up to /v1 (key from OPENAI_API_KEY)")
    p.add_argument("--replay", default=S, help="replay: JSONL of recorded answers")
    p.add_argument("--record", default=S, help="append every answer to this JSONL (for --backend replay)")
    p.add_argument("--configs", default=S, help=f"comma-separated subset of: {', '.join(CONFIGS)}")
    p.add_argument("--workers", type=int, default=S, help="parse processes (default: one per CPU)")
    p.add_argument("--max-scripts", type=int, default=S, help="use only the first N screenplays")
    p.add_argument("--main-threshold", type=int, default=S, help="dialogue blocks that make a main character (15)")
    p.add_argument("--min-scene-lines", type=int, default=S, help="merge shorter scenes into a neighbour")
    p.add_argument("--max-scene-chars", type=int, default=S,
                   help="send longer scenes in parts, cut between elements (6000 characters)")
    p.add_argument("--max-prompt-chars", type=int, default=S,
                   help="budget for a character's lines in a card prompt (8000 characters)")
    p.add_argument("--prompt-format", choices=["mistrallite", "chat", "raw"], default=S,
                   help="how instructions are wrapped for the model (chat on llamacpp, else mistrallite)")
    p.add_argument("--attempts", type=int, default=S, help="asks per item before it is recorded as failed (3)")
    p.add_argument("--min-coverage", type=float, default=S, help="share of dialogue blocks a transcript must keep (0.9)")
    p.add_argument("--structured", action=argparse.BooleanOptionalAction, default=S,
                   help="constrain card answers to their JSON schema (default: on for vllm and llamacpp, off "
                   "for openai, where the server must support it)")
    p.add_argument("--seed", type=int, default=S, help="base sampling seed (0)")
    p.add_argument("--temperature", type=float, default=S, help="override every prompt's temperature")
    p.add_argument("--max-tokens", type=int, default=S, help="answer length limit for every request (default: per prompt)")
    p.add_argument("--prompts", default=S, metavar="DIR", help="folder of prompt YAML files replacing the built-in ones")
    p.add_argument("--cache", choices=["use", "refresh", "off"], default=S, help="LLM answer cache (use)")
    p.add_argument("--concurrency", type=int, default=S, help="openai: requests in flight (32)")
    p.add_argument("--timeout", type=float, default=S, help="openai: seconds per attempt (600)")
    p.add_argument("--engine", choices=["local", "ray"], default=S,
                   help="local (default) or ray: the same build on a Ray cluster (pip install 'script2rp[ray]')")
    p.add_argument("--ray-address", default=S, help="ray: 'auto' or HOST:PORT of a cluster (default: start one here)")
    p.add_argument("--replicas", type=int, default=S, help="ray: engine replicas (1)")
    p.add_argument("--gpus-per-replica", type=float, default=S, help="ray: GPUs per replica (0)")
    p.add_argument("--engine-opt", action="append", default=S, metavar="KEY=VALUE",
                   help="backend option, e.g. dtype=bfloat16 or max_model_len=8192 (repeatable)")
    p.set_defaults(func=cmd_build)


def options_from(args: argparse.Namespace, argv: list[str]) -> BuildOptions:
    values = dict(DEFAULTS)
    if args.config:
        loaded = yaml.safe_load(args.config.read_text(encoding="utf-8")) or {}
        unknown = sorted(set(loaded) - set(DEFAULTS))
        if unknown:
            raise ValueError(f"{args.config}: unknown option {', '.join(unknown)}")
        values.update(loaded)
    for key in DEFAULTS:
        if hasattr(args, key):
            values[key] = getattr(args, key)
    engine_options = dict(values["engine_options"] or {})
    for item in getattr(args, "engine_opt", []) or []:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"--engine-opt wants KEY=VALUE, got {item!r}")
        engine_options[key] = yaml.safe_load(raw)  # numbers and booleans as such
    configs = values["configs"]
    if isinstance(configs, str):
        configs = [c.strip() for c in configs.split(",") if c.strip()]
    return BuildOptions(
        inputs=args.inputs, out=args.out, backend=values["backend"], model=values["model"],
        base_url=values["base_url"], replay=values["replay"], record=values["record"], prompts=values["prompts"], configs=configs, workers=values["workers"],
        max_scripts=values["max_scripts"], main_threshold=values["main_threshold"],
        min_scene_lines=values["min_scene_lines"], max_scene_chars=values["max_scene_chars"],
        max_prompt_chars=values["max_prompt_chars"], min_coverage=values["min_coverage"],
        settings=Settings(
            prompt_format=values["prompt_format"], attempts=values["attempts"], seed=values["seed"],
            temperature=values["temperature"], structured=values["structured"], max_tokens=values["max_tokens"],
        ),
        cache_mode=values["cache"], concurrency=values["concurrency"], timeout=values["timeout"],
        max_retries=values["max_retries"], engine_options=engine_options, name=values["name"],
        engine=values["engine"], ray_address=values["ray_address"], replicas=values["replicas"],
        gpus_per_replica=values["gpus_per_replica"],
        quiet=args.quiet, command=command_line(argv),
    )


def cmd_build(args: argparse.Namespace) -> int:
    try:
        options = options_from(args, args.argv)
        if options.backend == "replay" and not options.replay:
            raise ValueError("--backend replay needs --replay FILE.jsonl")
        if options.backend == "openai" and not options.base_url:
            raise ValueError("--backend openai needs --base-url, e.g. http://127.0.0.1:8000/v1")
        if options.backend == "vllm" and not options.model:
            raise ValueError("--backend vllm needs --model (a model directory or id)")
        build = Build(options)
        build.configs()  # unknown config names fail before any work
    except ValueError as exc:
        print(f"script2rp: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    report = build.run()
    if not args.quiet:
        print_summary(report, options)
    ok_inputs = [i for i in report["inputs"] if i["status"] == "ok"]
    if not ok_inputs:
        return EXIT_BAD_INPUT
    return EXIT_FAILURES if report["failures"] else EXIT_OK


def print_summary(report: dict, options: BuildOptions) -> None:
    out = sys.stderr
    inputs = report["inputs"]
    status = {s: sum(1 for i in inputs if i["status"] == s) for s in ("ok", "bad", "duplicate", "skipped")}
    print(f"\n{status['ok']} screenplays built ({status['bad']} bad, {status['duplicate']} duplicates, "
          f"{status['skipped']} skipped) -> {options.out}", file=out)
    for i in inputs:
        if i["status"] in ("bad", "duplicate"):
            print(f"  {i['status']}: {i['path']}: {i['reason']}", file=out)
    print("rows:", ", ".join(f"{c} {n}" for c, n in report["rows"].items()), file=out)
    for stage, reasons in report["failures_by_stage"].items():
        print(f"failures in {stage}: " + ", ".join(f"{r} x{n}" for r, n in reasons.items()), file=out)
    if report["llm"]:
        llm = report["llm"]
        rate = llm["prefix_cache_hit_rate"]
        print(f"llm: {llm['requests']} requests, {llm['hits']} from cache, {llm['calls']} sent, "
              f"{llm['failures']} failed; tokens {llm['prompt_tokens']} in / {llm['completion_tokens']} out"
              + ("" if rate is None else f"; prefix cache {rate:.0%}"), file=out)
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in report["seconds"].items()), file=out)
    if report["needs_model"]:
        inputs_arg = " ".join(options.inputs)
        print(f"\nThese configs need a model: {', '.join(report['needs_model'])}.\nBuild them with a server "
              f"or a vLLM model, e.g.:\n  script2rp build {inputs_arg} --out {options.out} --backend openai "
              f"--base-url http://127.0.0.1:8000/v1 --model NAME\n  script2rp build {inputs_arg} --out "
              f"{options.out} --backend vllm --model /path/to/model", file=out)


__all__ = ["register", "NEEDS"]

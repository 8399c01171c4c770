"""`script2rp build`: screenplays in, a Hugging Face dataset with the cinematika configs out.

The flags are made from `script2rp.pipeline.options.BuildOptions`, where each option is declared
once; `--config FILE` sets the same options from YAML (flags win).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from script2rp.errors import EXIT_BAD_INPUT, EXIT_FAILURES, EXIT_OK
from script2rp.pipeline.options import BuildOptions, flags, from_sources
from script2rp.tasks import CONFIGS


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "build", parents=[common], help="build the roleplay dataset from screenplays",
        description="Screenplays in, a Hugging Face dataset with the cinematika configs out. "
        "Re-running the same command resumes: answers already received are not asked again. "
        f"Configs: {', '.join(CONFIGS)}.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="screenplay files or folders")
    p.add_argument("--out", required=True, type=Path, help="output folder (the dataset)")
    p.add_argument("--config", type=Path, metavar="FILE", help="YAML file with any of the options below (flags win)")
    for flag, kwargs in flags():
        p.add_argument(flag, **kwargs)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from script2rp.pipeline.build import Build, command_line

    values = from_sources(args, args.config)
    options = BuildOptions(inputs=args.inputs, out=args.out, quiet=args.quiet, command=command_line(args.argv),
                           **values)
    build = Build(options)  # every option error here, before any work
    report = build.run()
    if not args.quiet:
        summary(report, options)
    if not any(i["status"] == "ok" for i in report["inputs"]):
        return EXIT_BAD_INPUT
    violations = report.get("check", {}).get("violations_by_kind", {})
    return EXIT_FAILURES if report["failures"] or violations else EXIT_OK


def summary(report: dict, options: BuildOptions, out=sys.stderr) -> None:
    """What a person reads at the end of a build."""
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
    check = report.get("check")
    if check:
        found = sum(check["violations_by_kind"].values())
        print(f"check: {found} violations" + "".join(f", {k} x{n}" for k, n in check["violations_by_kind"].items())
              + (f" (script2rp check {options.out} lists them)" if found else ""), file=out)
    if report["needs_model"]:
        inputs_arg = " ".join(options.inputs)
        print(f"\nThese configs need a model: {', '.join(report['needs_model'])}.\nBuild them with a server "
              f"or a vLLM model, e.g.:\n  script2rp build {inputs_arg} --out {options.out} --backend openai "
              f"--base-url http://127.0.0.1:8000/v1 --model NAME\n  script2rp build {inputs_arg} --out "
              f"{options.out} --backend vllm --model /path/to/model", file=out)

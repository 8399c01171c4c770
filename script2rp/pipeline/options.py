"""The build's options, declared once: each field of `BuildOptions` carries its flag, help and
default in its metadata, and the YAML key of `--config FILE` is the field's name. The command
line (`script2rp.commands.build`) and the config file are both made from this one declaration,
and flags win over the file.
"""

from __future__ import annotations

import argparse
import copy
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from script2rp.errors import OptionError
from script2rp.llm.formats import FORMATS
from script2rp.parse.cast import DEFAULT_MAIN_THRESHOLD

ENGINES = ("local", "ray")
CACHE_MODES = ("use", "refresh", "off")


def option(default: Any, help: str, *, flag: str | None = None, type: Any = None, choices: Any = None,
           metavar: str | None = None, show_default: bool = True, **argparse_kwargs: Any) -> Any:
    """A field that is also a command-line flag (`--field-name` unless `flag` says otherwise) and a
    YAML key (the field's name)."""
    meta = dict(help=help, flag=flag, type=type, choices=choices, metavar=metavar, show_default=show_default,
                argparse=argparse_kwargs)
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: copy.copy(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class BuildOptions:
    inputs: list[str] = field(default_factory=list)
    out: Path = Path("out")
    backend: str = option("none", "none: rule-based configs only; vllm, openai, llamacpp or replay for the rest "
                          "(or module:Class of a backend of your own)", metavar="NAME")
    model: str | None = option(None, "vllm: model directory or id; openai: served model name (default: the "
                               "server's only one); llamacpp: GGUF file (default: the embedded SmolLM2-135M-Instruct, "
                               "for trying the pipeline)", show_default=False)
    base_url: str | None = option(None, "openai: server URL up to /v1 (key from OPENAI_API_KEY)", metavar="URL")
    replay: str | None = option(None, "replay: JSONL of recorded answers", metavar="FILE")
    record: str | None = option(None, "append every answer to this JSONL (for --backend replay)", metavar="FILE")
    configs: list[str] | None = option(None, "comma-separated subset of the configs (default: all the backend "
                                       "can build)", type=lambda s: [c.strip() for c in s.split(",") if c.strip()],
                                       metavar="A,B", show_default=False)
    prompts: str | None = option(None, "folder of prompt YAML files replacing the built-in ones", metavar="DIR")
    workers: int = option(0, "parse processes (0: one per CPU)", type=int)
    max_scripts: int | None = option(None, "use only the first N screenplays", type=int, metavar="N")
    main_threshold: int = option(DEFAULT_MAIN_THRESHOLD, "dialogue blocks that make a main character", type=int)
    min_scene_lines: int | None = option(None, "merge shorter scenes into a neighbour", type=int, metavar="N")
    max_scene_chars: int = option(6000, "send longer scenes in parts, cut between elements", type=int)
    max_prompt_chars: int = option(8000, "budget for a character's lines in a card prompt", type=int)
    min_coverage: float = option(0.9, "share of dialogue blocks a transcript must keep", type=float)
    prompt_format: str | None = option(None, "how instructions are wrapped for the model (default: the backend's: "
                                       "chat on llamacpp, else mistrallite)", choices=FORMATS, show_default=False)
    shape: str | None = option(None, "size of cards and narration to ask for: compact (short strings, for small "
                               "models under a llama.cpp grammar) or cinematika (cinematika-v0.1's sizes) (default: the "
                               "backend's: compact on llamacpp, else cinematika)", choices=("compact", "cinematika"),
                               show_default=False)
    attempts: int = option(3, "asks per item before it is recorded as failed", type=int)
    structured: bool | None = option(None, "constrain answers to their JSON schema (default: on where the backend "
                                     "is known to support it: vllm, llamacpp)", show_default=False,
                                     action=argparse.BooleanOptionalAction)
    seed: int = option(0, "base sampling seed", type=int)
    temperature: float | None = option(None, "override every prompt's temperature", type=float, show_default=False)
    max_tokens: int | None = option(None, "answer length limit for every request (default: per prompt)", type=int,
                                    show_default=False)
    cache: str = option("use", "LLM answer cache", choices=CACHE_MODES)
    concurrency: int = option(32, "openai: requests in flight", type=int)
    timeout: float = option(600.0, "openai: seconds per attempt", type=float)
    max_retries: int = option(6, "openai: retries of a failed request (429, 5xx, timeouts, bad answers)", type=int)
    engine_options: dict[str, Any] = option({}, "backend option, e.g. dtype=bfloat16 or max_model_len=8192 "
                                            "(repeatable)", flag="--engine-opt", metavar="KEY=VALUE",
                                            action="append", show_default=False)
    engine: str = option("local", "local, or ray: the same build on a Ray cluster (pip install 'script2rp[ray]')",
                         choices=ENGINES)
    ray_address: str | None = option(None, "ray: 'auto' or HOST:PORT of a cluster (default: start one here)",
                                     show_default=False)
    replicas: int = option(1, "ray: engine replicas", type=int)
    gpus_per_replica: float = option(0, "ray: GPUs per replica (vllm: its tensor_parallel_size)", type=float)
    name: str | None = option(None, "dataset name for the card", show_default=False)
    quiet: bool = False
    command: str = ""  # the command line that made the build, for the dataset card


def parse_engine_opts(items: list[str]) -> dict[str, Any]:
    """`["dtype=bfloat16", "max_model_len=8192"]` -> {"dtype": "bfloat16", "max_model_len": 8192}."""
    options = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise OptionError(f"--engine-opt wants KEY=VALUE, got {item!r}")
        options[key.strip()] = yaml.safe_load(raw)  # numbers and booleans as such
    return options


def flags() -> list[tuple[str, dict]]:
    """(flag, argparse keyword arguments) for every option, defaults left unset so that a config
    file can fill them."""
    out = []
    for f in fields(BuildOptions):
        meta = f.metadata
        if "help" not in meta:
            continue
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        help_text = meta["help"] + (f" ({default})" if meta["show_default"] and default is not None else "")
        kwargs: dict[str, Any] = dict(dest=f.name, default=argparse.SUPPRESS, help=help_text, **meta["argparse"])
        for key in ("type", "choices", "metavar"):
            if meta[key] is not None:
                kwargs[key] = meta[key]
        out.append((meta["flag"] or "--" + f.name.replace("_", "-"), kwargs))
    return out


def from_sources(args: argparse.Namespace, config_file: Path | None) -> dict[str, Any]:
    """Option values from the YAML file, then from the flags given (they win)."""
    names = {f.name: f for f in fields(BuildOptions) if "help" in f.metadata}
    values: dict[str, Any] = {}
    if config_file is not None:
        try:
            loaded = yaml.safe_load(Path(config_file).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise OptionError(f"{config_file}: {' '.join(str(exc).split())[:200]}") from None
        if not isinstance(loaded, dict):
            raise OptionError(f"{config_file}: not a mapping of option: value")
        unknown = sorted(set(loaded) - set(names))
        if unknown:
            raise OptionError(f"{config_file}: unknown option {', '.join(unknown)}")
        values.update(loaded)
        if isinstance(values.get("configs"), str):
            values["configs"] = names["configs"].metadata["type"](values["configs"])
    for name in names:
        if hasattr(args, name):
            value = getattr(args, name)
            if name == "engine_options":  # the file's options, then each --engine-opt
                value = {**(values.get("engine_options") or {}), **parse_engine_opts(value)}
            values[name] = value
    return values

"""Prompt templates are data: one YAML file per task in `prompts/`, next to the code that fills it.

A template holds `version`, `system` (the shared instructions, sent first so prefix caching reuses
them), `template` (per-request text with `$name` placeholders: `string.Template`, because
character cards are full of literal `{{user}}` braces) and default sampling settings. The version
string, plus a digest of the file so that an edit without a version bump still counts, goes into
every row and, through the prompt text, into the LLM cache key.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template

import yaml


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    template: Template
    system: str = ""
    max_tokens: int = 512
    temperature: float = 0.7
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0

    def fill(self, **fields: object) -> str:
        return self.template.substitute({k: str(v) for k, v in fields.items()}).strip() + "\n"


_overrides: list[Path] = []


def use_prompt_dir(path: str | os.PathLike | None) -> None:
    """Read `<name>.yaml` from `path` where it exists, instead of the built-in prompt."""
    _overrides[:] = [Path(path)] if path else []
    load_prompt.cache_clear()


def stage_prompt(stage: str, structured: bool = False) -> Prompt:
    """A stage's prompt: `<stage>_json` asks for the JSON of constrained decoding."""
    return load_prompt(f"{stage}_json" if structured else stage)


@cache
def load_prompt(name: str) -> Prompt:
    custom = [d / f"{name}.yaml" for d in _overrides if (d / f"{name}.yaml").is_file()]
    if custom:
        raw = custom[0].read_bytes()
    else:
        raw = resources.files("script2rp.tasks").joinpath("prompts", f"{name}.yaml").read_bytes()
    data = yaml.safe_load(raw)
    digest = hashlib.sha256(raw).hexdigest()[:8]
    return Prompt(
        name=name,
        version=f"{name}/v{data['version']}-{digest}",
        template=Template(data["template"]),
        system=data.get("system", "").strip(),
        max_tokens=int(data.get("max_tokens", 512)),
        temperature=float(data.get("temperature", 0.7)),
        presence_penalty=float(data.get("presence_penalty", 0.0)),
        frequency_penalty=float(data.get("frequency_penalty", 0.0)),
    )

"""Prompt templates are data: one YAML file per task in `prompts/`, next to the code that fills it.

A template holds `version`, `system` (the shared instructions, sent first so prefix caching reuses
them), `template` (per-request text with `$name` placeholders: `string.Template`, because
character cards are full of literal `{{user}}` braces) and default sampling settings. The version
string, plus a digest of the file so that an edit without a version bump still counts, goes into
every row and, through the prompt text, into the LLM cache key.

`Prompts` is the set a build asks with: the built-in files, each replaced by a file of the same
name in the build's `--prompts DIR` where there is one.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
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


class Prompts:
    """The prompt files of one build; `override`: a folder whose `<name>.yaml` files win."""

    def __init__(self, override: str | os.PathLike | None = None):
        self.override = Path(override) if override else None
        self._loaded: dict[str, Prompt] = {}

    def load(self, name: str) -> Prompt:
        prompt = self._loaded.get(name)
        if prompt is None:
            prompt = self._loaded[name] = parse_prompt(name, self._read(name))
        return prompt

    def data(self, name: str) -> tuple[dict, str]:
        """A prompt file that is not a template (the instruction phrasings): its data and version."""
        raw = self._read(name)
        data = yaml.safe_load(raw)
        return data, f"{name}/v{data['version']}-{hashlib.sha256(raw).hexdigest()[:8]}"

    def _read(self, name: str) -> bytes:
        if self.override is not None and (self.override / f"{name}.yaml").is_file():
            return (self.override / f"{name}.yaml").read_bytes()
        return resources.files("script2rp.tasks").joinpath("prompts", f"{name}.yaml").read_bytes()


def parse_prompt(name: str, raw: bytes) -> Prompt:
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

"""What the engine needs from a backend, and what a backend says it can do.

A backend answers requests and streams the answers back as each finishes: streaming (rather than
returning a whole batch) is what lets the engine persist every answer the moment it exists, so a
crash or Ctrl-C loses at most the requests still in flight.

Each backend is one class in one module, listed in `registry.py`. Its `Capabilities` are class
data, readable without loading a model, so the build can refuse a combination that cannot work
(structured output on a backend without it, a backend that cannot run on Ray) before any work
starts. What the chat and the build need to know of a running model (context length, tokenizer,
chat template) are methods here, so no caller reaches into a backend's own objects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from .types import Request, Result

# Finish reasons that mean the backend gave up rather than answered.
FAILED_FINISH_REASONS = frozenset({"abort", "error"})
ENGINES = ("local", "ray")


@dataclass
class Outcome:
    """The answer (or error) for `requests[index]`, with what the backend spent on it."""

    index: int
    result: Result
    retries: int = 0
    cached_prompt_tokens: int | None = None  # prefix-cache hits, when the backend reports them


@dataclass(frozen=True)
class Capabilities:
    json_schema: bool = False  # constrains decoding to `SamplingParams.json_schema` when asked
    structured_by_default: bool = False  # ask for it unless told not to (known to be supported)
    distinct: bool = False  # enforces `SamplingParams.distinct` while decoding
    prompt_format: str = "mistrallite"  # the default prompt format (see formats.py)
    engines: tuple[str, ...] = ENGINES  # where it can run: this process, or replicas on Ray
    concurrent: bool = False  # `stream` may be called from several threads at once
    shape: str = "cinematika"  # the size of text to ask for (see script2rp.tasks.shapes)


@dataclass
class BackendConfig:
    """Everything a backend is built from; plain data, so it travels to Ray actors."""

    model: str | None = None  # a model directory, hub id, GGUF file or served model name
    base_url: str | None = None  # OpenAI-compatible servers
    replay: str | None = None  # a JSONL of recorded answers
    concurrency: int = 32  # requests in flight to a server
    timeout: float = 600.0  # seconds per attempt
    max_retries: int = 6
    options: dict[str, Any] = field(default_factory=dict)  # backend-specific (`--engine-opt`)


class Tokenizer(Protocol):
    def encode(self, text: str) -> list[int]: ...


class Backend:
    """Base class: a backend sets `name`, `capabilities`, `model` and implements `open`, `stream`."""

    name: ClassVar[str]  # the `--backend` name; also part of the cache key
    capabilities: ClassVar[Capabilities] = Capabilities()
    model: str  # part of the cache key

    @property
    def kind(self) -> str:
        return self.name

    @classmethod
    def check(cls, config: BackendConfig) -> None:
        """Refuse a config that cannot work, with a one-line `OptionError`, before any work starts."""

    @classmethod
    def open(cls, config: BackendConfig) -> Backend:
        raise NotImplementedError

    @classmethod
    def served_model(cls, config: BackendConfig) -> str:
        """The model name the cache keys use, without loading the model (see `Engine`)."""
        return config.model or ""

    def stream(self, requests: Sequence[Request], label: str = "") -> Iterator[list[Outcome]]:
        """Yield exactly one Outcome per request overall, in lists of those that finished since
        the last one; a failing request gives an Outcome with an error, never an exception.
        `label` says what the requests are for (a stage), for messages.

        Closing the iterator early (Ctrl-C) stops the work still outstanding.
        """
        raise NotImplementedError

    def context_length(self) -> int | None:
        """Tokens of prompt plus answer the model takes; None when unknown."""
        return None

    def tokenizer(self) -> Tokenizer | None:
        """The model's own tokenizer, when this process has it."""
        return None

    def chat_template(self) -> str | None:
        """The model's chat template (Jinja source), when known."""
        return None

    def recovered(self) -> list[tuple[str, Result]]:
        """Answers (cache key, result) this backend persisted where the engine's cache does not
        see them (a Ray replica's shard): the engine moves them into its cache on open and close."""
        return []

    def report(self) -> dict[str, Any]:
        """Extra figures for the build report (per-replica counters on Ray)."""
        return {}

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model!r})"

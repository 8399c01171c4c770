"""The request/result types every stage codes against, whatever backend answers them.

They are plain data so that they can be hashed into cache keys, written to JSONL recordings and
compared in tests; no backend object ever leaks out of `Engine.generate`.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass


@dataclass(frozen=True)
class SamplingParams:
    """How to sample. `max_tokens` has no default on purpose: vLLM's own default is 16 tokens."""

    max_tokens: int
    temperature: float = 0.7
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None
    n: int = 1
    json_schema: dict | None = None
    # OpenAI's penalties on tokens already in the answer (vLLM and llama.cpp have them too); they
    # keep small models from writing one phrase or one JSON key over and over.
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    # JSON keys whose string values must not repeat within one answer (a card's trait names). The
    # llamacpp backend enforces it while decoding; the others ignore it (the caller's validator
    # decides what a repeat means: a card drops it, and re-asks if too few traits are left).
    distinct: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.stop, str):
            raise TypeError("stop must be a sequence of strings, not a string")
        object.__setattr__(self, "stop", tuple(self.stop))
        if isinstance(self.distinct, str):
            raise TypeError("distinct must be a sequence of JSON keys, not a string")
        object.__setattr__(self, "distinct", tuple(self.distinct))
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if self.n < 1:
            raise ValueError(f"n must be >= 1, got {self.n}")


@dataclass
class Request:
    """One text prompt or one chat conversation. `tag` is caller metadata, not part of the key."""

    prompt: str | None = None
    messages: list[dict] | None = None
    _: KW_ONLY
    params: SamplingParams
    tag: str = ""

    def __post_init__(self) -> None:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("a Request needs exactly one of prompt or messages")


@dataclass
class Result:
    """The answer to one Request: `n` texts, or `error` set and no texts."""

    texts: list[str]
    finish_reasons: list[str]
    prompt_tokens: int
    completion_tokens: int
    error: str | None = None
    cached: bool = False

    @property
    def text(self) -> str:
        return self.texts[0] if self.texts else ""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def truncated(self) -> bool:
        """Cut by `max_tokens` (or the context length): retry with a larger limit if it matters."""
        return "length" in self.finish_reasons

    @classmethod
    def failed(cls, error: str) -> Result:
        return cls(texts=[], finish_reasons=[], prompt_tokens=0, completion_tokens=0, error=error)


@dataclass
class Stats:
    """Counters over an engine's lifetime. Tokens count answers from the backend, not cache hits."""

    requests: int = 0
    hits: int = 0  # answered from the cache
    misses: int = 0  # not in the cache (or cache off/refresh)
    calls: int = 0  # distinct requests sent to the backend (identical requests are sent once)
    retries: int = 0  # extra HTTP attempts
    failures: int = 0  # requests that ended with an error
    truncated: int = 0  # answers cut by the length limit (cached like any answer)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0  # prompt tokens served from the backend's prefix cache
    prefix_measured_tokens: int = 0  # prompt tokens of answers that reported prefix-cache use

    @property
    def prefix_cache_hit_rate(self) -> float | None:
        """Share of prompt tokens the backend served from its prefix cache; None when unknown."""
        if not self.prefix_measured_tokens:
            return None
        return self.cached_prompt_tokens / self.prefix_measured_tokens

    def summary(self) -> str:
        rate = self.prefix_cache_hit_rate
        prefix = "n/a" if rate is None else f"{rate:.1%}"
        return (
            f"{self.requests} requests: {self.hits} cached, {self.calls} sent, "
            f"{self.retries} retries, {self.failures} failed, {self.truncated} truncated; "
            f"tokens {self.prompt_tokens} in / {self.completion_tokens} out; "
            f"prefix cache {prefix}"
        )

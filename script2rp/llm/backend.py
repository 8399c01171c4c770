"""What the engine needs from a backend: answers streamed back as each request finishes.

Streaming (rather than returning a whole batch) is what lets the engine persist every answer the
moment it exists, so a crash or Ctrl-C loses at most the requests still in flight.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from .types import Request, Result

# Finish reasons that mean the backend gave up rather than answered.
FAILED_FINISH_REASONS = frozenset({"abort", "error"})


@dataclass
class Outcome:
    """The answer (or error) for `requests[index]`, with what the backend spent on it."""

    index: int
    result: Result
    retries: int = 0
    cached_prompt_tokens: int | None = None  # prefix-cache hits, when the backend reports them


class Backend(Protocol):
    kind: str  # part of the cache key: "vllm", "openai", "replay"
    model: str  # part of the cache key

    def stream(self, requests: Sequence[Request]) -> Iterator[list[Outcome]]:
        """Yield exactly one Outcome per request overall, in lists of those that finished since
        the last one; a failing request gives an Outcome with an error, never an exception.

        Closing the iterator early (Ctrl-C) stops the work still outstanding.
        """
        ...

    def close(self) -> None: ...

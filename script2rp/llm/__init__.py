"""LLM engine: batched, cached, resilient generation over vLLM, OpenAI-compatible servers or
recorded answers. See docs/llm.md."""

from .engine import BACKENDS, Engine, make_engine
from .formats import FORMATS, to_request
from .types import Request, Result, SamplingParams, Stats

__all__ = [
    "BACKENDS",
    "FORMATS",
    "Engine",
    "Request",
    "Result",
    "SamplingParams",
    "Stats",
    "make_engine",
    "to_request",
]

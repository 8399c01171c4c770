"""LLM engine: batched, cached, resilient generation over vLLM or llama.cpp in this process, an
OpenAI-compatible server, recorded answers, or replicas of any of them on Ray. See docs/llm.md."""

from .backend import Backend, BackendConfig, Capabilities, Outcome
from .engine import Engine, make_engine, open_engine
from .formats import FORMATS, to_request
from .registry import BACKENDS, backend_class
from .types import Request, Result, SamplingParams, Stats

__all__ = [
    "BACKENDS",
    "FORMATS",
    "Backend",
    "BackendConfig",
    "Capabilities",
    "Engine",
    "Outcome",
    "Request",
    "Result",
    "SamplingParams",
    "Stats",
    "backend_class",
    "make_engine",
    "open_engine",
    "to_request",
]

"""Fixtures for the LLM engine tests: a tiny vLLM model shared by the whole session (loading takes
most of a minute on CPU) and the fault-injecting HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from script2rp.llm import Engine, make_engine

from .fault_server import FaultServer
from .tiny_model import build_tiny_model

# vLLM options that fit a CPU machine (see the vllm-cpu note): the default memory share fails.
VLLM_CPU_OPTIONS = dict(
    dtype="float32", max_model_len=1024, enforce_eager=True, gpu_memory_utilization=0.2
)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers", reason="the tiny model needs transformers (with vllm)")
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def vllm_engine(tiny_model_dir: Path) -> Iterator[Engine]:
    """One in-process vLLM engine for the session, without a cache (tests add their own)."""
    pytest.importorskip("vllm", reason="install vLLM's CPU build: make install-vllm")
    engine = make_engine(
        "vllm", model=str(tiny_model_dir), cache_path=None, progress=False, **VLLM_CPU_OPTIONS
    )
    yield engine
    engine.close()


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer()
    yield server
    server.close()

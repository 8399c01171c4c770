"""The backends, by `--backend` name. A new backend is one module with one `Backend` subclass and
one line here; a backend kept outside this package is named by its import path
(`--backend mypackage.module:MyBackend`).

Backend modules import their heavy dependencies (vLLM, llama.cpp) only when a backend is opened,
so looking a class up here, and reading its capabilities, costs nothing.
"""

from __future__ import annotations

import importlib

from script2rp.errors import OptionError

from .backend import Backend

BUILTIN = {
    "vllm": "script2rp.llm.vllm_backend:VLLMBackend",
    "openai": "script2rp.llm.openai_compat:OpenAIBackend",
    "llamacpp": "script2rp.llm.llamacpp_backend:LlamaCppBackend",
    "replay": "script2rp.llm.replay:ReplayBackend",
}
BACKENDS = tuple(BUILTIN)


def backend_class(name: str) -> type[Backend]:
    """The class of a backend named on the command line; `OptionError` if there is none."""
    path = BUILTIN.get(name, name)
    module_name, sep, class_name = path.partition(":")
    if not sep:
        raise OptionError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)} (or module:Class)")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise OptionError(f"backend {name!r}: cannot import {path} ({exc})") from None
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise OptionError(f"backend {name!r}: {path} is not a script2rp.llm.Backend")
    return cls


def runs_on(engine: str) -> list[str]:
    """The built-in backends that can run on `engine` ("local" or "ray")."""
    return [name for name in BACKENDS if engine in backend_class(name).capabilities.engines]

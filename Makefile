# The two set-up commands of the README:
#   make run   installs Vigil and runs the demo on the embedded store (no external server, no internet)
#   make test  installs everything the tests need and runs them
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test install lint bench models

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV) || { echo 'python3 -m venv failed: on Debian run apt-get install python3-venv'; exit 1; }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(VENV)/bin/vigil demo

test:
	VENV=$(VENV) bash scripts/test.sh

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

bench: install
	$(PY) bench/store.py && $(PY) bench/crawl.py && $(PY) bench/nlp.py && $(PY) bench/secmon.py && $(PY) bench/api.py

models: install
	$(PY) scripts/train_models.py

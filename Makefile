# Two set-up commands on a fresh machine with Python 3.11+ and make: `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= syndicator.example.toml

.PHONY: run test demo lint check bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/syndicator --config $(CONFIG) db upgrade
	$(BIN)/syndicator --config $(CONFIG) run

demo: $(VENV)/.installed
	$(BIN)/syndicator demo

test: $(VENV)/.installed-test
	$(BIN)/pytest -q

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: lint test

# Every benchmark, each beside its floor, written into docs/benchmarks.md;
# `make bench BENCH_ARGS=--load` adds the 10-minute load test (docs/benchmarks.md).
bench: $(VENV)/.installed-test
	$(BIN)/python -m bench $(BENCH_ARGS)

# docs/config-reference.md, generated from syndicator/config.py (tests/test_configref.py).
docs: $(VENV)/.installed
	$(BIN)/python -m tools.configref --write

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache data

# The README's two commands: `make run` and `make test`. Everything else here is what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
YEARS ?= 2009-2018
SCALE ?= 0.05

# Issue-specific makefiles (dashboard, deploy, airflow) add their targets and test needs here.
TEST_NEEDS := $(VENV)/.installed
-include mk/*.mk

.PHONY: setup run test lint bench constraints clean

$(UV):
	$(PYTHON) -m pip install --quiet --user uv

$(VENV)/.installed: requirements/constraints.txt pyproject.toml | $(UV)
	$(UV) venv --quiet --allow-existing --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')" $(VENV)
	$(UV) pip install --quiet --python $(BIN)/python -c requirements/constraints.txt -r requirements/main.in
	touch $@

setup: $(VENV)/.installed

# The main job: the Airflow DAG once per year on sample data (generated if missing), then a summary.
run: setup
	$(BIN)/flightdelays airflow backfill --years $(YEARS) --scale $(SCALE)

test: $(TEST_NEEDS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadfile

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

# Speed and memory: figures go to bench/results/*.json and *.md (full-scale years are generated once;
# ten_years runs ten of them through `run`, `make run` and `make cluster`: ~10 min, 8 GB of CSV).
bench: setup
	$(BIN)/python -m bench.run_year
	$(BIN)/python -m bench.startup
	$(BIN)/python -m bench.detect
	$(BIN)/python -m bench.charts --raw .data/bench/raw-1.0
	$(BIN)/python -m bench.ten_years

constraints: | $(UV)
	$(UV) pip compile --quiet --no-header --python-version 3.11 requirements/main.in \
		| grep -v '^-e ' > requirements/constraints.txt

clean:
	rm -rf $(VENV) .data

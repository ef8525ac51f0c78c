# Two commands for a fresh machine: `make run` (one demo cycle) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: run test lint seed status airflow-standalone clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

## run: install, load the seed corpus and run one cycle over the configured feeds
run: $(VENV)/.runtime
	$(PY) -m pipeline run

## test: install test tools, lint, run the whole suite (slow end-to-end tests included)
test: $(VENV)/.dev
	bash scripts/install_test_deps.sh
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(VENV)/.dev
	$(BIN)/ruff check .

seed: $(VENV)/.runtime
	$(PY) -m pipeline seed

status: $(VENV)/.runtime
	$(PY) -m pipeline status

clean:
	rm -rf var .pytest_cache .ruff_cache

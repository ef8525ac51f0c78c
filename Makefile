# Two commands for a fresh machine: `make run` (one demo cycle) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: run test lint seed status bench bench-dedupe bench-scale bench-feeds bench-latency evaluate evaluate-stories faults clean

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

## bench: extraction speed against a naive full-parse baseline (prints a table)
bench: $(VENV)/.runtime
	$(PY) bench/bench_extract.py --articles 400 --repeat 2 --profile never

## bench-dedupe: dedupe insert/query latency and bytes per article at 10k/100k/1M in Postgres
bench-dedupe: $(VENV)/.runtime
	$(PY) bench/bench_dedupe.py

## bench-scale: ms per article (analyze + store) with 0, 10k and 100k articles stored in
## Postgres; BENCH_SCALE_ARGS=--million adds 1M (its loading takes about 30 minutes);
## then bench-feeds
bench-scale: $(VENV)/.dev
	$(PY) bench/bench_scale.py $(BENCH_SCALE_ARGS)
	$(PY) bench/bench_feeds.py $(BENCH_FEEDS_ARGS)

## bench-feeds: 1,000 unchanged feeds (loopback, 50 hosts) per cycle under a real Airflow
## stack and through the CLI, with peak worker memory (about 30 minutes; BENCH_FEEDS_ARGS)
bench-feeds: $(VENV)/.dev
	$(PY) bench/bench_feeds.py $(BENCH_FEEDS_ARGS)

## bench-latency: feed entry to Slack alert under a real Airflow stack (shipped settings),
## quiet and with broken feeds (faults); 7 entries each, about 14 minutes
bench-latency: $(VENV)/.dev
	$(PY) bench/bench_latency.py --scenario both --entries 7

## faults: the fault-injection matrix (feeds and Slack on loopback, processes killed;
## needs the local Postgres); FAULT_KILLS sets the random kill -9 rounds (default 20)
faults: $(VENV)/.dev
	FAULT_KILLS=$${FAULT_KILLS:-20} $(PY) -m tests.faults

## evaluate: scores on the development gold sets in ../shared/dev
evaluate: $(VENV)/.runtime
	DATABASE_URL=sqlite:///var/evaluate.sqlite3 $(PY) -m pipeline evaluate dedupe --gold ../shared/dev/dedupe
	DATABASE_URL=sqlite:///var/evaluate.sqlite3 $(PY) -m pipeline evaluate events --gold ../shared/dev/events.jsonl

## evaluate-stories: would sentence embeddings group same-event reports? (own venv, ~1.5 GB)
.venv-stories/.ready: bench/requirements-stories.txt
	$(PYTHON) -m venv .venv-stories
	.venv-stories/bin/pip install --quiet -r bench/requirements-stories.txt
	touch $@

evaluate-stories: .venv-stories/.ready
	.venv-stories/bin/python bench/eval_stories.py

seed: $(VENV)/.runtime
	$(PY) -m pipeline seed

status: $(VENV)/.runtime
	$(PY) -m pipeline status

clean:
	rm -rf var .pytest_cache .ruff_cache .venv-stories

# ParaReop: `make run` starts the app, `make test` runs the whole suite.
# Both work on a fresh machine: the `setup` stamp creates .venv, installs the project with
# its dev extras, and installs Java (for the HermiT reasoner) if it is missing.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.parareop-setup
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PORT   ?= 8501
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help setup run test lint bench release

help:
	@echo "make run      start the app on http://127.0.0.1:\$$PORT (default 8501)"
	@echo "make test     ruff + the whole pytest suite"
	@echo "make bench    run benchmarks/bench_*.py and print their figures"
	@echo "make lint     ruff only"
	@echo "make release  rebuild ontology/parareop.owl and parareop.nt"
	@echo "make setup    create .venv, install the project, install Java if missing"

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[dev]'
	@command -v java >/dev/null 2>&1 || { \
	  echo "java not found: installing default-jre-headless (HermiT needs it)"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends default-jre-headless; }
	@touch $@

run: setup
	@echo "ParaReop: http://127.0.0.1:$(PORT)"
	$(BIN)/streamlit run ui/app.py --server.address 127.0.0.1 --server.port $(PORT) \
	  --server.headless true --browser.gatherUsageStats false

# ruff and pytest both run (so one report shows every problem); either failing fails the target.
test: setup
	@lint=0; $(BIN)/ruff check . || lint=$$?; \
	 $(BIN)/pytest || exit $$?; \
	 exit $$lint

lint: setup
	$(BIN)/ruff check .

bench: setup
	@set -e; for bench in benchmarks/bench_*.py; do \
	  echo "== $$bench"; $(BIN)/python $$bench; done

release: setup
	$(BIN)/parareop ontology build

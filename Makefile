# ParaReop: `make run` starts the app, `make test` runs the whole suite.
# Both work on a fresh machine: the `setup` stamp creates .venv, installs the project with
# its dev extras, and installs Java (for the HermiT reasoner) if it is missing; the JDK and
# the OWL API (the OWL 2 DL profile check) and Chromium are installed by apt when missing.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.parareop-setup
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PORT   ?= 8501
ADDRESS ?= 127.0.0.1
CHROMIUM := /usr/bin/chromium
JAVAC  := /usr/bin/javac
OWLAPI := /usr/share/java/owlapi-api.jar
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help setup run test lint bench release postgresql

help:
	@echo "make run      start the app on http://\$$ADDRESS:\$$PORT (default 127.0.0.1:8501)"
	@echo "make test     ruff + mypy + the whole pytest suite"
	@echo "make bench    run benchmarks/bench_*.py and print their figures"
	@echo "make lint     ruff + mypy"
	@echo "make release  record today's version (ontology/releases.tsv), rebuild parareop.owl and .nt"
	@echo "make setup    create .venv, install the project, install Java, the OWL API, Chromium and PostgreSQL if missing"

setup: $(STAMP) $(CHROMIUM) $(JAVAC) $(OWLAPI) postgresql

# The meeting store's tests start a real PostgreSQL server (initdb + pg_ctl, Debian's binaries
# under /usr/lib/postgresql/<version>/bin; the version varies, hence a check, not a file target).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "postgresql not found: installing Debian's postgresql (the meeting store's tests start one)"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; }

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
$(CHROMIUM):
	@echo "chromium not found: installing Debian's chromium (the app's browser tests drive it)"
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-dejavu-core

# tests/test_owl_profile.py compiles ontology/tools/ProfileCheck.java with javac against
# Debian's OWL API (its jars and their dependencies land in /usr/share/java).
$(JAVAC):
	@echo "javac not found: installing default-jdk-headless (the OWL 2 DL profile check is compiled)"
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends default-jdk-headless

$(OWLAPI):
	@echo "OWL API not found: installing libowlapi-java (the OWL 2 DL profile check)"
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libowlapi-java

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[dev]'
	@command -v java >/dev/null 2>&1 || { \
	  echo "java not found: installing default-jre-headless (HermiT needs it)"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends default-jre-headless; }
	@touch $@

# ADDRESS=0.0.0.0 (or a host address) opens the app to the hospital network deliberately; the
# launcher (ui/meeting_access.py) then refuses to start unless the meeting record is read-only
# (PARAREOP_READONLY=1) or sign-in is configured (.streamlit/secrets.toml [auth], st.login).
run: setup
	@echo "ParaReop: http://$(ADDRESS):$(PORT)  (tumour-board screen: http://$(ADDRESS):$(PORT)/?display=board)"
	$(BIN)/python -m ui.meeting_access --address $(ADDRESS) --port $(PORT)

# ruff, mypy and pytest all run (so one report shows every problem); any failing fails the target.
# mypy is strict on the packages in TYPED ([tool.mypy] in pyproject.toml); its cache is .mypy_cache.
TYPED := planner kg clinical/meeting

test: setup
	@lint=0; $(BIN)/ruff check . || lint=$$?; \
	 $(BIN)/mypy $(TYPED) || lint=$$?; \
	 $(BIN)/pytest || exit $$?; \
	 exit $$lint

lint: setup
	@lint=0; $(BIN)/ruff check . || lint=$$?; \
	 $(BIN)/mypy $(TYPED) || lint=$$?; \
	 exit $$lint

bench: setup
	@set -e; for bench in benchmarks/bench_*.py; do \
	  echo "== $$bench"; $(BIN)/python $$bench; done

# A new dated version (today, UTC) in ontology/releases.tsv, stamped as owl:versionIRI /
# owl:versionInfo (owl:priorVersion the one before); a plain `parareop ontology build` keeps
# the last recorded version, so a clean clone rebuilds byte-identical files.
release: setup
	$(BIN)/parareop ontology build --new-version

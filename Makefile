# The two commands of the README, and the tools behind them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
RUN_APPLICATIONS ?= 300
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint typecheck unit integration bench bench-quick faults fuzz clean browser compose lock promtool
CHROMIUM := /usr/bin/chromium
PROMTOOL := /usr/bin/promtool

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Re-install only when the project's dependencies change.
## Installs are constrained to requirements.lock (the image's pins, `make lock`): the suite
## runs on the versions the image ships; the dev extras resolve around them.
$(VENV)/.installed: pyproject.toml requirements.lock | $(PY)
	$(PY) -m pip install --quiet -c requirements.lock -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements.lock | $(PY)
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@ $(VENV)/.installed

## make run: embedded SQLite store, a demo campaign, then the GraphQL server (projections and
## the deadline job in-process) at http://127.0.0.1:8000/graphql, with GraphiQL.
run: $(VENV)/.installed
	$(BIN)/bolashak db init
	$(BIN)/bolashak demo --applications $(RUN_APPLICATIONS)
	$(BIN)/bolashak dashboard --year 2023
	@echo "officer token (paste into GraphiQL's headers as {\"Authorization\": \"Bearer ...\"}):"
	@$(BIN)/bolashak token --role officer --user officer-1
	$(BIN)/bolashak serve

## make test: lint, types and the whole suite against the real services, on TEST_WORKERS
## worker processes (pytest-xdist; 0: one process). Most of the suite's time is spent
## waiting on servers, brokers and PostgreSQL, so two workers cut it by a third on two
## cores; every test makes its own databases, ports and folders. Tests are dealt one by one
## (xdist's default `load`): `loadfile` and `loadscope` merge the schemathesis tests, whose
## node ids repeat, into one.
TEST_WORKERS ?= 2
test: $(VENV)/.installed-dev lint typecheck browser compose promtool
	$(BIN)/pytest -n $(TEST_WORKERS)

## The audit export is checked in headless Chromium (Debian package); installed when missing.
browser:
	@test -x $(CHROMIUM) || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

## docker-compose.yml is checked by a real Compose implementation (`docker-compose config`,
## Debian's package; no Docker engine needed); installed when missing.
compose:
	@command -v docker-compose > /dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose; }

## make lock: the image's pinned dependencies (requirements.lock, used by the Dockerfile),
## compiled again from pyproject.toml; run it after changing the dependencies.
lock: $(VENV)/.installed-dev
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
	  --output-file requirements.lock pyproject.toml

## The alert rules and scrape config (ops/prometheus/) are checked with promtool (Debian's
## prometheus package); installed when missing.
promtool:
	@test -x $(PROMTOOL) || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; }

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

unit: $(VENV)/.installed-dev
	$(BIN)/pytest -m unit

integration: $(VENV)/.installed-dev
	$(BIN)/pytest -n $(TEST_WORKERS) -m integration

bench: $(VENV)/.installed-dev
	$(PY) -m bench

bench-quick: $(VENV)/.installed-dev
	BENCH_QUICK=1 $(PY) -m bench

## make faults: the long fault trials (issue 8; docs/reliability.md): 50 kills of each process,
## the 10,000-submission burst, PostgreSQL down 12 s, the broker down a minute.
FAULT_TRIALS ?= 50
faults: $(VENV)/.installed-dev
	FAULT_TRIALS=$(FAULT_TRIALS) BURST_SUBMISSIONS=10000 POSTGRES_DOWN_SECONDS=12 \
	BROKER_DOWN_SECONDS=60 RELAY_KILL_TRIALS=$(FAULT_TRIALS) BOLASHAK_CRASH_TRIALS=$(FAULT_TRIALS) \
	$(BIN)/pytest -s --timeout 3600 tests/faults tests/integration/test_projection_crashes.py \
	  tests/integration/test_kafka_faults.py \
	  "tests/integration/test_kafka_relay.py::test_broker_stopped_and_restarted_loses_nothing_and_the_relay_catches_up"

## make fuzz: the fuzzers with many more examples than make test runs.
FUZZ_EXAMPLES ?= 2000
fuzz: $(VENV)/.installed-dev
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest --timeout 3600 tests/fuzz \
	  tests/integration/test_bad_input_rules.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

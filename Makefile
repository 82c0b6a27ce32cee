# Two commands for a newcomer: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# `make run` installs only what running needs; `make test` adds the dev extras.
RUN_STAMP := $(VENV)/.run-stamp
DEV_STAMP := $(VENV)/.dev-stamp
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test

.PHONY: install install-dev run test lint typecheck pytest eval bench bench-e2e bench-replicas bench-followers format clean

install: $(RUN_STAMP)

install-dev: $(DEV_STAMP)

$(RUN_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $(RUN_STAMP)

$(DEV_STAMP): pyproject.toml $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(DEV_STAMP)

run: install
	$(BIN)/notifier run

lint: install-dev
	$(BIN)/ruff check notifier tests bench
	$(BIN)/ruff format --check notifier tests bench

typecheck: install-dev
	$(BIN)/mypy

# PostgreSQL tests run when the server answers; otherwise the suite reports them as skipped.
pytest: install-dev
	@if $(BIN)/python -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('127.0.0.1',5432)))" 2>/dev/null; then \
		echo "PostgreSQL answers on 127.0.0.1:5432: its tests will run"; \
		NOTIFIER_TEST_POSTGRES_URL="$${NOTIFIER_TEST_POSTGRES_URL:-$(PG_URL)}" $(BIN)/pytest; \
	else \
		echo "PostgreSQL does not answer on 127.0.0.1:5432: its tests will be skipped"; \
		$(BIN)/pytest; \
	fi

test: lint typecheck pytest

# Prints a table and, as its last line, one JSON object with the figures.
bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/e2e.py --quick

# The full end-to-end run through notifier run: 10,000 webhooks (SQLite, and PostgreSQL when
# NOTIFIER_TEST_POSTGRES_URL is set), 10,000 SMS at 100/s, 30 changes for latency (~4 min).
bench-e2e: install
	$(BIN)/python bench/e2e.py

# Three replicas on PostgreSQL (NOTIFIER_TEST_POSTGRES_URL); as root it also restarts the local
# cluster once mid-way (--no-restart-postgres to skip).
bench-replicas: install
	$(BIN)/python bench/replicas.py

# 100,000 followers in the YAML: check-config time, start-up time and the peak RSS of notifier
# run while one level change fans out to all of them (about 3 minutes).
bench-followers: install
	$(BIN)/python bench/followers.py

# Precision and recall of extraction on the labelled corpus (tests/corpus/labels.yaml).
eval: install
	$(BIN)/python -m notifier.extract.evaluate tests/corpus

format: install-dev
	$(BIN)/ruff format notifier tests bench
	$(BIN)/ruff check --fix notifier tests bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

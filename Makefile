# billing-reports: the everyday commands. Needs only Python 3.11+ (with venv and pip).
#
#   make demo           install, load the demo world into a fresh billing_reports.sqlite3, serve it
#                       with the console at /console/ (docs/console.md)
#   make test           install with the test extras, run the whole test suite
#   make test-postgres  the same suite on PostgreSQL (TEST_DATABASE_URL, see docs/architecture.md)
#   make lint           ruff (lint and format), mypy, and the import-layer contracts
#   make schema         write the GraphQL SDL to schema.graphql
#   make ci             what CI runs (.ci/run)
#   make install-clients  the Node clients of tests/clients (npm ci); make test does it when npm is there

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo's database is the command line's default (server/database.py's
# DEFAULT_DATABASE_URL), so every billing-reports command run without DATABASE_URL in
# this directory, from any shell, opens the demo (tests/cli/test_demo_database.py).
DEMO_DB := billing_reports.sqlite3
TEST_DATABASE_URL_PG ?= postgres://postgres@127.0.0.1:5432/billing_reports_test
CLIENTS_NODE := tests/clients/node

.PHONY: demo serve test test-postgres lint schema ci install install-test install-clients clean

# Stamps: reinstall only when pyproject.toml changes.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "billing-reports needs Python 3.11 or newer: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# tests/clients' Node packages (graphql-ws, ws), from the lock, again when the lock changes.
# Without npm, only a note: those tests then skip, saying what to install (they fail under CI).
$(CLIENTS_NODE)/node_modules/.package-lock.json: $(CLIENTS_NODE)/package-lock.json
	@if command -v npm >/dev/null; then \
		echo "cd $(CLIENTS_NODE) && npm ci"; cd $(CLIENTS_NODE) && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the graphql-ws client tests will skip (tests/clients/README.md)" >&2; fi

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
install-clients: $(CLIENTS_NODE)/node_modules/.package-lock.json

# The demo serves the console (docs/console.md) with a picker of demo.json's organizations:
# BILLING_REPORTS_CONSOLE_DEMO hands their tokens to loopback clients, never set in production.
demo: install
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	DATABASE_URL=sqlite://$(DEMO_DB) $(BIN)/billing-reports migrate
	DATABASE_URL=sqlite://$(DEMO_DB) $(BIN)/billing-reports demo --json > demo.json
	@cat demo.json; echo
	@echo "The demo world and its tokens are in demo.json. Serving http://$(HOST):$(PORT)/graphql (Ctrl-C stops)." >&2
	@echo "The console: open http://$(HOST):$(PORT)/console/ in a browser and pick an organization (docs/console.md)." >&2
	@echo "Try it from a second shell here: export PORT=$(PORT) && . .venv/bin/activate && . examples/demo-env.sh (README.md, \"Try it\")." >&2
	DATABASE_URL=sqlite://$(DEMO_DB) BILLING_REPORTS_CONSOLE=1 BILLING_REPORTS_CONSOLE_DEMO=demo.json $(BIN)/billing-reports serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/billing-reports serve --host $(HOST) --port $(PORT)

test: install-test install-clients
	$(BIN)/python -m pytest -q

test-postgres: install-test install-clients
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$(TEST_DATABASE_URL_PG)} $(BIN)/python -m pytest -q

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

schema: install
	$(BIN)/billing-reports export-schema --output schema.graphql

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) .pytest_cache .import_linter_cache .hypothesis *.egg-info $(CLIENTS_NODE)/node_modules
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm demo.json

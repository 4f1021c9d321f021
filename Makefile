# Consentry's everyday commands. Each one first makes sure .venv is ready
# (scripts/bootstrap: creates it, and reinstalls only when pyproject.toml changed).
#
#   make demo               the demo with its personas, on http://127.0.0.1:8000/login/
#   make test               the test suite (SQLite; DATABASE_URL=postgres://... for PostgreSQL)
#   make test PYTEST_ARGS="-k audit -x"
#   make lint               ruff check, ruff format --check, mypy
#   make migrations-check   fail if a model change has no migration
#   make worker             the background job worker (for a server you run yourself)
#   make clean              remove .venv and caches (keeps var/, where the database lives)

SHELL := /bin/bash
.DEFAULT_GOAL := help

BIN := .venv/bin
PYTEST_ARGS ?=
DEMO_ARGS ?=
WORKER_ARGS ?=

.PHONY: help bootstrap demo test lint migrations-check worker clean

help:
	@sed -n 's/^#   //p' Makefile

# Not a file target: the script itself decides, cheaply, whether there is work to do.
bootstrap:
	@bash scripts/bootstrap

demo: bootstrap
	CONSENTRY_DEMO=true $(BIN)/consentry demo $(DEMO_ARGS)

test: bootstrap
	$(BIN)/pytest $(PYTEST_ARGS)

# All three run even when one fails, so a single run shows every problem.
lint: bootstrap
	@status=0; \
	for command in "ruff check ." "ruff format --check ." "mypy consentry"; do \
		echo "$(BIN)/$$command"; \
		$(BIN)/$$command || status=1; \
	done; \
	exit $$status

# CONSENTRY_TESTING lets settings load without a secret key. Without a DATABASE_URL the
# check uses an in-memory database, so it neither needs nor touches var/.
migrations-check: bootstrap
	CONSENTRY_TESTING=1 DATABASE_URL="$${DATABASE_URL:-sqlite://:memory:}" \
		$(BIN)/consentry makemigrations --check --dry-run

# Uses your environment as it is: set CONSENTRY_SECRET_KEY (and DATABASE_URL) first.
worker: bootstrap
	$(BIN)/consentry worker $(WORKER_ARGS)

clean:
	rm -rf .venv build *.egg-info .mypy_cache .ruff_cache .pytest_cache
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +

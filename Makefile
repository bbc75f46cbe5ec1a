# civicloop — the two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/civicloop
PYTEST_ARGS ?=

.PHONY: install demo test lint-imports test-sqlite test-postgres services bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml package.json package-lock.json $(wildcard civicloop/locale/*/LC_MESSAGES/*.po)
	scripts/ensure-system-packages.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	npm ci --no-audit --no-fund --loglevel=error
	cd civicloop && ../$(BIN)/civicloop compilemessages
	touch $@

## make demo: install, migrate, seed the demo city 蒙自市, serve it on http://127.0.0.1:8000
demo: install
	$(BIN)/civicloop demo

## make test: install, check the layers (docs/architecture.md), run every test on SQLite and on PostgreSQL
test: install services lint-imports test-sqlite test-postgres

## lint-imports: every app imports only from the layers below its own (contracts in pyproject.toml)
lint-imports: install
	$(BIN)/lint-imports --no-cache

test-sqlite: install
	CIVICLOOP_ENV=test $(BIN)/pytest -n 2 $(PYTEST_ARGS)

test-postgres: install
	CIVICLOOP_ENV=test DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 $(PYTEST_ARGS)

## services: make sure the local PostgreSQL answers (starts the Debian cluster if it is down)
services:
	@scripts/ensure-services.sh

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) var build *.egg-info

# Two commands matter: `make run` and `make test`. Each builds .venv from the lockfile first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := -e shared -e services/identity -e services/registry -e services/credit -e services/whitelist \
	-e integrations/jasmin
STAMP := $(VENV)/.installed

.PHONY: run test test-postgres lint bench install clean

$(STAMP): requirements.lock shared/pyproject.toml $(wildcard services/*/pyproject.toml) \
	integrations/jasmin/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-build-isolation --no-deps $(PACKAGES)
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m porttrust_shared.stack

# pytest exits 5 when it collected nothing: a broken selection, never a pass.
PYTEST := $(BIN)/python -m pytest $(PYTEST_ARGS) || { rc=$$?; \
	[ $$rc -ne 5 ] || echo "pytest collected no tests (check PYTEST_ARGS and testpaths)" >&2; \
	exit $$rc; }

test: $(STAMP)
	$(PYTEST)

test-postgres: $(STAMP)
	PORTTRUST_TEST_POSTGRES_URL=$${PORTTRUST_TEST_POSTGRES_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres} \
		$(PYTEST)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy shared/src services/*/src integrations/jasmin/porttrust_jasmin

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

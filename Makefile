# Two commands matter: `make run` and `make test`. Each builds .venv from the lockfile first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# shared/dev (porttrust_dev: `make run`'s stack, the pytest plugin) and requirements-dev.lock are
# development only; the image (deploy/Dockerfile) installs requirements.lock and the rest.
PACKAGES := -e shared -e shared/dev -e services/identity -e services/registry -e services/credit \
	-e services/whitelist -e integrations/jasmin
STAMP := $(VENV)/.installed

.PHONY: run test test-postgres lint bench install clean

# registry's send-check modules are compiled by its build (services/registry/setup.py): a change
# to one of them rebuilds, so no test ever runs a stale compiled copy.
COMPILED := $(addprefix services/registry/src/,$(shell sed -n \
	's|^    "\(registry/.*\.py\)",$$|\1|p' services/registry/src/registry/compiled.py)) \
	$(wildcard services/registry/src/registry/service/send_check/*.c)

$(STAMP): requirements.lock requirements-dev.lock shared/pyproject.toml shared/dev/pyproject.toml \
	$(wildcard services/*/pyproject.toml) integrations/jasmin/pyproject.toml \
	services/registry/setup.py $(COMPILED)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.lock
	$(BIN)/python -m pip install -q --no-build-isolation --no-deps $(PACKAGES)
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m porttrust_dev.stack

# pytest exits 5 when it collected nothing: a broken selection, never a pass.
PYTEST := $(BIN)/python -m pytest $(PYTEST_ARGS) || { rc=$$?; \
	[ $$rc -ne 5 ] || echo "pytest collected no tests (check PYTEST_ARGS and testpaths)" >&2; \
	exit $$rc; }

# The database is PostgreSQL when one answers on 127.0.0.1:5432 (or PORTTRUST_TEST_POSTGRES_URL
# names one), else SQLite; PORTTRUST_TEST_DB=sqlite forces SQLite (porttrust_dev.databases).
test: $(STAMP)
	$(PYTEST)

test-postgres: $(STAMP)
	PORTTRUST_TEST_POSTGRES_URL=$${PORTTRUST_TEST_POSTGRES_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres} \
		$(PYTEST)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy shared/src shared/dev/src services/*/src integrations/jasmin/porttrust_jasmin

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache services/registry/build
	find services -name '*.so' -delete

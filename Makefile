# The README's two commands: `make demo` and `make test`. Both install from nothing.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install install-dev system-deps node-deps demo test test-fast lint format bench es-start es-stop clean

# Runtime dependencies only (what `make demo` needs); dev adds test and benchmark tools.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

# The openai npm package the proxy's Node test drives (node and npm come with the machine).
NODE_DIR := tests/proxy/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	npm ci --prefix $(NODE_DIR) --no-audit --no-fund
	touch $(NODE_STAMP)

node-deps: $(NODE_STAMP)

# Debian packages the tests use for real: Alertmanager, headless Chromium, faketime.
system-deps:
	bash scripts/system-deps.sh

demo: install
	$(BIN)/sentinel demo

es-start: install-dev
	bash scripts/es.sh start

es-stop:
	bash scripts/es.sh stop

# Starts the real services the tests need (Elasticsearch), runs every test, stops them.
test: install-dev system-deps node-deps es-start
	set -o pipefail; status=0; \
	SENTINEL_TEST_ES_URL=http://127.0.0.1:$${SENTINEL_ES_PORT:-9250} \
	  $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS) || status=$$?; \
	bash scripts/es.sh stop; exit $$status

lint: install-dev
	$(BIN)/ruff check sentinel tests benchmarks scripts
	$(BIN)/ruff format --check sentinel tests benchmarks scripts

format: install-dev
	$(BIN)/ruff format sentinel tests benchmarks scripts
	$(BIN)/ruff check --fix sentinel tests benchmarks scripts

bench: install-dev system-deps es-start
	status=0; for b in benchmarks/*.py; do echo "== $$b"; \
	  SENTINEL_TEST_ES_URL=http://127.0.0.1:$${SENTINEL_ES_PORT:-9250} $(BIN)/python $$b || status=1; done; \
	bash scripts/es.sh stop; exit $$status

clean:
	rm -rf $(VENV) .cache build *.egg-info $(NODE_DIR)/node_modules

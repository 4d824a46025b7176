# The README's two commands: `make demo` and `make test`. Both install from nothing.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install install-dev system-deps node-deps demo test test-fast lint format bench es-start es-stop clean \
	wheel otelcol cluster-start cluster-stop test-cluster

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

# The artifact users install: `python -m build` makes the sdist, then the wheel from it;
# the wheel goes into a fresh venv outside the checkout, where tests/wheel runs it.
DIST := .cache/dist
WHEEL_VENV ?= /tmp/sentinel-wheel-$(shell printf %s "$(CURDIR)" | md5sum | cut -c1-8)
export TEST_WHEEL_VENV := $(WHEEL_VENV)
export TEST_WHEEL_DIST := $(CURDIR)/$(DIST)

wheel: install-dev
	rm -rf $(DIST) && $(BIN)/python -m build --outdir $(DIST) . >/dev/null
	rm -rf $(WHEEL_VENV) && $(PY) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/pip install -q --disable-pip-version-check $(DIST)/*.whl

# A real OpenTelemetry Collector built from Go modules (cached in .cache/otelcol), which
# tests/deploy runs with deploy/otel-collector.yaml's pipelines and sends Sentinel's OTLP.
otelcol:
	bash scripts/otelcol.sh build

# A failed test runs again up to twice before it counts (pytest-rerunfailures): the fault and
# load tests time real servers on a 2-core machine; every rerun is printed as RERUN.
RERUNS ?= --reruns 2 --reruns-delay 1

# Three Elasticsearch nodes on loopback (HTTP 9280-9282) for tests/cluster.
cluster-start: install-dev
	bash scripts/es-cluster.sh start

cluster-stop:
	bash scripts/es-cluster.sh stop

test-cluster: cluster-start
	status=0; SENTINEL_TEST_CLUSTER=$$(bash scripts/es-cluster.sh urls) \
	  $(BIN)/pytest -p no:cacheprovider $(RERUNS) tests/cluster $(PYTEST_ARGS) || status=$$?; \
	bash scripts/es-cluster.sh stop; exit $$status

# Starts the real services the tests need (Elasticsearch), builds the wheel and the
# collector, runs every test, stops Elasticsearch; then the three-node cluster test, alone,
# so the single node and the cluster never hold memory at once.
test: install-dev system-deps node-deps otelcol wheel es-start
	set -o pipefail; status=0; \
	SENTINEL_TEST_ES_URL=http://127.0.0.1:$${SENTINEL_ES_PORT:-9250} \
	  $(BIN)/pytest -p no:cacheprovider $(RERUNS) --ignore=tests/cluster $(PYTEST_ARGS) || status=$$?; \
	bash scripts/es.sh stop; \
	$(MAKE) --no-print-directory test-cluster || status=$$?; exit $$status

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
	rm -rf $(VENV) .cache build *.egg-info $(NODE_DIR)/node_modules $(WHEEL_VENV)

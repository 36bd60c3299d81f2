# Every target creates .venv and installs the project on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# Test processes for `make test` (pytest-xdist): each test file runs whole in one of them, with its own local
# DynamoDB engine, Chromium and dev server on free ports. TEST_WORKERS=0 runs the suite in this process alone.
TEST_WORKERS ?= 2

.PHONY: install dev build test lint clean package bench

# package.json's pinned npm packages, where npm exists: Decap CMS (copied into /admin/ by the build),
# decap-server (the CMS's local backend under `make dev`) and axe-core (the browser tests'
# accessibility checks). Without npm the site builds without /admin/ and those tests skip (and fail
# under CI=true).
NODE_DEPS := $(if $(shell command -v npm 2>/dev/null),node_modules/.package-lock.json)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[site,backoffice,test]'
	touch $(STAMP)

install: $(STAMP)

build: $(STAMP) $(NODE_DEPS)
	$(BIN)/pelican content --settings pelicanconf.py --output output --delete-output-directory

# Serves the site, /api/*, the Stripe stand-in and the CMS at /admin/; rebuilds after each change in content/.
dev: build
	$(BIN)/python -m devtools.devserver --port $(PORT) --content content

test: lint $(NODE_DEPS)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# Lint, format and types (configured in pyproject.toml); `make test` runs this first.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --silent

# The booking function's Lambda bundle: dist/booking-function/ (SAM's CodeUri) and its zip.
package: $(STAMP)
	$(BIN)/python devtools/deploy/package.py

# Benchmarks (issue 6), about 10 minutes; BENCH_QUICK=1 make bench is a fast smoke run. Results: BENCHMARKS.md.
bench: $(STAMP) devtools/bench/node_modules/.package-lock.json
	$(BIN)/python -m devtools.bench.run

devtools/bench/node_modules/.package-lock.json: devtools/bench/package-lock.json
	cd devtools/bench && npm ci --no-audit --no-fund --silent

clean:
	rm -rf output dist .pytest_cache .hypothesis .mypy_cache .ruff_cache

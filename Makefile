# The two commands the README documents:
#   make lab    install into .venv and launch JupyterLab with ML Studio on examples/
#   make test   install everything tests need, then lint, type-check and run all tests
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
WHEEL_VENV := .venv-wheel
PORT ?= 8888
# Jupyter refuses to run as root unless told to (containers, CI machines).
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)
# jlpm (yarn 3) uses the same package registry as npm on this machine.
export YARN_NPM_REGISTRY_SERVER ?= $(shell npm config get registry 2>/dev/null)
export PATH := $(BIN):$(PATH)

STAMP_PY := $(VENV)/.stamp-python
STAMP_JS := node_modules/.stamp-js
STAMP_BUILD := jupyter_mlstudio/labextension/.stamp-build
TS_SOURCES := $(shell find src style schema -type f 2>/dev/null) package.json tsconfig.json

.PHONY: help lab test install build lint typecheck test-js test-python test-ui check-install api \
        browser java clean

help:
	@echo "make lab   - launch JupyterLab with ML Studio (examples/ as the working folder)"
	@echo "make test  - install test dependencies and run lint, type checks and every test"
	@echo "make api   - regenerate openapi.json and the TypeScript wire types"

# -- installation ----------------------------------------------------------------------
QUIETLY := scripts/quietly.sh
LOGS := $(VENV)/logs

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV)
	@$(QUIETLY) "Upgrading pip" $(LOGS)/pip.log $(BIN)/python -m pip install --upgrade pip

$(STAMP_PY): $(BIN)/python pyproject.toml
	@$(QUIETLY) "Installing JupyterLab and the build tools" $(LOGS)/build-tools.log \
		$(BIN)/pip install "jupyterlab>=4.6,<5" "jupyter_builder>=1.3" \
		"hatchling>=1.21" "hatch-jupyter-builder>=0.10" "hatch-nodejs-version>=0.3.2" editables \
		"setuptools>=70.1" wheel
	@touch $@

$(STAMP_JS): $(STAMP_PY) package.json yarn.lock .yarnrc.yml
	@$(QUIETLY) "Installing the JavaScript packages" $(LOGS)/jlpm-install.log \
		$(BIN)/jlpm install --immutable
	@touch $@

$(STAMP_BUILD): $(STAMP_JS) $(TS_SOURCES)
	@$(QUIETLY) "Building the JupyterLab extension" $(LOGS)/jlpm-build.log $(BIN)/jlpm build:prod
	@touch $@

build: $(STAMP_BUILD)

# Editable install: the labextension is built above, so the pip hook skips npm.
install: $(STAMP_BUILD)
	@$(QUIETLY) "Installing jupyter-mlstudio and its test tools" $(LOGS)/pip-install.log \
		env HATCH_JUPYTER_BUILDER_SKIP_NPM=1 $(BIN)/pip install --no-build-isolation -e ".[test]"
	@$(QUIETLY) "Linking the extension into JupyterLab" $(LOGS)/develop.log \
		$(BIN)/jupyter-builder develop --overwrite .

# -- the two commands -------------------------------------------------------------------
# JupyterLab logs warnings only (LAB_LOG_LEVEL=INFO for more), so the last thing it
# prints is where to open it.
LAB_LOG_LEVEL ?= WARN
lab: install
	@echo "Starting JupyterLab with ML Studio on examples/ (Control-C stops it)."
	@cd examples && $(BIN)/jupyter lab --ServerApp.port=$(PORT) \
		--Application.log_level=$(LAB_LOG_LEVEL) $(LAB_ARGS)

# The wheel check (mostly pip unpacking and a lab's browser check) runs beside the
# browser tests, each target's output printed whole when it ends.
test: install lint typecheck test-js test-python browser
	$(MAKE) -j2 --output-sync=target check-install test-ui
	@echo "make test: all checks passed"

# -- checks ----------------------------------------------------------------------------
lint:
	$(BIN)/ruff check jupyter_mlstudio tests ui-tests benchmarks scripts
	$(BIN)/ruff format --check jupyter_mlstudio tests ui-tests benchmarks scripts
	$(BIN)/jlpm lint:check

typecheck:
	$(BIN)/mypy
	$(BIN)/jlpm typecheck

# Unit tests of the stateful frontend models (node's test runner, no browser).
test-js: install
	$(BIN)/jlpm test

# Core and handler tests; the store contract suite runs on SQLite and on a throwaway
# PostgreSQL server. The tests are independent (each its own home folder, free ports,
# its own PostgreSQL database per xdist worker), so they run on every core; a module's
# tests stay on one worker, as they share module-scoped fixtures.
PYTEST_WORKERS ?= auto
test-python: java
	scripts/with_postgres.sh scripts/with_redis.sh $(BIN)/python -m pytest tests -p no:playwright -n $(PYTEST_WORKERS) --dist loadfile \
		--durations=15

# A plain `pip install` of the wheel into a clean venv must show both extensions OK.
check-install: $(STAMP_BUILD) browser
	rm -rf dist $(WHEEL_VENV)
	$(BIN)/pip wheel --quiet --no-deps --no-build-isolation -w dist .
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/pip install --quiet dist/jupyter_mlstudio-*.whl "jupyterlab>=4.6,<5"
	$(WHEEL_VENV)/bin/jupyter labextension list 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tee $(WHEEL_VENV)/labext.txt
	grep -E "jupyter-mlstudio .*enabled.*OK" $(WHEEL_VENV)/labext.txt
	$(WHEEL_VENV)/bin/jupyter server extension list 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tee $(WHEEL_VENV)/serverext.txt
	grep -E "jupyter_mlstudio enabled" $(WHEEL_VENV)/serverext.txt
	grep -E "jupyter_mlstudio [0-9.]+ OK" $(WHEEL_VENV)/serverext.txt
	$(WHEEL_VENV)/bin/jupyter mlstudio db current --store-uri "sqlite:///$(abspath $(WHEEL_VENV))/check.db"
	$(WHEEL_VENV)/bin/python scripts/browser_check.py

# Debian's chromium: the browser tests drive it through Playwright.
browser:
	@command -v chromium >/dev/null || { \
		echo "installing Debian's chromium"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# A Java runtime for PySpark's local Spark (the PySpark export's exactness tests).
java:
	@command -v java >/dev/null || { \
		echo "installing Debian's Java runtime"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

# Two modules at a time: much of a browser test is waiting for a lab or a job, so two
# overlap on two cores; a module's tests stay on one worker (they share its lab).
UI_WORKERS ?= 2
test-ui: install browser
	$(BIN)/python -m pytest ui-tests -n $(UI_WORKERS) --dist loadfile --durations=10

api: $(STAMP_JS)
	$(BIN)/python -m jupyter_mlstudio.api.openapi
	$(BIN)/jlpm generate:api

clean:
	rm -rf $(VENV) $(WHEEL_VENV) dist node_modules lib jupyter_mlstudio/labextension tsconfig.tsbuildinfo

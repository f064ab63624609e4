# wagerflow developer entry points. `make demo` and `make test` do all set-up themselves.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup system-deps demo test lint typecheck pytest dev-up dev-down clean bench-e2e

setup: system-deps $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# The system packages the services need, from Debian when missing: redis-server (the embedded
# Redis), a Java runtime and Maven (to fetch and run Kafka's jars), and Chromium with its driver
# (the risk board's browser tests), and promtool (package prometheus: the alert rules' tests).
APT_PACKAGES := $(if $(shell command -v redis-server),,redis-server) \
	$(if $(shell command -v java),,openjdk-17-jre-headless) \
	$(if $(shell command -v mvn),,maven) \
	$(if $(shell command -v chromium),,chromium) \
	$(if $(shell command -v chromedriver),,chromium-driver) \
	$(if $(shell command -v promtool),,prometheus)

system-deps:
	@if [ -n "$(strip $(APT_PACKAGES))" ]; then \
	  echo "installing $(strip $(APT_PACKAGES)) (Debian packages)…"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

demo: setup
	$(BIN)/wagerflow demo

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest

test: lint typecheck pytest

dev-up: setup
	$(BIN)/wagerflow dev up

dev-down: setup
	$(BIN)/wagerflow dev down

clean:
	-$(BIN)/wagerflow dev down
	rm -rf .wagerflow $(VENV)

# The end-to-end benchmark (bench/e2e.py): its peer engine and chart need the `bench` extra.
# Quix Streams pins confluent-kafka < 2.13, so this installs 2.12.x into the venv.
bench-e2e: setup
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python -m bench.e2e --quick

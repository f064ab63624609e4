# wagerflow developer entry points. `make demo` and `make test` do all set-up themselves.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup system-deps demo test lint typecheck pytest dev-up dev-down clean

setup: system-deps $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# redis-server (Debian) for the embedded Redis; Java 17 + Maven fetch and run Kafka.
system-deps:
	@command -v redis-server >/dev/null || { \
	  echo "installing redis-server (Debian package)…"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq redis-server >/dev/null; }
	@command -v java >/dev/null || { echo "Java 17+ is required (apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v mvn >/dev/null || { echo "Maven is required to fetch Kafka's jars (apt-get install maven)"; exit 1; }

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

# Two entry points set up everything on a fresh machine:
#   make verify   the main job: every verification stage (aura-verify)
#   make test     lint, type-check and the test suite
# Both create .venv and install the pinned dependencies (constraints.txt) on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared
PYTEST_WORKERS ?= 2

.PHONY: verify verify-deep test lint typecheck unit test-slow bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==24.3.1
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# VERIFY_FLAGS passes options on, e.g. VERIFY_FLAGS=--strict (fail on a SKIPPED
# stage) or VERIFY_FLAGS="--out DIR"; docs/ci.md.
VERIFY_FLAGS ?=

verify: $(STAMP)
	$(BIN)/aura-verify $(VERIFY_FLAGS)

# Nightly: larger bounds, a random seed (printed), Hypothesis's example database
# kept in build/verify/hypothesis.
verify-deep: $(STAMP)
	$(BIN)/aura-verify --profile deep $(VERIFY_FLAGS)

lint: $(STAMP)
	$(BIN)/ruff check impl model conformance cli net tests bench
	$(BIN)/ruff format --check impl model conformance cli net tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not slow"

test: lint typecheck unit

# Includes the differential tests against TLC (a few hundred generated cases;
# SKIPPED with the reason when java or ../shared/tools/tla/tla2tools.jar is absent).
test-slow: $(STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m slow

# Speed and memory figures, measured side by side in one run (see bench/README.md).
bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

# Two commands set everything up from a bare clone: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ARGS   ?=

.PHONY: run test test-snapshot-update lint validate bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "quizapp needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstall only when the project's metadata changes; code changes are live (editable install).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-lint: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[lint]'
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/quizapp $(ARGS)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(ARGS)

# The quality gates CI runs before the tests: lint rules, formatting, types, import contracts.
lint: $(VENV)/.installed-lint
	$(BIN)/ruff check quizapp sims tests benchmarks
	$(BIN)/ruff format --check quizapp sims tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# After a deliberate change to the look: rewrite the SVGs under tests/__snapshots__/, then read the diff.
test-snapshot-update: $(VENV)/.installed-test
	$(BIN)/python -m pytest tests/test_snapshots.py tests/test_snapshots_light.py --snapshot-update

validate: $(VENV)/.installed
	$(BIN)/quizapp validate question_bank

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/sims.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/keypress.py
	$(BIN)/python benchmarks/bank_10k.py
	$(BIN)/python benchmarks/learner_month.py

clean:
	rm -rf $(VENV) build dist .pytest_cache

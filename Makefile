# One task runner for the few verbs people use. Each target sets up what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := .demo

.PHONY: setup demo test test-fast lint format golden docs bench accuracy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-tool: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints/test.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints/test.txt -e '.[dev,runtime]'
	touch $(VENV)/.installed-tool $@

setup: $(VENV)/.installed-dev ## Create .venv with the tool, the test tools and torch (CPU)

demo: $(VENV)/.installed-tool ## Build the sample repo, audit its whole history, print its changelog
	rm -rf $(DEMO)
	$(BIN)/python -m sample_repos.build mini_sovits $(DEMO)/mini_sovits
	$(BIN)/model-audit scan $(DEMO)/mini_sovits --no-cache
	$(BIN)/model-audit changelog $(DEMO)/mini_sovits --no-cache --all-tags

lint: setup ## ruff (lint and format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml examples/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-actions action.yml

test: lint ## lint, then the whole test suite (what CI runs; several minutes)
	$(BIN)/pytest -q

test-fast: setup ## The inner loop: every test but the torch and bisect ones, on every core, no lint
	$(BIN)/pytest -q -n auto -m "not torch and not bisect"

format: setup ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

golden: setup ## Regenerate the renderers' golden files after an intended change
	MODEL_AUDIT_UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/render tests/changelog tests/fork/test_report_text.py

docs: setup ## Regenerate docs/rules.md from the rule catalogue
	$(BIN)/model-audit rules --format markdown -o docs/rules.md

bench: setup ## Benchmarks: cold and warm scans of a generated 1000-commit history
	$(BIN)/python benchmarks/scan_speed.py

accuracy: setup ## Score scans of real histories against the labelled corpus (MIRRORS=dir of clones)
	$(BIN)/python benchmarks/accuracy.py benchmarks/corpus --mirrors $(or $(MIRRORS),.mirrors) --model-audit $(BIN)/model-audit --json .bench/accuracy.json

clean:
	rm -rf $(VENV) $(DEMO) .bench .pytest_cache .mypy_cache .ruff_cache

# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test check install install-dev translations test-system-deps bench load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

# Compiled catalogues (.mo) are build products: made at install, never committed.
translations: | $(BIN)/python
	@if [ -d app/translations ]; then $(BIN)/pybabel compile -d app/translations; fi

# After adding or changing UI strings: refresh the template and merge it into the French
# catalogue, then translate the new empty msgstr entries (tests/app/test_i18n.py checks).
.PHONY: messages
messages: | $(BIN)/python
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --project lipvote --copyright-holder lipvote -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

run: install
	$(BIN)/lipvote db upgrade
	$(BIN)/lipvote demo --if-empty
	PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# System packages the tests drive for real (chromium, fonts, PostgreSQL) and axe-core.
test-system-deps:
	bash .ci/install-test-deps

test: install-dev test-system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fast tier for the edit-test loop: no browser, no PostgreSQL, no gunicorn, every hypothesis
# property at a small example count (tests/conftest.py), on every CPU (pytest-xdist).
# CI runs `make test`.
# Bytecode caches are kept even where PYTHONDONTWRITEBYTECODE is set (git ignores them): a run
# then skips compiling every module and pytest's rewriting of every test's asserts.
check: install-dev
	env -u PYTHONDONTWRITEBYTECODE LIPVOTE_HYPOTHESIS=check $(BIN)/python -m pytest -q -p no:playwright -n auto -m "not browser and not slow and not site" --ignore=tests/browser $(PYTEST_ARGS)

# Speed and memory, side by side with the baselines; results go in docs/benchmarks.md.
bench: install-dev
	$(BIN)/python bench/bench_tally.py
	$(BIN)/python bench/bench_ballots.py
	$(BIN)/python bench/bench_power.py

# The live-meeting load and crash bench on SQLite and PostgreSQL side by side (bench/load.py
# --help); about 10 minutes. Results and the goals they are measured against: docs/benchmarks.md.
LOAD_ARGS ?= --sign-ins 80 --delegates 50 --seconds 30
load: install-dev test-system-deps
	$(BIN)/python bench/load.py $(LOAD_ARGS)
	$(BIN)/python bench/load.py $(LOAD_ARGS) --crash

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache tests/artifacts

# Two commands are the contract: `make run` and `make test`. A fresh machine with Python 3.11 needs nothing else.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo serve browser clean audit

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	DEBUG=true $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=true $(PY) manage.py seed_demo

run: demo
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

# lint-imports checks the layers (pyproject.toml [tool.importlinter], docs/architecture.md).
# Browser tests use Debian's chromium; they are skipped (and say so) where none is installed.
test: install audit
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

# Security audit: bandit over our code (config and exclusions in pyproject.toml; it fails the build on
# any finding), then pip-audit over the installed packages where the vulnerability database is
# reachable (.ci/pip_audit.py says plainly when it is not, and fails only on a known vulnerability).
audit: install
	$(PY) -m bandit -c pyproject.toml -r . -q && echo "bandit: no issues"
	$(PY) .ci/pip_audit.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache

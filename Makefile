# Two commands are the contract: `make run` and `make test`. A fresh machine with Python 3.11 needs nothing else.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test checks pytest install migrate demo serve browser clean audit bench soak browser-repeat

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
test: checks pytest

# The checks that do not depend on the database (.ci/run runs them once, then pytest on both databases).
checks: install audit
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

pytest: install
	$(PY) -m pytest $(PYTEST_ARGS)

# Security audit: bandit over our code (config and exclusions in pyproject.toml; it fails the build on
# any finding), then pip-audit over the installed packages where the vulnerability database is
# reachable (.ci/pip_audit.py says plainly when it is not, and fails only on a known vulnerability).
audit: install
	$(PY) -m bandit -c pyproject.toml -r . -q && echo "bandit: no issues"
	$(PY) .ci/pip_audit.py

# The load benchmark on PostgreSQL (BENCHMARKS.md): seed (SCALE=tiny|small|full), gunicorn with production
# settings (WORKERS), locust with signed-in clients, one table, then the money and the numbers verified.
# The database is created when missing.
BENCH_DATABASE_URL ?= postgres://$(shell id -un)@127.0.0.1:5432/procurement_bench
SCALE ?= full
WORKERS ?= 2
THREADS ?= 4
bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) DEBUG=true $(PY) manage.py bench --scale $(SCALE) --workers $(WORKERS) --threads $(THREADS) $(BENCH_ARGS)

# Ten minutes of mixed month-end traffic at 8 clients: zero 5xx and no overspend expected.
soak: install
	DATABASE_URL=$(BENCH_DATABASE_URL) DEBUG=true $(PY) manage.py bench --scale $(SCALE) --workers $(WORKERS) --threads $(THREADS) --soak 600 $(BENCH_ARGS)

# The browser tests RUNS times in a row (issue 11: 20 runs under CPU load), stopping at the first failure;
# each run's load average is printed, so the note can say how loaded the machine was.
RUNS ?= 20
browser-repeat: install
	for i in $$(seq 1 $(RUNS)); do echo "run $$i, load $$(cut -d' ' -f1-3 /proc/loadavg)"; \
	  $(PY) -m pytest -m browser -q -p no:cacheprovider || exit 1; done

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache

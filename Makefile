# Quick start: `make run` serves the demo at http://127.0.0.1:8000, `make test`
# runs the whole suite. Both create the virtual environment when needed.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_CUSTOMERS ?= 2000
HOST ?= 127.0.0.1:8000
PYTEST_ARGS ?=

# The quick start and the test suite are development: DEBUG on unless the
# caller says otherwise.
export DEBUG ?= true

.PHONY: run test lint smoke worker beat bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --customers $(DEMO_CUSTOMERS) --seed 42 --if-empty
	@$(MAKE) --no-print-directory var/.demo-figures
	@echo "Starting the background worker (jobs run outside the web request)."
	@$(PY) -m celery -A mis worker --beat --pool=solo --loglevel=WARNING \
		--schedule var/celerybeat-schedule & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	echo "MIS is at http://$(HOST)/  (Ctrl+C stops the server and the worker)"; \
	$(PY) manage.py runserver $(HOST)

# Once, after the demo set is loaded: what the nightly jobs would have made by
# morning (buying patterns, quality and duplicate sweeps, redundant-record
# proposals, a worked insight strategy, today's metric snapshot), so that
# every page has something to show.
var/.demo-figures:
	@echo "Preparing the demo's figures (about half a minute, once)."
	$(PY) manage.py refresh_metrics
	$(PY) manage.py sweep_quality
	$(PY) manage.py sweep_duplicates
	$(PY) manage.py sweep_redundant
	$(PY) manage.py seed_insight_demo
	$(PY) manage.py snapshot_metrics
	touch $@

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The quick start's path on a throw-away SQLite database: migrate, seed a small
# demo set, fetch the home page as a demo user.
smoke: $(VENV)/.installed
	rm -f var/smoke.sqlite3
	DATABASE_URL=sqlite:///var/smoke.sqlite3 $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=sqlite:///var/smoke.sqlite3 $(PY) manage.py seed_demo --customers 200 --seed 7
	DATABASE_URL=sqlite:///var/smoke.sqlite3 $(PY) manage.py refresh_metrics -v0
	DATABASE_URL=sqlite:///var/smoke.sqlite3 $(PY) manage.py sweep_quality -v0
	DATABASE_URL=sqlite:///var/smoke.sqlite3 $(PY) manage.py snapshot_metrics -v0
	DATABASE_URL=sqlite:///var/smoke.sqlite3 $(PY) manage.py smoke_check

worker: $(VENV)/.installed
	$(PY) -m celery -A mis worker --loglevel=INFO

beat: $(VENV)/.installed
	$(PY) -m celery -A mis beat --loglevel=INFO --schedule var/celerybeat-schedule

bench: $(VENV)/.installed
	$(PY) benchmarks/customer_list.py

clean:
	rm -rf $(VENV) var

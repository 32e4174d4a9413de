# AgendaZap tasks. `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: run test lint format migrate worker beat bench install install-dev messages compose-check clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(PY) requirements.txt
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Install, migrate, create the demo business (its login is printed) and serve on http://$(HOST):$(PORT)
run: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: install migrate
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo
	@# Without Redis there is no celery-beat: a loop beside the server hands due messages over.
	trap 'kill 0' EXIT INT TERM; \
	$(PY) manage.py dispatch_messages --every 30 & \
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

## Run the test suite (SQLite without Redis by default; set DATABASE_URL / REDIS_URL for the real services)
test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: install-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

migrate: install
	$(PY) manage.py migrate --noinput

worker: install
	$(VENV)/bin/celery -A agendazap worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A agendazap beat --loglevel=INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler

## Measure the hot paths against the floor on scratch PostgreSQL/Redis, rewrite bench/RESULTS.md (BENCH_ARGS: sizes, durations)
bench: install-dev
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(PY) bench/run.py $(BENCH_ARGS)

## Regenerate the pt-BR catalogue after changing translatable strings
messages: install-dev
	$(PY) manage.py makemessages --locale pt_BR --ignore '.venv/*' --ignore 'staticfiles/*'
	$(PY) manage.py compilemessages --locale pt_BR --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

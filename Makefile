# calsreg — the two commands: `make demo` (start with demo data) and `make test` (run the tests).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export PYTHONDONTWRITEBYTECODE := 1
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PY := $(UV) run --frozen python
HOST ?= 127.0.0.1
PORT ?= 8000
SERVICE_PORT ?= 8001
# With debug off the app refuses to start without CALSREG_SECRET_KEY: what runs from here (demo,
# checks, benchmarks) signs with a random key made once per checkout in var/secret-key (not
# committed), unless the environment sets one.
ifndef CALSREG_SECRET_KEY
export CALSREG_SECRET_KEY := $(shell test -s var/secret-key || { mkdir -p var && umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret-key; }; cat var/secret-key)
endif

.PHONY: help uv install demo demo-data serve migrate worker test test-sqlite test-postgres check lint format types imports bench messages screenshots

help:
	@echo "make demo   start the system with demo data on http://$(HOST):$(PORT)"
	@echo "            and the demo information-sharing service on http://$(HOST):$(SERVICE_PORT)"
	@echo "make test   run the test suite (SQLite, then PostgreSQL if DATABASE_URL_POSTGRES is set)"
	@echo "make check  lint, format check, types, import contracts, Django checks, migrations, tests"
	@echo "make bench  the performance targets table: ratios, goals, met (bench/README.md)"
	@echo "make serve  run web (gunicorn) + task workers the production way (docs/deploy.md)"

uv:
	@command -v uv >/dev/null 2>&1 || test -x "$(HOME)/.local/bin/uv" || python3 -m pip install --user --quiet uv

install: uv
	$(UV) sync --frozen --quiet

# The demo's OpenID Connect provider signs with a key made once per checkout (never for production).
demo: export CALSREG_OIDC_PRIVATE_KEY ?= $(CURDIR)/var/oidc-demo-key.pem
# The demo information-sharing service (demo_service/) on its own port: start-of-use notices link
# there, and its webhook is plain http on this machine.
demo: export CALSREG_SERVICE_URL ?= http://$(HOST):$(SERVICE_PORT)/
demo: export CALSREG_EVENTS_WEBHOOK_ALLOW_HTTP_LOOPBACK := 1
# Every link in the demo's mails and workbooks names the address the demo runs on.
demo: export CALSREG_SITE_URL ?= http://$(HOST):$(PORT)
demo: export CALSREG_ALLOWED_HOSTS ?= $(HOST),127.0.0.1,localhost
demo: install
	@mkdir -p var
	@test -s var/oidc-demo-key.pem || $(PY) -c "from pathlib import Path; from calsreg.sso.keys import development_key; development_key(Path('var/oidc-demo-key.pem'))"
	$(PY) manage.py migrate --noinput
	@# The help desk's mailboxes (Dovecot in var/demo-imap, or Maildirs): settings in var/demo-mailbox.env,
	@# read by the demo data (which puts mail there) and by the worker; the server stops with the demo.
	@bash scripts/demo-mailbox.sh start var/demo-mailbox.env
	@set -a && . var/demo-mailbox.env && set +a && \
	  $(PY) manage.py load_demo_data --service-url http://$(HOST):$(SERVICE_PORT) || \
	  { bash scripts/demo-mailbox.sh stop; exit 1; }
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) -m demo_service migrate --noinput --verbosity 0
	@bash scripts/demo-serve.sh "$(UV)" "$(HOST)" "$(PORT)" "$(SERVICE_PORT)"

# The production way on one machine (docs/deploy.md): gunicorn with config/gunicorn.conf.py and the task
# workers; Ctrl-C stops both. Run `make migrate` first (and after each upgrade).
serve: install
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@bash scripts/serve.sh $(UV) run --frozen python

migrate: install
	$(PY) manage.py migrate --noinput

test: install
	@if [ -n "$$DATABASE_URL_POSTGRES" ] && [ "$${TEST_PASSES_PARALLEL:-1}" != 0 ]; then \
		bash scripts/test-both.sh "$(UV)" $(PYTEST_ARGS); \
	else \
		$(UV) run --frozen pytest -p no:cacheprovider $(PYTEST_ARGS) || exit $$?; \
		if [ -n "$$DATABASE_URL_POSTGRES" ]; then \
			echo "== PostgreSQL suite =="; \
			DATABASE_URL="$$DATABASE_URL_POSTGRES" \
			CALSREG_TEST_CLOCK_SHIFT_DAYS="$${CALSREG_TEST_CLOCK_SHIFT_DAYS_POSTGRES:-$$CALSREG_TEST_CLOCK_SHIFT_DAYS}" \
				$(UV) run --frozen pytest -p no:cacheprovider $(PYTEST_ARGS); \
		else \
			echo "PostgreSQL suite skipped: DATABASE_URL_POSTGRES is not set (.ci/run sets it)"; \
		fi; \
	fi

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

format: install
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

types: install
	$(UV) run --frozen mypy calsreg config
	DEMO_SERVICE_CONFIG=demo_service/typecheck.json $(UV) run --frozen mypy --config-file demo_service/mypy.ini demo_service

imports: install
	$(UV) run --frozen lint-imports

check: lint types imports
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(MAKE) test

bench: install
	$(PY) -m bench $(BENCH_ARGS)

screenshots: install
	$(UV) run --frozen pytest -p no:cacheprovider -m browser tests/browser/test_screenshots.py --screenshots

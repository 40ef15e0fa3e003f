# Collab: the two commands a new user needs are `make run` and `make test`.
# Everything else here is what those two, CI (.ci/run) and the lock files are made of.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Rewritten after every successful install, so `make venv` re-installs only when the lock changed.
VENV_STAMP := $(VENV)/.installed-from-requirements-dev.lock
VENDOR := static/vendor/nhsuk
ASSETS_STAMP := $(VENDOR)/.installed-from-package-lock.json
NHSUK_DIST := node_modules/nhsuk-frontend/dist/nhsuk
# The strict bundle has no eval or new Function, so it runs under our content security policy.
PLOTLY_VENDOR := static/vendor/plotly
PLOTLY_DIST := node_modules/plotly.js-strict-dist-min
# Plotly injects its style rules in a <style> element, which the policy (styles from 'self'
# only) blocks; unless the page has an element with id plotly.js-style-global and class
# no-inline-styles. This writes those rules, read from the bundle, to a stylesheet we serve.
PLOTLY_CSS_JS := const fs = require("fs"); \
	const s = fs.readFileSync(process.argv[1], "utf8"); \
	const start = s.indexOf("{\"X,X div\":"); \
	const rules = Function("return " + s.slice(start, s.indexOf(";for(", start)))(); \
	const css = Object.entries(rules).map(([k, v]) => k.replace(/^,/, " ,") \
		.replace(/X/g, ".js-plotly-plot .plotly").replace(/Y/g, ".plotly-notifier") + "{" + v + "}"); \
	if (start < 0 || css.length < 20) throw new Error("Plotly style rules not found"); \
	fs.writeFileSync(process.argv[2], css.join("\n") + "\n");

# Interpreters tried in order for the virtual environment; the first that is 3.11+ wins.
# `make venv PYTHON=/path/to/python3.12` picks one explicitly.
PYTHON_CANDIDATES := python3.11 python3.12 python3.13 python3
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=
HOST_PORT ?= 127.0.0.1:8000
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --no-strip-extras \
	--no-emit-index-url --no-emit-find-links

.PHONY: help venv assets run test lint migrations-check lock audit soak

help:
	@echo "make run               install, migrate, load demo data if empty, serve http://$(HOST_PORT)"
	@echo "make test              install, then the whole test suite (the fault tests last, alone)"
	@echo "make audit             known advisories against the locked dependencies (pip-audit)"
	@echo "make soak              10 minutes of steady load on the whole stack (bench/soak.py)"
	@echo "make lint              ruff check, ruff format --check and the import contracts"
	@echo "make migrations-check  fail if a model change has no migration"
	@echo "make lock              regenerate requirements.lock and requirements-dev.lock"
	@echo "make venv / assets     just the Python environment / the NHS.UK frontend files"

venv: $(VENV_STAMP)

$(VENV_STAMP): requirements-dev.lock
	@set -euo pipefail; \
	ok() { "$$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }; \
	if [ -x "$(PY)" ] && ! ok "$(PY)"; then \
		echo "$(VENV) is not a working Python 3.11+ environment: recreating it"; rm -rf "$(VENV)"; \
	fi; \
	if [ ! -x "$(PY)" ]; then \
		python="$(PYTHON)"; \
		if [ -z "$$python" ]; then \
			for candidate in $(PYTHON_CANDIDATES); do \
				if command -v "$$candidate" >/dev/null && ok "$$candidate"; then python="$$candidate"; break; fi; \
			done; \
		fi; \
		if [ -z "$$python" ] || ! ok "$$python"; then \
			echo "Collab needs Python 3.11 or newer on PATH (tried: $(or $(PYTHON),$(PYTHON_CANDIDATES)))" >&2; exit 1; \
		fi; \
		echo "Creating $(VENV) with $$("$$python" --version)"; \
		"$$python" -m venv "$(VENV)"; \
	fi
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	@touch $@

assets: $(ASSETS_STAMP)

# The stylesheet asks for its icons at /assets/images/...; made relative, they resolve
# next to it under /static/vendor/nhsuk/ and collectstatic can fingerprint them. Its
# Frutiger @font-face rules load from assets.nhs.uk, which our content security policy
# (fonts from 'self' only) blocks: without them the NHS.UK font stack falls back to Arial.
# The source maps come along because collectstatic's manifest follows sourceMappingURL.
$(ASSETS_STAMP): package.json package-lock.json Makefile
	npm ci --no-audit --no-fund
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)
	cp $(NHSUK_DIST)/nhsuk-frontend.min.js $(NHSUK_DIST)/nhsuk-frontend.min.js.map $(VENDOR)/
	cp $(NHSUK_DIST)/nhsuk-frontend.min.css.map $(VENDOR)/
	sed -e 's#url(/assets/#url(assets/#g' -e 's#@font-face{[^}]*assets\.nhs\.uk[^}]*}##g' \
		$(NHSUK_DIST)/nhsuk-frontend.min.css > $(VENDOR)/nhsuk-frontend.min.css
	! grep -q 'assets\.nhs\.uk' $(VENDOR)/nhsuk-frontend.min.css
	cp -R $(NHSUK_DIST)/assets $(VENDOR)/assets
	rm -rf $(PLOTLY_VENDOR)
	mkdir -p $(PLOTLY_VENDOR)
	cp $(PLOTLY_DIST)/plotly-strict.min.js $(PLOTLY_VENDOR)/
	node -e '$(PLOTLY_CSS_JS)' $(PLOTLY_VENDOR)/plotly-strict.min.js $(PLOTLY_VENDOR)/plotly.css
	@touch $@

run: venv assets
	@mkdir -p "$${COLLAB_VAR_DIR:-var}" "$${STATIC_ROOT:-staticfiles}"  # WhiteNoise warns when its root is missing
	$(PY) manage.py migrate --noinput
	SITE_URL=http://$(HOST_PORT) $(PY) manage.py seed_demo --if-empty
	$(PY) manage.py runserver $(HOST_PORT)

# The main suite in parallel; then the fault tests (tests/reliability, marker `faults`),
# one at a time on their own private PostgreSQL and Redis, since they kill workers and
# restart databases. Exit status 5 is "no test selected", e.g. PYTEST_ARGS naming one folder.
# The main suite runs in a new random order each time (pytest-randomly), so that a test that
# needs another's leftovers fails here rather than now and then; the seed is printed at the
# top ("Using --randomly-seed=N") and `make test PYTEST_ARGS=--randomly-seed=N` replays that
# order, and PYTEST_ARGS=--randomly-dont-reorganize keeps the written order. The fault tests
# keep their written order: they break and restart services, and only that order is tried.
test: venv assets
	$(PY) -m pytest -n $(PYTEST_WORKERS) -m "not faults" $(PYTEST_ARGS)
	$(PY) -m pytest -p no:xdist --randomly-dont-reorganize -m faults $(PYTEST_ARGS) || [ $$? -eq 5 ]

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

migrations-check: venv
	@mkdir -p "$${COLLAB_VAR_DIR:-var}"
	$(PY) manage.py makemigrations --check --dry-run

# Keeps existing pins; `make lock PIP_COMPILE_ARGS=--upgrade` moves them to the newest releases.
lock: venv
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE) $(PIP_COMPILE_ARGS) \
		--output-file=requirements.lock pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE) $(PIP_COMPILE_ARGS) --extra=dev \
		--output-file=requirements-dev.lock pyproject.toml

# Reports known advisories against requirements.lock (what production installs) and
# requirements-dev.lock. Needs PyPI's advisory API; says so plainly when it cannot reach
# it. Exits 1 when an advisory is found; `make audit AUDIT_ARGS=--report-only` (CI) never fails.
audit: venv
	$(PY) bin/audit $(AUDIT_ARGS) requirements.lock requirements-dev.lock

# Starts gunicorn, a Celery worker and Redis on loopback against the national-scale data
# (bench/soak.py --help); SOAK_ARGS="--minutes 3 --rate 30" to shorten or lighten it.
soak: venv
	$(PY) bench/soak.py $(SOAK_ARGS)

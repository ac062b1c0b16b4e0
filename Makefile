# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
WEB_HOST ?= 127.0.0.1
WEB_PORT ?= 8000
export WEB_HOST WEB_PORT
# `make run` defaults to development mode; production sets DEBUG=false and a SECRET_KEY.
run: export DEBUG ?= true

.DEFAULT_GOAL := run
.PHONY: run test lint format audit advisories schema install install-dev kb-data

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

# The brand knowledge base's npm packages (kb/package.json). Without npm everything still runs:
# the knowledge base then loads from the PyPI sources alone.
KB_NPM := kb/node_modules/.installed
$(KB_NPM): kb/package.json kb/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix kb --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm is not installed (apt install nodejs npm): the brand knowledge base will load"; \
		echo "without name-suggestion-index and simple-icons, from pytickersymbols alone."; \
	fi

kb-data: $(KB_NPM)
install: $(VENV)/.installed kb-data
install-dev: $(VENV)/.installed-dev kb-data

## make run: set up everything, then start web + worker + beat + collector (Ctrl-C stops all).
run: install
	@# A development .env (DEBUG=true, a generated SECRET_KEY) unless there is one: honcho
	@# gives it to every process below, and manage.py run by hand reads it too.
	@$(BIN)/python -m marketing_hunting.devenv .env
	@# honcho run reads .env, exactly like the processes `honcho start` launches below.
	$(BIN)/honcho run $(BIN)/python manage.py migrate --noinput
	@# A no-op when the loaded version is current; a failure leaves the app on tracked brands.
	$(BIN)/honcho run $(BIN)/python manage.py load_brand_knowledge --skip-missing \
		|| echo "  The brand knowledge base was not loaded (see above): brands are found from tracked lists only."
	$(BIN)/honcho run $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Marketing Hunting is starting on http://$(WEB_HOST):$(WEB_PORT)/ (web, worker, beat, collector)."
	@echo "  The login is printed again once the web server answers; the password is also in var/demo-admin-password."
	@echo ""
	@# announce_login waits (at most 120 s) for the web server, then prints the URL and login
	@# below the processes' start-up lines. It runs beside honcho, not in the Procfile: honcho
	@# stops every process as soon as one of them exits.
	@$(BIN)/honcho run $(BIN)/python manage.py announce_login --wait 120 & \
	$(BIN)/honcho start -f Procfile

## make test: lint, then the whole test suite including browser tests.
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

## make audit: the pinned requirements against the vendored advisory snapshot
## (security/advisories/, offline, always), then with AUDIT_ONLINE=1 against PyPI's live
## vulnerability data too (pip-audit, .ci/audit; needs the internet; AUDIT_SERVICE=osv asks
## OSV). Either part fails closed: what it could not check is a failure. docs/security.md.
audit: install-dev
	@status=0; \
	$(BIN)/python -m security.offline_audit || status=1; \
	if [ "$${AUDIT_ONLINE:-0}" = 1 ]; then \
		.ci/audit || status=1; \
	else \
		echo "Online audit not run: AUDIT_ONLINE=1 make audit also asks PyPI's live vulnerability data (pip-audit)."; \
	fi; \
	exit $$status

## make advisories: vendor the pinned packages' advisories again from the PyPA advisory
## database: ADVISORY_SOURCE is a clone, a .tar.gz of it, or its URL (default: GitHub's
## archive of main, so it needs the internet).
advisories: install-dev
	$(BIN)/python -m security.refresh_advisories $(ADVISORY_SOURCE)

## make schema: write docs/schema.md from the models (the test suite fails while it is stale).
## Development settings unless the environment or .env says otherwise: no SECRET_KEY needed.
schema: export DEBUG ?= true
schema: $(VENV)/.installed
	$(BIN)/python manage.py schema_doc

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

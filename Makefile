# Two commands for a fresh clone:  make run  |  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres install install-test translations extract-messages system-deps bench clean

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The real OpenID provider (npm's oidc-provider, pinned by its lock file) that the single sign-on tests run with Node.
OIDC_PROVIDER := tests/oidc/node_modules/.package-lock.json
$(OIDC_PROVIDER): tests/oidc/package.json tests/oidc/package-lock.json
	command -v npm >/dev/null || scripts/install-system-deps.sh nodejs npm
	cd tests/oidc && npm ci --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test $(OIDC_PROVIDER)

# Compiled catalogs are build output (not in git); a missing .mo would silently show English.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations --statistics 2>&1 | tail -n 1

# For developers after changing strings: refresh messages.pot and every catalog.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _p:1c,2 --ignore-dirs ".* __pycache__ instance" --sort-output --no-location -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --ignore-obsolete --no-fuzzy-matching --no-wrap
	$(BIN)/python scripts/sync-source-catalog.py

run: install translations
	scripts/install-system-deps.sh restic
	$(BIN)/flask --app wsgi setup --demo
	@echo "Webconsole on http://$(HOST):$(PORT)/ with its job worker  (Ctrl+C stops both)"
	BIN=$(BIN) HOST=$(HOST) PORT=$(PORT) scripts/run-console.sh

# restic for backups, Debian's chromium for the browser tests and the PostgreSQL server for the second run.
system-deps:
	scripts/install-system-deps.sh

test: install-test translations system-deps
	scripts/run-tests.sh

test-sqlite: install-test translations
	scripts/pytest.sh

test-postgres: install-test translations system-deps
	scripts/with-postgres.sh scripts/pytest.sh -m "not scale" --ignore=tests/agent

bench: install
	$(BIN)/python bench/lists.py

clean:
	rm -rf $(VENV) translations/*/LC_MESSAGES/*.mo

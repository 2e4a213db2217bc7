# The two commands of the README's Quick start live here: `make demo` and `make test`.
# Each creates (or reuses) the virtualenv in .venv and installs the project into it, with
# helm (scripts/install_helm.py) and promtool (scripts/install_promtool.sh). `services` starts
# Redis and PostgreSQL and installs Debian's Chromium for the browser tests when missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint typecheck contracts pytest bench clean services

$(STAMP): pyproject.toml scripts/install_helm.py scripts/install_promtool.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing gitops-auditor and its tools into $(VENV) (log: $(VENV)/install.log)"
	@$(BIN)/python -m pip install --quiet --upgrade pip > $(VENV)/install.log 2>&1 \
	  && $(BIN)/python -m pip install --quiet -e '.[dev]' >> $(VENV)/install.log 2>&1 \
	  && $(BIN)/python scripts/install_helm.py $(BIN) >> $(VENV)/install.log 2>&1 \
	  && bash scripts/install_promtool.sh $(BIN) >> $(VENV)/install.log 2>&1 \
	  || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gitops-auditor demo

services:
	bash scripts/services.sh
	bash scripts/install_browser.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP) services
	$(BIN)/pytest -n 2 --dist loadfile

test: lint typecheck contracts pytest

# The edit-test loop: everything but the tests marked slow (simulated clusters, the demo).
test-fast: $(STAMP) services
	$(BIN)/pytest -n 2 --dist loadfile -m "not slow"

bench: $(STAMP)
	for script in bench/*_bench.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

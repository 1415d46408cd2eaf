# baton — the two commands of the quick start are `make demo` and `make test`.
# Every target creates .venv and installs the project when pyproject.toml changed,
# and does nothing more when it did not.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install test lint demo bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .

demo: $(STAMP)
	@echo "make demo is not ready yet: it needs the sandbox replicas served together (issue 4),"
	@echo "the connectors (issue 5), sync (issue 6), rules (issue 7) and the feed (issue 8)."
	@echo "What works today: $(VENV)/bin/baton config check --config config/baton.example.yaml,"
	@echo "baton db upgrade and baton status (see README.md)."
	@exit 1

bench: $(STAMP)
	@echo "make bench is not ready yet: it needs the sandbox generator, connectors and sync"
	@echo "(issues 4-6) before there is anything to measure (issue 9)."
	@exit 1

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

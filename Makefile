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

# A new top-level package means a new editable mapping, hence the __init__.py files.
$(STAMP): pyproject.toml $(wildcard */__init__.py) | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .

demo: $(STAMP)
	$(VENV)/bin/baton demo

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

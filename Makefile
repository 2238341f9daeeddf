# Saxaul: `make test` (the whole suite) and `make sim` (a season on the virtual board).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv test pytest lint sim bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

test: venv lint pytest

pytest: venv
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache

# Saxaul: `make test` (the whole suite) and `make sim` (a season on the virtual board).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

STUBS := $(VENV)/typings/.stamp
BOARDS_LINT := esp32 rp2

.PHONY: venv test pytest lint sim bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

test: venv lint pytest

# Device code against each board's MicroPython stubs, one board at a time, so
# an API that a board lacks (ADC.read_uv on rp2) is caught.
$(STUBS): $(STAMP)
	for b in $(BOARDS_LINT); do \
	  $(BIN)/python -m pip install -q --no-deps --target $(VENV)/typings/$$b \
	    micropython-$$b-stubs==1.29.0.post1 micropython-stdlib-stubs==1.29.0.post2 || exit 1; \
	done
	touch $@

lint: $(STUBS)
	for b in $(BOARDS_LINT); do \
	  echo "lint: firmware against $$b stubs"; \
	  MYPYPATH=$(VENV)/typings/$$b $(BIN)/mypy --config-file mypy.ini firmware/saxaul firmware/main.py || exit 1; \
	done

pytest: venv
	$(BIN)/python -m pytest -q

# The default scenario for the firmware (on the MicroPython unix port) and the
# three baselines: the score table on stdout, CSV and PNG report in out/.
SCENARIO ?= muynak-summer
sim: venv
	$(BIN)/python -m host_tools sim $(SCENARIO) --controller all --out out

# Every scenario x controller: scores and simulated seconds per wall second.
bench-season: venv
	$(BIN)/python benchmarks/season.py

# A virtual board on a pty (the firmware on the unix port): saxaul --port PORT ...
virtual: venv
	$(BIN)/saxaul virtual --flash .virtual/flash --link .virtual/port

# Host figures: deploy bytes, log pull throughput, a day of journal.
bench-host: venv
	$(BIN)/python benchmarks/host.py

# Wiring diagrams of the shipped boards, drawn from their board files.
.PHONY: wiring
wiring: venv
	mkdir -p docs/wiring
	for f in boards/*.json; do \
	  b=$$(basename $$f .json); \
	  $(BIN)/python -m host_tools wiring --board $$b --out docs/wiring/$$b.svg || exit 1; \
	done

# The field guide's generated tables (parts lists, faults, reasons, settings)
# from the board files and the firmware; tests/test_guide.py fails when stale.
.PHONY: guide
guide: venv
	$(BIN)/python -m host_tools.guide

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache

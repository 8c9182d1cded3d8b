# Two commands on a fresh machine with only python3: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/imr-rules audit examples/letters

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src

typecheck: lint

test: $(DEVSTAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/accuracy.py --dir bench/accuracy2
	$(BIN)/python bench/accuracy.py --dir bench/accuracy3
	$(BIN)/python bench/accuracy.py --dir bench/accuracy4
	$(BIN)/python bench/accuracy.py --dir bench/accuracy5
	$(BIN)/python bench/accuracy.py --dir bench/accuracy6
	$(BIN)/python bench/accuracy.py --dir bench/accuracy7
	$(BIN)/python bench/accuracy.py --dir bench/accuracy8
	$(BIN)/python bench/accuracy.py --dir bench/accuracy9
	$(BIN)/python bench/accuracy.py --dir bench/accuracy10
	$(BIN)/python bench/accuracy.py --dir bench/accuracy11

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache

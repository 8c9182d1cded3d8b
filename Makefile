# Two commands on a fresh machine with only python3: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck bench clean compiled test-compiled bench-compiled

# The compiled build (setup.py: mypyc compiles the modules of the per-letter path) lives in a
# venv of its own, installed non-editable: a compiled editable install would go on running the
# compiled modules after their sources change. It needs a C compiler and Python's headers.
CVENV  := .venv-compiled
CBIN   := $(CVENV)/bin
CSTAMP := $(CVENV)/.built
COMPILED_FROM := setup.py pyproject.toml $(wildcard src/imr_rules/*.py src/imr_rules/lexicons/*.yaml)
CAN_COMPILE = $(shell $(PYTHON) -c 'import os, shutil, sysconfig; \
	cc = (sysconfig.get_config_var("CC") or "cc").split()[0]; \
	h = os.path.join(sysconfig.get_paths()["include"], "Python.h"); \
	print("yes" if shutil.which(cc) and os.path.isfile(h) else "no")' 2>/dev/null)

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

# The whole suite on the pure build, then on the compiled one where this machine can build it.
test: $(DEVSTAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src
	$(BIN)/python -m pytest
	@if [ "$(CAN_COMPILE)" = yes ]; then $(MAKE) --no-print-directory test-compiled; \
	else echo "compiled build: not tested here (no C compiler or Python headers)"; fi

$(CVENV)/bin/python:
	$(PYTHON) -m venv $(CVENV)
	$(CBIN)/python -m pip install --quiet --upgrade pip

$(CSTAMP): $(CBIN)/python $(COMPILED_FROM)
	$(CBIN)/python -m pip install --quiet '.[dev]' 'setuptools>=68' wheel
	rm -rf build
	IMR_RULES_COMPILE=1 $(CBIN)/python -m pip install --quiet --no-build-isolation --no-deps \
		--force-reinstall .
	rm -rf build
	touch $@

compiled: $(CSTAMP)

test-compiled: $(CSTAMP)
	IMR_RULES_EXPECT_BUILD=compiled $(CBIN)/python -m pytest

bench-compiled: $(CSTAMP)
	$(CBIN)/python bench/extract.py
	$(CBIN)/python bench/audit.py

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
	$(BIN)/python bench/accuracy.py --dir bench/accuracy12
	$(BIN)/python bench/accuracy.py --dir bench/accuracy13

clean:
	rm -rf $(VENV) $(CVENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache

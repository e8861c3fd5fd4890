# Two set-up commands (see README): `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin

.PHONY: install demo test bench clean

$(BIN)/kg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(BIN)/kg

install: $(BIN)/kg

demo: install
	$(BIN)/kg demo

test: install
	bash scripts/test.sh

bench: install
	$(BIN)/python -m benchmarks.extract_bench

clean:
	rm -rf $(VENV) kg-data test-artifacts .pytest_cache

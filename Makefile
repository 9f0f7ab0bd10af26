# One command runs wenda, one runs the tests; both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test test-fast lint eval bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/wenda serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

test: $(BIN)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# day to day: everything but the real-e5, server and browser tests (under a minute)
test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -m "not slow and not server and not browser" $(PYTEST_ARGS)

# fails on any finding or on code ruff would reformat; fixes nothing (`ruff format .` reformats)
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

eval: $(BIN)/.installed
	$(BIN)/wenda eval --out evals/out

clean:
	rm -rf $(VENV) .wenda evals/out

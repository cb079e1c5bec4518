# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501

.PHONY: run test lint format eval bench fuzz sample clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "ChangeRadar needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

eval: $(STAMP)
	$(BIN)/python -m evals

bench: $(STAMP)
	$(BIN)/python -m benchmarks

fuzz: $(STAMP)
	CHANGERADAR_FUZZ_EXAMPLES=2000 $(BIN)/python -m pytest tests/test_fuzz.py -p no:cacheprovider

sample: $(STAMP)
	$(BIN)/python -m sample_data.generate

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

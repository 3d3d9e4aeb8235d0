# ClearPress: two commands do everything on a fresh machine: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: site test lint format build publish serve clean check fuzz bench profile

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Import the bundled demo captures and build the site into output/.
site: $(STAMP)
	$(PY) -m scripts import captures/demo
	$(PY) -m scripts build

## Run the whole test suite.
test: $(STAMP)
	$(PY) -m pytest

## Run the property and kill tests far longer than the suite does (20,000 examples per property, 100 kills).
fuzz: $(STAMP)
	CLEARPRESS_FUZZ_EXAMPLES=20000 CLEARPRESS_CRASH_KILLS=100 $(PY) -m pytest \
		tests/test_fuzz_text.py tests/test_fuzz_html.py tests/test_crash.py

## Measure import and build speed against plain Pelican (BENCH_ARGS="--sizes 1000,10000 --without search --verify --json bench-results/run.json").
bench: $(STAMP)
	$(PY) -m scripts.bench run $(BENCH_ARGS)

## Profile a 2,000-article build (optional dependency: pyinstrument).
profile: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m scripts.bench profile -n 2000 --force

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

build: $(STAMP)
	$(PY) -m scripts build

publish: $(STAMP)
	$(PY) -m scripts build --publish

serve: $(STAMP)
	$(PY) -m scripts serve

check: $(STAMP)
	$(PY) -m scripts check output

clean:
	rm -rf output

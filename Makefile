# One task runner, the same commands for a new user, a developer and CI (see README).
# Only python3 (3.11+) and make are needed: uv is installed into .tools/ and installs the rest
# at the versions locked in uv.lock.

UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
RUN := $(UV) run --frozen
DEMO := data/demo
PORT ?= 8501

.PHONY: install run test test-fast lint typecheck format demo bench backtest load clean

$(UV):
	python3 -m venv $(TOOLS) || { apt-get update && apt-get install -y python3-venv && python3 -m venv $(TOOLS); }
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: the dependencies' .pyc are written once here, so that no Python process (test
# workers, portal servers, subprocess tests) compiles streamlit, pandas… from source at start, as
# it does when PYTHONDONTWRITEBYTECODE is set or site-packages is read-only: ~8 s per process.
install: $(UV)  ## install the locked dependencies into .venv
	$(UV) sync --frozen --python 3.11 --compile-bytecode

# The demo data root is generated deterministically (seed 42) on first use.
$(DEMO)/objectifs.yaml: | install
	$(RUN) peuplement demo --out $(DEMO)

demo: $(DEMO)/objectifs.yaml  ## write the demo data root under data/demo

run: install demo  ## start the portal on the demo data (demo accounts, see README)
	PEUPLEMENT_DEMO=1 $(RUN) python -m ui.shell.server --server.headless true --server.port $(PORT)

lint: install  ## ruff, then the type checker (strict on dataroot/, semantic/, queries/; see pyproject.toml)
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

typecheck: install
	$(RUN) mypy

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

# Tests run on every core (pytest-xdist): each test module stays on one worker, so its fixtures are
# built once, and the browser tests all run on one worker, one portal at a time (tests/conftest.py).
PYTEST_WORKERS ?= auto
# The project's own modules are compiled once and kept (git-ignored __pycache__/), even on machines
# that set PYTHONDONTWRITEBYTECODE: every test worker and every portal a test starts would otherwise
# compile them again (test collection 13-18 s instead of 7-10 s). An empty value turns it off.
test test-fast: export PYTHONDONTWRITEBYTECODE :=

test: install demo lint  ## lint, then the whole test suite (browser tests need Debian's chromium)
	$(RUN) pytest -n $(PYTEST_WORKERS) --dist loadgroup

test-fast: install demo  ## the unit and AppTest tests a change usually needs: no browser, nothing marked slow
	$(RUN) pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not browser and not slow" -q

# BENCH_ARGS="--national-geographie france --national-snapshots 13": the national root on every
# commune of France (import the communes once first: docs/benchmark.md).
bench: install demo  ## benchmark: semantic layer vs hand-written DuckDB SQL and pandas
	$(RUN) python -m queries.bench --national-logements 5000000 $(BENCH_ARGS)

load: install demo  ## N real browser sessions (at once, or SPREAD=S seconds apart in all) against one server: page times, CPU, memory
	$(RUN) python -m loadtest --sessions $(or $(SESSIONS),1 10 30) $(if $(SPREAD),--spread $(SPREAD)) $(if $(BROWSER),--browser $(BROWSER)) $(if $(DRAW_MAPS),--draw-maps)

backtest: install demo  ## projections: MAE against naive baselines on the demo (docs/anticipation.md)
	$(RUN) python -m queries.forecast.backtest

clean:
	rm -rf .venv $(TOOLS) $(DEMO) .pytest_cache .ruff_cache

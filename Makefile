# `make test` and `make demo` work on a fresh clone: they build .venv from the pinned files
# (requirements*.txt, resolved in constraints.txt) and reuse it until those files change.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)/plugins:$(CURDIR)/tools

.PHONY: venv test lint typecheck pytest demo demo-ui demo-webhook docs bench faults mutations sandbox sandbox-throughput clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Two pytest-xdist workers (a serial run leaves half of two cores idle, waiting on the
# databases and the Airflow processes the tests start): each test module, or each warehouse of
# a module marked spread_over, is one worker's (tests/conftest.py, tests/xdist_groups.py), in
# collection order, so the longest units start early. PYTEST_ARGS= runs serially.
PYTEST_ARGS ?= -n 2 --dist loadgroup --no-loadscope-reorder
pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

# make demo WAREHOUSE=mssql: into the database xero_demo on XERO_SYNC_TEST_MSSQL's SQL Server
# (Babelfish: export "$$(../shared/babelfish/babelfish-start)" first).
demo: $(STAMP)
	$(BIN)/python tools/demo.py $(if $(WAREHOUSE),--warehouse $(WAREHOUSE))

demo-ui: $(STAMP)
	$(BIN)/python tools/demo.py --ui

demo-webhook: $(STAMP)
	$(BIN)/python tools/demo_webhook.py

# Everything derived from include/mappings that the tests compare: the data model, the README's
# scopes table, the golden T-SQL files (review them with git diff). Run it after changing a mapping.
docs: $(STAMP)
	$(BIN)/python tools/data_model.py
	$(BIN)/python tools/readme_scopes.py
	XERO_SYNC_UPDATE_GOLDEN=1 $(BIN)/pytest -q -p no:cacheprovider --no-header -o addopts= \
		tests/warehouse/test_tsql.py tests/reporting/test_layer.py -k golden

bench: $(STAMP)
	$(BIN)/python -m bench --output var/bench/bench.json

# 100 fault-injection trials (SQLite and PostgreSQL), issue 10's failure classes among them.
# With XERO_SYNC_TEST_MSSQL set (Babelfish: ../shared/babelfish/babelfish-start prints it), SQL
# Server trials follow, on scratch databases of that server.
faults: $(STAMP)
	$(BIN)/python -m faults --trials 100 --output var/faults/faults.json
	@if [ -n "$$XERO_SYNC_TEST_MSSQL" ]; then \
		$(BIN)/python -m faults --database mssql --trials 60 \
			--output var/faults/faults-mssql.json; \
	else echo "make faults: XERO_SYNC_TEST_MSSQL is unset, no SQL Server trials"; fi

# Five deliberate bugs, each applied to a copy of plugins/xero_sync: the fault trials must
# catch every one (and pass on the unmutated copy).
mutations: $(STAMP)
	$(BIN)/python -m faults.mutations --output var/faults/mutations.json

sandbox: $(STAMP)
	$(BIN)/python -m xero_sandbox --port 8765 --seed 42 --tenants 2 --scale 1000 --auto-consent

sandbox-throughput: $(STAMP)
	$(BIN)/python tools/measure_sandbox_throughput.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

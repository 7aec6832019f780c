# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV ?= $(shell command -v uv 2>/dev/null)
ifeq ($(strip $(UV)),)
UV := $(PYTHON) -m uv
endif
export UV_PROJECT_ENVIRONMENT ?= .venv

.PHONY: run test lint install install-dev install-lrs unit contract integration migrate fmt clean check-compose \
	certificate-sample seed-demo bench bench-report bench-explain fuzz

# uv is installed for this user when missing (needs only Python and the package index). pip puts it
# in the user's bin folder (~/.local/bin), often not on PATH: make runs it as `python3 -m uv`.
define ensure_uv
	@$(UV) --version >/dev/null 2>&1 || { \
		$(PYTHON) -m pip install --quiet --user uv || $(PYTHON) -m pip install --quiet uv; } && \
		if [ "$(UV)" = "$(PYTHON) -m uv" ] && ! command -v uv >/dev/null; then \
		echo "make: uv is not on PATH (pip installs it in $$($(PYTHON) -m site --user-base)/bin);" \
			"make runs it as '$(PYTHON) -m uv', and README.md's commands use .venv/bin/lms"; fi
endef

# .venv holds the runtime dependencies only for `make run` (and `lms`), the development group as
# well for tests and lint; each sync makes it exactly one of the two, and a stamp says which.
.venv/.synced-runtime: pyproject.toml uv.lock
	$(ensure_uv)
	$(UV) sync --frozen --no-dev
	@rm -f .venv/.synced-dev
	@touch $@

.venv/.synced-dev: pyproject.toml uv.lock
	$(ensure_uv)
	$(UV) sync --frozen
	@rm -f .venv/.synced-runtime
	@touch $@

install: .venv/.synced-runtime

install-dev: .venv/.synced-dev

# Ralph, the learning record store the xAPI tests send statements to (tests/integration/lrs.py), in a
# virtualenv of its own so that its FastAPI and pydantic stay out of .venv. 5.1.0 imports requests
# without declaring it. A new RALPH_VERSION (a new stamp) makes the virtualenv anew.
RALPH_VERSION := 5.1.0
RALPH_PACKAGES := 'ralph-malph[cli,lrs]==$(RALPH_VERSION)' 'requests==2.34.2'
.lrs-venv/.ralph-$(RALPH_VERSION):
	$(ensure_uv)
	$(UV) venv --quiet --clear --no-project --python $(PYTHON) .lrs-venv
	$(UV) pip install --quiet --python .lrs-venv/bin/python $(RALPH_PACKAGES)
	@touch $@

install-lrs: .lrs-venv/.ralph-$(RALPH_VERSION)

run: install
	$(UV) run --frozen --no-sync lms serve

migrate: install
	$(UV) run --frozen --no-sync lms migrate

test: install-dev install-lrs
	$(UV) run --frozen --no-sync pytest tests/unit tests/contract tests/integration tests/faults

unit: install-dev
	$(UV) run --frozen --no-sync pytest tests/unit

contract: install-dev
	$(UV) run --frozen --no-sync pytest tests/contract

integration: install-dev install-lrs
	$(UV) run --frozen --no-sync pytest tests/integration

# Property-based fuzzing of the live server against its own /openapi.json (schemathesis), once per
# role; PostgreSQL + Redis when LMS_TEST_DATABASE_URL / LMS_TEST_REDIS_URL are set, else SQLite.
fuzz: install-dev
	$(UV) run --frozen --no-sync python scripts/fuzz.py

lint: install-dev check-compose
	$(UV) run --frozen --no-sync ruff check src tests scripts
	$(UV) run --frozen --no-sync ruff format --check src tests scripts
	$(UV) run --frozen --no-sync mypy
	$(UV) run --frozen --no-sync lint-imports

# No Docker engine needed: compose.yaml against the Compose schema, the Dockerfile through hadolint.
check-compose: install-dev
	$(UV) run --frozen --no-sync check-jsonschema --builtin-schema vendor.compose-spec compose.yaml
	$(UV) run --frozen --no-sync hadolint Dockerfile

fmt: install-dev
	$(UV) run --frozen --no-sync ruff format src tests scripts
	$(UV) run --frozen --no-sync ruff check --fix src tests scripts

clean:
	rm -rf .venv .lrs-venv .pytest_cache .mypy_cache .ruff_cache

# A sample certificate PDF (names in several scripts) and docs/certificate.png of its first page.
certificate-sample: install-dev
	$(UV) run --frozen --no-sync python scripts/certificate_sample.py var/certificate-sample.pdf docs/certificate.png

# --- demo data and the benchmark -----------------------------------------------------------------
# A demo data set with known logins (idempotent): `make seed-demo` then `make run`, open /docs.
seed-demo: install
	$(UV) run --frozen --no-sync lms seed-demo --scale small

# Seed (or reuse) a PostgreSQL database, serve it, load it with wrk, write bench/results.json,
# then the tables and docs/benchmarks.png. BENCH_SCALE=small|large (default large),
# LMS_BENCH_DATABASE_URL, LMS_BENCH_REDIS_URL, LMS_WORKERS, BENCH_DURATION: see scripts/bench.py.
bench: install-dev
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y wrk >/dev/null; } \
		|| { echo "wrk is missing: install it (apt-get install wrk)"; exit 1; }
	UV_PROJECT_ENVIRONMENT=var/bench/venv $(UV) sync --frozen --no-dev --quiet
	$(UV) run --frozen --no-sync python scripts/bench.py
	$(UV) run --frozen --no-sync python scripts/bench_report.py bench/results.json docs/benchmarks.png

# Tables and chart again from the committed bench/results.json (no load).
bench-report: install-dev
	$(UV) run --frozen --no-sync python scripts/bench_report.py bench/results.json docs/benchmarks.png

# EXPLAIN ANALYZE of the read endpoints' statements on the benchmark database.
bench-explain: install-dev
	$(UV) run --frozen --no-sync python scripts/bench_explain.py $${LMS_BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/lms_bench} \
		> bench/explain-$${BENCH_SCALE:-large}.md

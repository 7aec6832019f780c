# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV ?= $(shell command -v uv 2>/dev/null)
ifeq ($(strip $(UV)),)
UV := $(PYTHON) -m uv
endif
export UV_PROJECT_ENVIRONMENT ?= .venv

.PHONY: run test lint install unit contract integration migrate fmt clean check-compose certificate-sample \
	seed-demo bench bench-report bench-explain fuzz

# uv is installed for this user when missing (needs only Python and the package index).
.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --user uv \
		|| $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen
	touch $@

install: .venv/.synced

run: install
	$(UV) run --frozen lms serve

migrate: install
	$(UV) run --frozen lms migrate

test: install
	$(UV) run --frozen pytest tests/unit tests/contract tests/integration tests/faults

unit: install
	$(UV) run --frozen pytest tests/unit

contract: install
	$(UV) run --frozen pytest tests/contract

integration: install
	$(UV) run --frozen pytest tests/integration

# Property-based fuzzing of the live server against its own /openapi.json (schemathesis), once per
# role; PostgreSQL + Redis when LMS_TEST_DATABASE_URL / LMS_TEST_REDIS_URL are set, else SQLite.
fuzz: install
	$(UV) run --frozen python scripts/fuzz.py

lint: install check-compose
	$(UV) run --frozen ruff check src tests scripts
	$(UV) run --frozen ruff format --check src tests scripts
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports

check-compose: install
	$(UV) run --frozen check-jsonschema --builtin-schema vendor.compose-spec compose.yaml

fmt: install
	$(UV) run --frozen ruff format src tests scripts
	$(UV) run --frozen ruff check --fix src tests scripts

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache

# A sample certificate PDF (names in several scripts) and docs/certificate.png of its first page.
certificate-sample: install
	$(UV) run --frozen python scripts/certificate_sample.py var/certificate-sample.pdf docs/certificate.png

# --- demo data and the benchmark -----------------------------------------------------------------
# A demo data set with known logins (idempotent): `make seed-demo` then `make run`, open /docs.
seed-demo: install
	$(UV) run --frozen lms seed-demo --scale small

# Seed (or reuse) a PostgreSQL database, serve it, load it with wrk, write bench/results.json,
# then the tables and docs/benchmarks.png. BENCH_SCALE=small|large (default large),
# LMS_BENCH_DATABASE_URL, LMS_BENCH_REDIS_URL, LMS_WORKERS, BENCH_DURATION: see scripts/bench.py.
bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y wrk >/dev/null; } \
		|| { echo "wrk is missing: install it (apt-get install wrk)"; exit 1; }
	UV_PROJECT_ENVIRONMENT=var/bench/venv $(UV) sync --frozen --no-dev --quiet
	$(UV) run --frozen python scripts/bench.py
	$(UV) run --frozen python scripts/bench_report.py bench/results.json docs/benchmarks.png

# Tables and chart again from the committed bench/results.json (no load).
bench-report: install
	$(UV) run --frozen python scripts/bench_report.py bench/results.json docs/benchmarks.png

# EXPLAIN ANALYZE of the read endpoints' statements on the benchmark database.
bench-explain: install
	$(UV) run --frozen python scripts/bench_explain.py $${LMS_BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/lms_bench} \
		> bench/explain-$${BENCH_SCALE:-large}.md

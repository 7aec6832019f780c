# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV ?= $(shell command -v uv 2>/dev/null)
ifeq ($(strip $(UV)),)
UV := $(PYTHON) -m uv
endif
export UV_PROJECT_ENVIRONMENT ?= .venv

.PHONY: run test lint install unit contract integration migrate fmt clean check-compose certificate-sample fuzz

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
	$(UV) run --frozen pytest tests/unit tests/contract tests/integration

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
	$(UV) run --frozen ruff check src tests
	$(UV) run --frozen ruff format --check src tests
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports

check-compose: install
	$(UV) run --frozen check-jsonschema --builtin-schema vendor.compose-spec compose.yaml

fmt: install
	$(UV) run --frozen ruff format src tests
	$(UV) run --frozen ruff check --fix src tests

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache

# A sample certificate PDF (names in several scripts) and docs/certificate.png of its first page.
certificate-sample: install
	$(UV) run --frozen python scripts/certificate_sample.py var/certificate-sample.pdf docs/certificate.png

"""The Alembic migrations build exactly the schema ``tables.py`` declares, on both databases:
a table, column or index added to the tables without a migration (or the reverse) fails here."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from lms_adapters.sql import tables as t
from lms_adapters.sql.urls import sync_url
from tests.conftest import needs_pg


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=needs_pg)])
def test_migrated_schema_matches_the_tables(request: pytest.FixtureRequest, backend: str) -> None:
    url = request.getfixturevalue("pg_url" if backend == "postgres" else "sqlite_url")
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False, "include_name": _ours})
            differences = compare_metadata(context, t.metadata)
    finally:
        engine.dispose()
    assert differences == []


def _ours(name: str | None, kind: str, parents: object) -> bool:
    """The job queue's tables (migration 0011) are procrastinate's, not declared in ``tables.py``."""
    return not (kind == "table" and name is not None and name.startswith("procrastinate_"))

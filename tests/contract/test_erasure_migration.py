"""The erasure's migration (0016) goes down and up again on both databases: an erased student's
certificate survives both ways, the columns are nullable again afterwards, and the revocation
lists' partial index keeps its WHERE clause through SQLite's copy of the table."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, insert, inspect, select, text

from lms_adapters.sql.migrate import alembic_config, upgrade
from lms_adapters.sql.tables import certificates, users
from lms_adapters.sql.urls import sync_url
from tests.conftest import needs_pg
from tests.contract.catalog_data import NOW


def partial_index_sql(engine: Engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            found = conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_certificates_revoked'")
            ).scalar()
        else:
            found = conn.execute(
                text(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_certificates_revoked'"
                )
            ).scalar()
    assert found is not None, "the partial index is missing"
    return str(found)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=needs_pg)])
def test_erasure_migration_goes_down_and_up(request: pytest.FixtureRequest, backend: str) -> None:
    url = request.getfixturevalue("pg_url" if backend == "postgres" else "sqlite_url")
    engine = create_engine(sync_url(url))
    student, certificate_id = uuid.uuid4(), uuid.uuid4()
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(users).values(
                    id=student, email=f"erased:{student}", full_name="", password_hash="",
                    role="student", is_active=False, mfa_enabled=False, created_at=NOW,
                    updated_at=NOW, erased_at=NOW,
                )
            )  # fmt: skip
            conn.execute(
                insert(certificates).values(
                    id=certificate_id, student_id=student, certificate_number="CERT-2026-000001",
                    course_title="C", student_name=None, issued_at=NOW, pdf_key=None,
                )
            )  # fmt: skip
        command.downgrade(alembic_config(url), "0015")
        with engine.connect() as conn:
            assert "blob_deletions" not in inspect(conn).get_table_names()
            row = conn.execute(text("SELECT student_name, pdf_key FROM certificates")).one()
            assert tuple(row) == ("", "")  # filled in to fit NOT NULL again
            columns = {c["name"]: c for c in inspect(conn).get_columns("certificates")}
            assert not columns["student_name"]["nullable"] and not columns["pdf_key"]["nullable"]
        assert "WHERE" in partial_index_sql(engine).upper()
        upgrade(url)
        with engine.connect() as conn:
            columns = {c["name"]: c for c in inspect(conn).get_columns("certificates")}
            assert columns["student_name"]["nullable"] and columns["pdf_key"]["nullable"]
            assert "blob_deletions" in inspect(conn).get_table_names()
            numbers = conn.execute(select(certificates.c.certificate_number)).scalars().all()
            assert numbers == ["CERT-2026-000001"]
        assert "revoked_at IS NOT NULL" in partial_index_sql(engine).replace("(", "").replace(")", "")
    finally:
        engine.dispose()

"""Migration 0020 goes down and up on both databases: its tables and triggers go (rows written
meanwhile count nothing), and on the way up the counters are filled from the rows already there."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from sqlalchemy import Connection, create_engine, func, insert, inspect, select

from lms_adapters.sql.counters import COUNTER_TABLES
from lms_adapters.sql.migrate import alembic_config, upgrade
from lms_adapters.sql.tables import course_counters, courses, enrollments, system_counters, users
from lms_adapters.sql.urls import sync_url
from tests.conftest import needs_pg
from tests.contract.catalog_data import NOW
from tests.contract.counters_support import differing

STAMPS = {"created_at": NOW, "updated_at": NOW}


def _user(conn: Connection, role: str) -> uuid.UUID:
    uid = uuid.uuid4()
    conn.execute(
        insert(users).values(
            id=uid, email=f"{uid.hex}@example.com", full_name="A", password_hash="h", role=role,
            is_active=True, mfa_enabled=False, **STAMPS,
        )
    )  # fmt: skip
    return uid


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=needs_pg)])
async def test_counters_migration_goes_down_and_up(request: pytest.FixtureRequest, backend: str) -> None:
    url = request.getfixturevalue("pg_url" if backend == "postgres" else "sqlite_url")
    engine = create_engine(sync_url(url))
    names = {t.name for t in COUNTER_TABLES}
    course_id = uuid.uuid4()
    try:
        with engine.begin() as conn:
            owner = _user(conn, "instructor")
            conn.execute(
                insert(courses).values(
                    id=course_id, instructor_id=owner, title="C", slug="c", description="",
                    is_published=True, **STAMPS,
                )
            )  # fmt: skip
        command.downgrade(alembic_config(url), "0019")
        with engine.begin() as conn:
            assert names.isdisjoint(inspect(conn).get_table_names())
            student = _user(conn, "student")  # no trigger counts these any more
            conn.execute(
                insert(enrollments).values(
                    id=uuid.uuid4(),
                    student_id=student,
                    course_id=course_id,
                    enrolled_at=NOW,
                    completed_at=NOW,
                )
            )
        upgrade(url)
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) >= names
            totals = dict(
                conn.execute(
                    select(system_counters.c.name, func.sum(system_counters.c.n)).group_by(
                        system_counters.c.name
                    )
                ).all()
            )
            assert {k: int(v) for k, v in totals.items()} == {
                "users": 2,
                "users:instructor": 1,
                "users:student": 1,
                "courses": 1,
                "published_courses": 1,
                "enrollments": 1,
            }
            assert conn.execute(
                select(course_counters.c.enrollments, course_counters.c.completed_enrollments)
            ).all() == [(1, 1)]
        with engine.begin() as conn:
            _user(conn, "admin")  # the triggers are back
        assert await differing(url) == 0
    finally:
        engine.dispose()

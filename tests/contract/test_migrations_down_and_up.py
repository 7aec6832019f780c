"""The newest migration goes down and up again on both databases: its tables go and come back,
and what the older schema holds (courses, lessons, quizzes) stays through both."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, insert, inspect, select

from lms_adapters.sql.migrate import alembic_config, upgrade
from lms_adapters.sql.tables import (
    course_prerequisites,
    courses,
    lesson_release_lessons,
    lesson_release_quizzes,
    lessons,
    users,
)
from lms_adapters.sql.urls import sync_url
from tests.conftest import needs_pg
from tests.contract.catalog_data import NOW

NEW_TABLES = {"lesson_release_lessons", "lesson_release_quizzes", "course_prerequisites"}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=needs_pg)])
def test_release_rules_migration_goes_down_and_up(request: pytest.FixtureRequest, backend: str) -> None:
    url = request.getfixturevalue("pg_url" if backend == "postgres" else "sqlite_url")
    engine = create_engine(sync_url(url))
    owner, course_id, first, second = (uuid.uuid4() for _ in range(4))
    row = {"created_at": NOW, "updated_at": NOW}
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(users).values(
                    id=owner, email="o@example.com", full_name="O", password_hash="h", role="instructor",
                    is_active=True, mfa_enabled=False, **row,
                )
            )  # fmt: skip
            conn.execute(
                insert(courses).values(
                    id=course_id,
                    instructor_id=owner,
                    title="C",
                    slug="c",
                    description="",
                    is_published=False,
                    **row,
                )
            )
            for n, lesson_id in enumerate((first, second), start=1):
                conn.execute(
                    insert(lessons).values(
                        id=lesson_id, course_id=course_id, title=f"L{n}", content_type="text",
                        duration_minutes=0, is_preview=False, position=n, **row,
                    )
                )  # fmt: skip
            conn.execute(
                insert(lesson_release_lessons).values(lesson_id=second, required_lesson_id=first, position=1)
            )
        command.downgrade(alembic_config(url), "0016")
        with engine.connect() as conn:
            assert NEW_TABLES.isdisjoint(inspect(conn).get_table_names())
            assert conn.execute(select(lessons.c.id).order_by(lessons.c.position)).scalars().all() == [
                first,
                second,
            ]
        upgrade(url)
        with engine.begin() as conn:
            assert set(inspect(conn).get_table_names()) >= NEW_TABLES
            for table in (lesson_release_lessons, lesson_release_quizzes, course_prerequisites):
                assert conn.execute(select(table)).all() == []  # the rules went with the tables
            conn.execute(
                insert(lesson_release_lessons).values(lesson_id=second, required_lesson_id=first, position=1)
            )
            assert conn.execute(select(courses.c.title)).scalars().all() == ["C"]
    finally:
        engine.dispose()

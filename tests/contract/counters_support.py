"""What the counter suites check after writes: every counter equals its recount from the rows, and
the reports that read the counters answer what the aggregates over the rows answer."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_adapters.sql.analytics import recount, statements
from lms_adapters.sql.counters import reconcile
from lms_adapters.sql.engine import prepare_sqlite
from lms_adapters.sql.tables import courses, users
from lms_adapters.sql.urls import sync_url

__all__ = ["assert_counted", "differing", "reports", "write_errors"]


def _differing(url: str) -> int:
    sync = sync_url(url)
    engine = create_engine(sync)
    if sync.get_backend_name() == "sqlite":
        prepare_sqlite(engine)
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            changed = reconcile(conn)
            transaction.rollback()
            return changed
    finally:
        engine.dispose()


async def differing(url: str) -> int:
    """How many counters differ from their recount (the recount is rolled back)."""
    return await asyncio.to_thread(_differing, url)


def _plain(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
        return value
    return int(value)


async def _rows(engine: AsyncEngine, statement: Any, **values: Any) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        return [tuple(_plain(v) for v in row) for row in await conn.execute(statement, values)]


async def reports(engine: AsyncEngine, module: Any, *, active_since: datetime) -> dict[str, Any]:
    """Every instructor's, course's and the system's report rows, by the statements of ``module``."""
    async with engine.connect() as conn:
        teachers: list[UUID] = list(
            (await conn.execute(select(courses.c.instructor_id).distinct())).scalars()
        )
        course_ids: list[UUID] = list((await conn.execute(select(courses.c.id))).scalars())
        teachers += list(
            (await conn.execute(select(users.c.id).where(users.c.role == "instructor"))).scalars()
        )
    found: dict[str, Any] = {}
    for teacher in set(teachers):
        found[f"totals {teacher}"] = await _rows(engine, module.INSTRUCTOR_TOTALS(), instructor_id=teacher)
        found[f"courses {teacher}"] = await _rows(engine, module.INSTRUCTOR_COURSES(), instructor_id=teacher)
    for course_id in course_ids:
        found[f"course {course_id}"] = await _rows(engine, module.COURSE(), course_id=course_id)
    found["system"] = await _rows(engine, module.SYSTEM_COUNTS(), active_since=active_since)
    roles = dict(await _rows(engine, module.USERS_BY_ROLE()))
    found["by role"] = {role: n for role, n in roles.items() if n}  # a role nobody has any more: 0
    return found


async def assert_counted(engine: AsyncEngine, url: str, now: datetime) -> None:
    """The counters equal the recount, and the reports equal the aggregates over the rows."""
    assert await differing(url) == 0
    since = now - timedelta(days=30)
    assert await reports(engine, statements, active_since=since) == await reports(
        engine, recount, active_since=since
    )


def write_errors(error: BaseException) -> str:
    """``error`` and its causes, as text (to look for a deadlock in)."""
    seen: list[str] = []
    current: BaseException | None = error
    while current is not None and len(seen) < 10:
        seen.append(f"{type(current).__name__}: {current}")
        current = current.__cause__ or current.__context__
    return " <- ".join(seen)

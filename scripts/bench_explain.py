"""EXPLAIN ANALYZE of the statements behind the measured read endpoints, as the adapters send them.

The repositories run against the benchmark database while an engine hook records each
statement and its parameters; every recorded statement is then explained with the same
parameters. Prints Markdown (``make bench-explain`` writes bench/explain-<scale>.md).

Usage: python scripts/bench_explain.py [DATABASE_URL]
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from lms_adapters.sql.analytics import SqlAnalyticsQueries
from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.seed import seed_uuid
from lms_adapters.sql.uow import SqlUnitOfWork
from lms_domain.catalog.entities import DifficultyLevel
from lms_domain.catalog.ports import CourseQuery
from lms_domain.shared.pagination import PageRequest

DEMO_STUDENT = seed_uuid("user", 2)
DEMO_INSTRUCTOR = seed_uuid("user", 1)


async def main(url: str) -> None:
    engine = make_engine(url)
    recorded: list[tuple[str, Any]] = []
    recording = False

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if recording and statement.lstrip().upper().startswith("SELECT"):
            recorded.append((statement, parameters))

    cases = {
        "list courses p1 (anonymous, newest first)": lambda u: u.courses.list(
            query=CourseQuery(), page=PageRequest(1, 20)
        ),
        "list courses p200": lambda u: u.courses.list(query=CourseQuery(), page=PageRequest(200, 20)),
        "list courses filtered (category + difficulty)": lambda u: u.courses.list(
            query=CourseQuery(category="programming", difficulty_level=DifficultyLevel.BEGINNER),
            page=PageRequest(1, 20),
        ),
        "get course: the course": lambda u: u.courses.get(seed_uuid("course", 0)),
        "get course: its lessons": lambda u: u.lessons.list_for_course(seed_uuid("course", 0)),
        "users/me": lambda u: u.users.get(DEMO_STUDENT),
        "my-courses (count, then the page with progress)": lambda u: u.enrollments.list_for_student(
            DEMO_STUDENT, page=PageRequest(1, 20)
        ),
    }
    reports = {
        "analytics student": lambda a: a.student(DEMO_STUDENT),
        "analytics instructor": lambda a: a.instructor(DEMO_INSTRUCTOR),
        "analytics course": lambda a: a.course(seed_uuid("course", 0)),
        "analytics system": lambda a: a.system(active_since=datetime.now(UTC) - timedelta(days=30)),
    }
    try:
        for title, call in [*cases.items(), *reports.items()]:
            recorded.clear()
            unit = SqlAnalyticsQueries(engine) if title.startswith("analytics") else SqlUnitOfWork(engine)
            async with unit as uow:
                recording = True
                await call(uow)
                recording = False
                explained = []
                for statement, parameters in list(recorded):
                    conn = uow.connection  # both hold their open AsyncConnection there
                    rows = await conn.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON) " + statement, parameters
                    )
                    explained.append("\n".join(r[0] for r in rows))
            print(f"#### {title}\n")
            for text in explained:
                print("```text\n" + text + "\n```\n")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(
        main(
            sys.argv[1]
            if len(sys.argv) > 1
            else os.environ.get("LMS_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/lms_bench")
        )
    )

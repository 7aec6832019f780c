"""Analytics cost a fixed number of SQL statements: the same before and after 10x more data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from lms_adapters.sql.analytics import SqlAnalyticsQueries
from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.uow import SqlUnitOfWork
from lms_domain.analytics import use_cases as uc
from lms_domain.shared.actors import Actor, Role
from tests.conftest import needs_pg
from tests.contract.analytics_data import NOW, Scenario, add_scale, build_scenario
from tests.contract.test_query_counts import Counter


class _Clock:
    def now(self) -> Any:
        return NOW


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=needs_pg)])
async def sql(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[Callable[[], SqlUnitOfWork], Callable[[], SqlAnalyticsQueries], Counter]]:
    engine = make_engine(request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url"))
    yield (lambda: SqlUnitOfWork(engine)), (lambda: SqlAnalyticsQueries(engine)), Counter(engine)
    await engine.dispose()


async def test_each_report_costs_the_same_with_10x_more_data(
    sql: tuple[Callable[[], SqlUnitOfWork], Callable[[], SqlAnalyticsQueries], Counter],
) -> None:
    new_uow, new_queries, counter = sql
    s: Scenario = await build_scenario(new_uow)
    owner = Actor(user_id=s.owner.id, role=Role.INSTRUCTOR)
    admin = Actor(user_id=s.admin.id, role=Role.ADMIN)
    student = Actor(user_id=s.s1.id, role=Role.STUDENT)
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "student": lambda: uc.GetStudentAnalytics(new_queries())(actor=student),
        "instructor": lambda: uc.GetInstructorAnalytics(new_queries())(actor=owner),
        "instructor for an admin": lambda: uc.GetInstructorAnalytics(new_queries())(
            actor=admin, instructor_id=s.owner.id
        ),
        "course": lambda: uc.GetCourseAnalytics(new_queries())(actor=owner, course_id=s.c1.id),
        "system": lambda: uc.GetSystemAnalytics(new_queries(), _Clock())(actor=admin),
    }

    async def costs() -> dict[str, int]:
        return {name: await counter.during(call) for name, call in calls.items()}

    small = await costs()
    before = await uc.GetInstructorAnalytics(new_queries())(actor=owner)
    await add_scale(new_uow, s, 10)
    large = await costs()
    after = await uc.GetInstructorAnalytics(new_queries())(actor=owner)
    assert (before.total_courses, after.total_courses) == (3, 13)  # the data did grow
    assert (before.total_enrollments, after.total_enrollments) == (4, 24)
    assert small == large, (small, large)
    # the report's statements, plus BEGIN (SQLite) or, for reports of several statements on
    # PostgreSQL, the snapshot's BEGIN and ROLLBACK; nothing per row
    assert all(1 <= n <= 6 for n in small.values()), small
    assert small["student"] <= 2, small  # one statement (and SQLite's BEGIN)

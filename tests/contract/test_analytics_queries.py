"""The analytics read model gives the same exact figures on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from lms_adapters.memory.analytics import MemoryAnalyticsQueries
from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_adapters.sql.analytics import SqlAnalyticsQueries
from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.uow import SqlUnitOfWork
from lms_domain.analytics.views import InstructorCourseRow, LessonRow, QuizRow
from lms_domain.shared.actors import Role
from tests.conftest import needs_pg
from tests.contract.analytics_data import NOW, Scenario, build_scenario


@dataclass
class Store:
    new_uow: Callable[[], Any]
    new_queries: Callable[[], Any]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=needs_pg)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    if request.param == "memory":
        state = MemoryState()
        yield Store(lambda: MemoryUnitOfWork(state), lambda: MemoryAnalyticsQueries(state))
        return
    engine = make_engine(request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url"))
    yield Store(lambda: SqlUnitOfWork(engine), lambda: SqlAnalyticsQueries(engine))
    await engine.dispose()


@pytest.fixture
async def scenario(store: Store) -> Scenario:
    return await build_scenario(store.new_uow)


async def test_student_figures(store: Store, scenario: Scenario) -> None:
    async with store.new_queries() as q:
        s1, s2, s3 = [await q.student(s.id) for s in (scenario.s1, scenario.s2, scenario.s3)]
        nobody = await q.student(scenario.admin.id)
    # s1: c1 complete (the deleted lesson's completion is gone), (66.67 + 100) / 2 = 83.335 -> 83.34
    assert (s1.courses_enrolled, s1.courses_completed, s1.total_lessons_completed) == (1, 1, 3)
    assert (s1.quizzes_taken, s1.average_quiz_score, s1.learning_time_minutes) == (1, 83.34, 60)
    # s2: the open attempt counts nowhere
    assert (s2.courses_enrolled, s2.courses_completed, s2.total_lessons_completed) == (2, 0, 1)
    assert (s2.quizzes_taken, s2.average_quiz_score, s2.learning_time_minutes) == (1, 83.33, 10)
    # s3: the expired attempt counts with score 0: (0 + 77.78) / 2 = 38.89
    assert (s3.courses_enrolled, s3.courses_completed, s3.total_lessons_completed) == (2, 1, 1)
    assert (s3.quizzes_taken, s3.average_quiz_score, s3.learning_time_minutes) == (2, 38.89, 15)
    assert (nobody.courses_enrolled, nobody.quizzes_taken, nobody.average_quiz_score) == (0, 0, None)
    assert nobody.learning_time_minutes == 0


async def test_instructor_figures(store: Store, scenario: Scenario) -> None:
    async with store.new_queries() as q:
        mine = await q.instructor(scenario.owner.id)
        theirs = await q.instructor(scenario.other.id)
        none = await q.instructor(scenario.admin.id)
    assert mine.instructor_id == scenario.owner.id
    assert (mine.total_courses, mine.published_courses, mine.total_enrollments, mine.total_students) == (
        3,
        2,
        4,
        3,
    )
    assert (mine.completion_rate, mine.average_quiz_score) == (25.0, 62.5)  # (66.67+100+83.33+0) / 4
    assert list(mine.courses) == [
        InstructorCourseRow(scenario.c1.id, "Python Basics", 3, 1, 44.44),  # 4 of 9 lessons
        InstructorCourseRow(scenario.c2.id, "Draft", 0, 0, None),
        InstructorCourseRow(scenario.c3.id, "Empty", 1, 0, 0.0),  # no lessons
    ]
    assert (theirs.total_courses, theirs.total_enrollments, theirs.completion_rate) == (1, 1, 100.0)
    assert theirs.average_quiz_score == 77.78
    assert list(theirs.courses) == [InstructorCourseRow(scenario.c4.id, "Elsewhere", 1, 1, 100.0)]
    assert (none.total_courses, none.completion_rate, none.average_quiz_score, list(none.courses)) == (
        0,
        None,
        None,
        [],
    )


async def test_course_figures(store: Store, scenario: Scenario) -> None:
    async with store.new_queries() as q:
        report = await q.course(scenario.c1.id)
        draft = await q.course(scenario.c2.id)
        empty = await q.course(scenario.c3.id)
    assert report is not None and report.instructor_id == scenario.owner.id
    assert (report.course_id, report.enrollments, report.completions) == (scenario.c1.id, 3, 1)
    assert (report.completion_rate, report.average_progress) == (33.33, 44.44)
    l1, l2, l3 = scenario.lessons
    assert list(report.lessons) == [
        LessonRow(l1.id, "One", 2),
        LessonRow(l2.id, "Two", 1),
        LessonRow(l3.id, "Three", 1),
    ]
    assert list(report.quizzes) == [
        QuizRow(scenario.q1.id, "Quiz one", 4, 62.5, 50.0),
        QuizRow(scenario.q2.id, "Quiz two", 0, None, None),
    ]
    assert draft is not None and empty is not None
    assert (draft.enrollments, draft.completion_rate, draft.average_progress, len(draft.lessons)) == (
        0,
        None,
        None,
        1,
    )
    assert (empty.enrollments, empty.completion_rate, empty.average_progress) == (1, 0.0, 0.0)


async def test_missing_course_and_user(store: Store, scenario: Scenario) -> None:
    import uuid

    missing = uuid.uuid4()
    async with store.new_queries() as q:
        assert await q.course(missing) is None
        assert await q.user_exists(missing) is False
        assert await q.user_exists(scenario.s1.id) is True


async def test_system_figures(store: Store, scenario: Scenario) -> None:
    async with store.new_queries() as q:
        report = await q.system(active_since=NOW - timedelta(days=30))
    assert report.total_users == 6
    assert dict(report.users_by_role) == {Role.STUDENT: 3, Role.INSTRUCTOR: 2, Role.ADMIN: 1}
    assert report.active_users_30d == 3  # owner signed in, s1 registered, s3 signed in
    assert (report.total_courses, report.published_courses, report.total_enrollments) == (4, 3, 5)
    # the open attempt left out; the one awaiting a grader counted (it was made)
    assert (report.total_certificates, report.total_quiz_attempts) == (2, 6)


async def test_system_reports_every_role_on_an_empty_store(store: Store) -> None:
    async with store.new_queries() as q:
        report = await q.system(active_since=NOW)
    assert dict(report.users_by_role) == {Role.STUDENT: 0, Role.INSTRUCTOR: 0, Role.ADMIN: 0}
    assert (report.total_users, report.active_users_30d, report.total_quiz_attempts) == (0, 0, 0)

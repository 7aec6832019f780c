"""No N+1: a page of 5 or 50 courses, enrollments or lessons with release rules (and their
``locked``) costs the same SQL statements.

Counted with SQLAlchemy's ``before_cursor_execute`` on the engine behind the units of work,
through the use cases the endpoints call, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.uow import SqlUnitOfWork
from lms_domain.assessment import use_cases as quiz
from lms_domain.assessment.entities import QuestionType
from lms_domain.catalog import use_cases as cat
from lms_domain.catalog.entities import ContentType
from lms_domain.identity.entities import User
from lms_domain.learning import use_cases as learn
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import QuizRequirement, ReleaseRule
from tests.builders import FixedClock, RecordingStamp, SequentialIds, actor
from tests.conftest import needs_pg


class Counter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.statements: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            self.statements.append(statement)

        event.listen(engine.sync_engine, "before_cursor_execute", count)

    async def during(self, work: Callable[[], Any]) -> int:
        self.statements.clear()
        await work()
        return len(self.statements)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=needs_pg)])
async def sql(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Callable[[], SqlUnitOfWork], Counter]]:
    engine = make_engine(request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url"))
    yield (lambda: SqlUnitOfWork(engine)), Counter(engine)
    await engine.dispose()


async def staff_user(new_uow: Callable[[], SqlUnitOfWork], role: Role) -> Actor:
    who = actor(role)
    clock = FixedClock()
    async with new_uow() as uow:
        await uow.users.add(
            User(
                id=who.user_id,
                email=f"{who.user_id.hex}@example.com",
                full_name="U",
                password_hash="h",
                role=role,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        await uow.commit()
    return who


async def test_listing_5_or_50_courses_costs_the_same(
    sql: tuple[Callable[[], SqlUnitOfWork], Counter],
) -> None:
    new_uow, counter = sql
    owner, clock, ids = await staff_user(new_uow, Role.INSTRUCTOR), FixedClock(), SequentialIds()
    for n in range(50):
        course = await cat.CreateCourse(new_uow(), clock, ids, RecordingStamp())(
            actor=owner, data=cat.NewCourse(title=f"C{n}")
        )
        await cat.PublishCourse(new_uow(), clock, RecordingStamp())(actor=owner, course_id=course.id)
    listing = cat.ListCourses(new_uow())

    async def page(size: int) -> None:
        result = await listing(actor=None, page=PageRequest(page_size=size))
        assert len(result.items) == size

    small, large = await counter.during(lambda: page(5)), await counter.during(lambda: page(50))
    assert small == large
    assert 1 <= small <= 2  # BEGIN (SQLite), the page carrying its total, and nothing per row


async def test_my_courses_with_5_or_50_enrollments_costs_the_same(
    sql: tuple[Callable[[], SqlUnitOfWork], Counter],
) -> None:
    new_uow, counter = sql
    owner = await staff_user(new_uow, Role.INSTRUCTOR)
    learner = await staff_user(new_uow, Role.STUDENT)
    clock, ids = FixedClock(), SequentialIds()
    for n in range(50):
        course = await cat.CreateCourse(new_uow(), clock, ids, RecordingStamp())(
            actor=owner, data=cat.NewCourse(title=f"C{n}")
        )
        for k in range(2):
            await cat.CreateLesson(new_uow(), clock, ids, RecordingStamp())(
                actor=owner,
                course_id=course.id,
                data=cat.NewLesson(title=f"L{k}", content_type=ContentType.TEXT),
            )
        await cat.PublishCourse(new_uow(), clock, RecordingStamp())(actor=owner, course_id=course.id)
        enrollment = await learn.Enroll(new_uow(), clock, ids)(actor=learner, course_id=course.id)
        first, _ = await new_uow_lessons(new_uow, course.id)
        if n % 2:
            await learn.CompleteLesson(new_uow(), clock, ids)(
                actor=learner, enrollment_id=enrollment.id, lesson_id=first
            )
        clock.advance(seconds=1)
    listing = learn.ListMyEnrollments(new_uow())

    async def page(size: int) -> None:
        result = await listing(actor=learner, page=PageRequest(page_size=size))
        assert len(result.items) == size
        assert {r.progress_percentage for r in result.items} == {0, 50}

    small, large = await counter.during(lambda: page(5)), await counter.during(lambda: page(50))
    assert small == large
    assert 1 <= small <= 2  # BEGIN (SQLite), the page carrying its total


async def new_uow_lessons(new_uow: Callable[[], SqlUnitOfWork], course_id: Any) -> tuple[Any, int]:
    async with new_uow() as uow:
        items, total = await uow.lessons.list_for_course(course_id)
    return items[0].id, total


async def test_lessons_with_release_rules_cost_the_same_for_5_or_50(
    sql: tuple[Callable[[], SqlUnitOfWork], Counter],
) -> None:
    """Every lesson waiting for the one before it and for a quiz: an enrolled student's list and
    course page (``locked`` on each lesson) cost the same statements for 5 lessons as for 50."""
    new_uow, counter = sql
    owner = await staff_user(new_uow, Role.INSTRUCTOR)
    learner = await staff_user(new_uow, Role.STUDENT)
    clock, ids = FixedClock(), SequentialIds()
    course = await cat.CreateCourse(new_uow(), clock, ids, RecordingStamp())(
        actor=owner, data=cat.NewCourse(title="Gated")
    )
    question = quiz.NewQuestion(
        question_text="2 + 2?",
        question_type=QuestionType.MULTIPLE_CHOICE,
        options=["3", "4"],
        correct_answer="4",
    )
    made = await quiz.CreateQuiz(new_uow(), clock, ids)(
        actor=owner, data=quiz.NewQuiz(course_id=course.id, title="Check", questions=[question])
    )
    previous = None
    for n in range(50):
        rule = ReleaseRule(
            after_lessons=() if previous is None else (previous,),
            after_quiz=QuizRequirement(quiz_id=made.quiz.id, min_score=50),
        )
        lesson = await cat.CreateLesson(new_uow(), clock, ids, RecordingStamp())(
            actor=owner,
            course_id=course.id,
            data=cat.NewLesson(title=f"L{n}", content_type=ContentType.TEXT, release_rule=rule),
        )
        previous = lesson.id
    await cat.PublishCourse(new_uow(), clock, RecordingStamp())(actor=owner, course_id=course.id)
    await learn.Enroll(new_uow(), clock, ids)(actor=learner, course_id=course.id)
    listing, page_of_course = cat.ListLessons(new_uow()), cat.GetCourse(new_uow())

    async def page(size: int) -> None:
        result = await listing(actor=learner, course_id=course.id, page=PageRequest(page_size=size))
        assert [v.locked for v in result.items] == [True] * size

    small, large = await counter.during(lambda: page(5)), await counter.during(lambda: page(50))
    assert small == large
    assert small <= 6  # BEGIN (SQLite), the course, the page, the rules' lessons, completions, scores

    async def outline() -> None:
        shown = await page_of_course(actor=learner, course_id=course.id)
        assert all(v.locked for v in shown.lessons)

    assert await counter.during(outline) == small


async def test_listing_courses_with_prerequisites_costs_the_same_for_5_or_50(
    sql: tuple[Callable[[], SqlUnitOfWork], Counter],
) -> None:
    new_uow, counter = sql
    owner, clock, ids = await staff_user(new_uow, Role.INSTRUCTOR), FixedClock(), SequentialIds()
    first = await cat.CreateCourse(new_uow(), clock, ids, RecordingStamp())(
        actor=owner, data=cat.NewCourse(title="First")
    )
    for n in range(50):
        course = await cat.CreateCourse(new_uow(), clock, ids, RecordingStamp())(
            actor=owner, data=cat.NewCourse(title=f"C{n}", prerequisite_course_ids=(first.id,))
        )
        await cat.PublishCourse(new_uow(), clock, RecordingStamp())(actor=owner, course_id=course.id)
    listing = cat.ListCourses(new_uow())

    async def page(size: int) -> None:
        result = await listing(actor=None, page=PageRequest(page_size=size))
        assert [c.prerequisite_course_ids for c in result.items] == [(first.id,)] * size

    small, large = await counter.during(lambda: page(5)), await counter.during(lambda: page(50))
    assert small == large
    assert 2 <= small <= 3  # BEGIN (SQLite), the page carrying its total, their prerequisites

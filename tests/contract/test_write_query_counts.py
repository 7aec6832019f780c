"""The round trips of the hot write paths, exact, so one more statement fails here: enrolling,
completing a lesson (and the one that completes the course), starting a quiz and submitting it,
through the use cases the endpoints call, on SQLite and PostgreSQL.

Counted as in ``test_query_counts.py`` (SQLAlchemy's ``before_cursor_execute``), plus the
statements some writes send on the driver's own connection (PostgreSQL: ``execute`` of the
psycopg connection, which SQLAlchemy's own statements never call: they go through cursors).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import UUID

import pytest

from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.uow import SqlUnitOfWork
from lms_domain.assessment import use_cases as quizzes
from lms_domain.assessment.entities import QuestionType
from lms_domain.assessment.grading import SubmittedAnswer
from lms_domain.catalog import use_cases as cat
from lms_domain.catalog.entities import ContentType
from lms_domain.learning import use_cases as learn
from lms_domain.shared.actors import Actor, Role
from tests.builders import FixedClock, RecordingStamp, SequentialIds
from tests.conftest import needs_pg
from tests.contract.test_query_counts import Counter, staff_user


class RoundTrips(Counter):
    """SQLAlchemy's statements and the driver's own, each with the text sent."""

    def __init__(self, engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(engine)
        if engine.dialect.name != "postgresql":
            return
        import psycopg

        execute = psycopg.AsyncConnection.execute
        statements = self.statements

        async def counted(connection: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            statements.append(str(query))
            return await execute(connection, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.AsyncConnection, "execute", counted)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=needs_pg)])
async def sql(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Callable[[], SqlUnitOfWork], RoundTrips, str]]:
    engine = make_engine(request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url"))
    yield (lambda: SqlUnitOfWork(engine)), RoundTrips(engine, monkeypatch), request.param
    await engine.dispose()


def by_store(store: str, *, sqlite: dict[str, int], postgres: dict[str, int]) -> dict[str, int]:
    return sqlite if store == "sqlite" else postgres


async def course_with_lessons(
    new_uow: Callable[[], SqlUnitOfWork], owner: Actor, clock: FixedClock, ids: SequentialIds, *, lessons: int
) -> tuple[UUID, list[UUID]]:
    course = await cat.CreateCourse(new_uow(), clock, ids, RecordingStamp())(
        actor=owner, data=cat.NewCourse(title="C")
    )
    made = []
    for k in range(lessons):
        lesson = await cat.CreateLesson(new_uow(), clock, ids, RecordingStamp())(
            actor=owner, course_id=course.id, data=cat.NewLesson(title=f"L{k}", content_type=ContentType.TEXT)
        )
        made.append(lesson.id)
    await cat.PublishCourse(new_uow(), clock, RecordingStamp())(actor=owner, course_id=course.id)
    return course.id, made


async def test_enrolling_and_completing_lessons(
    sql: tuple[Callable[[], SqlUnitOfWork], RoundTrips, str],
) -> None:
    """Enroll; complete the first of two lessons, the same again (nothing changes), and the last
    (which completes the enrollment too)."""
    new_uow, counter, store = sql
    owner, clock, ids = await staff_user(new_uow, Role.INSTRUCTOR), FixedClock(), SequentialIds()
    learner = await staff_user(new_uow, Role.STUDENT)
    course_id, (first, last) = await course_with_lessons(new_uow, owner, clock, ids, lessons=2)
    enrolled: list[Any] = []

    async def enroll() -> None:
        enrolled.append(await learn.Enroll(new_uow(), clock, ids)(actor=learner, course_id=course_id))

    def complete(lesson_id: UUID) -> Callable[[], Any]:
        async def work() -> None:
            await learn.CompleteLesson(new_uow(), clock, ids)(
                actor=learner, enrollment_id=enrolled[0].id, lesson_id=lesson_id
            )

        return work

    costs = {
        "enroll": await counter.during(enroll),
        "complete": await counter.during(complete(first)),
        "again": await counter.during(complete(first)),
        "last": await counter.during(complete(last)),
    }
    # PostgreSQL: enrolling is the guarded insert and its event (both on the driver); completing, the
    # enrollment locked with the lesson, ``complete`` (on the driver), and each event; a repeat,
    # the first two. SQLite adds BEGIN, and the steps of ``complete`` and of each event one by one.
    assert costs == by_store(
        store,
        sqlite={"enroll": 4, "complete": 6, "again": 5, "last": 9},
        postgres={"enroll": 2, "complete": 3, "again": 2, "last": 4},
    )
    async with new_uow() as uow:
        done = await uow.enrollments.get(enrolled[0].id)
    assert done is not None
    assert done.completed_at == clock.now()


async def test_starting_and_submitting_a_quiz(
    sql: tuple[Callable[[], SqlUnitOfWork], RoundTrips, str],
) -> None:
    new_uow, counter, store = sql
    owner, clock, ids = await staff_user(new_uow, Role.INSTRUCTOR), FixedClock(), SequentialIds()
    learner = await staff_user(new_uow, Role.STUDENT)
    course_id, _ = await course_with_lessons(new_uow, owner, clock, ids, lessons=1)
    await learn.Enroll(new_uow(), clock, ids)(actor=learner, course_id=course_id)
    made = await quizzes.CreateQuiz(new_uow(), clock, ids)(
        actor=owner,
        data=quizzes.NewQuiz(
            course_id=course_id,
            title="Q",
            questions=[
                quizzes.NewQuestion(
                    question_text=f"Q{k}", question_type=QuestionType.SHORT_ANSWER, correct_answer="yes"
                )
                for k in range(3)
            ],
        ),
    )
    await quizzes.PublishQuiz(new_uow(), clock)(actor=owner, quiz_id=made.quiz.id)
    started: list[Any] = []

    async def start() -> None:
        started.append(
            await quizzes.StartAttempt(new_uow(), clock, ids, random.Random(0))(
                actor=learner, quiz_id=made.quiz.id
            )
        )

    async def submit() -> None:
        view = await quizzes.SubmitAttempt(new_uow(), clock)(
            actor=learner,
            attempt_id=started[0].attempt.id,
            answers=[SubmittedAnswer(question_id=q.id, answer="yes") for q in started[0].questions],
        )
        assert view.attempt.score == 100.0

    costs = {"start": await counter.during(start), "submit": await counter.during(submit)}
    # PostgreSQL: a start is the quiz locked with what it checks, its questions, and the attempt
    # with the questions it holds (on the driver); a submission, the attempt locked with its quiz
    # and course, the closing update and the event (both on the driver). SQLite adds BEGIN, inserts the
    # held questions on their own, and reads the event's subscribers.
    assert costs == by_store(store, sqlite={"start": 5, "submit": 5}, postgres={"start": 3, "submit": 3})
    async with new_uow() as uow:
        held = await uow.attempts.get(started[0].attempt.id)
    assert held is not None
    assert held.score == 100.0

"""No N+1 for quizzes: a page of 5 or 50 quizzes, with their question counts, costs the same SQL
statements, through the use case the endpoint calls, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

from lms_adapters.sql.uow import SqlUnitOfWork
from lms_domain.assessment import use_cases as quizzes
from lms_domain.assessment.entities import QuestionType
from lms_domain.assessment.grading import SubmittedAnswer
from lms_domain.catalog import use_cases as cat
from lms_domain.integrations.entities import Webhook
from lms_domain.learning import use_cases as learn
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.events import Event, EventType
from lms_domain.shared.pagination import PageRequest
from tests.builders import FixedClock, RecordingStamp, SequentialIds
from tests.contract.test_query_counts import Counter, sql, staff_user

__all__ = ["sql"]  # the fixture


def questions(n: int) -> list[quizzes.NewQuestion]:
    return [
        quizzes.NewQuestion(
            question_text=f"Q{k}", question_type=QuestionType.SHORT_ANSWER, correct_answer="yes"
        )
        for k in range(n)
    ]


async def test_listing_5_or_50_quizzes_costs_the_same(
    sql: tuple[Callable[[], SqlUnitOfWork], Counter],
) -> None:
    new_uow, counter = sql
    owner, clock, ids = await staff_user(new_uow, Role.INSTRUCTOR), FixedClock(), SequentialIds()
    course = await cat.CreateCourse(new_uow(), clock, ids, RecordingStamp())(
        actor=owner, data=cat.NewCourse(title="C")
    )
    await cat.PublishCourse(new_uow(), clock, RecordingStamp())(actor=owner, course_id=course.id)
    for n in range(50):
        view = await quizzes.CreateQuiz(new_uow(), clock, ids)(
            actor=owner,
            data=quizzes.NewQuiz(course_id=course.id, title=f"Quiz {n}", questions=questions(1 + n % 3)),
        )
        await quizzes.PublishQuiz(new_uow(), clock)(actor=owner, quiz_id=view.quiz.id)
        clock.advance(seconds=1)
    listing = quizzes.ListQuizzes(new_uow())

    async def page(size: int) -> None:
        for who in (None, owner):
            result = await listing(actor=who, page=PageRequest(page_size=size))
            assert len(result.items) == size
            assert result.total == 50
            assert [s.question_count for s in result.items] == [1 + n % 3 for n in range(size)]

    small, large = await counter.during(lambda: page(5)), await counter.during(lambda: page(50))
    assert small == large
    assert 4 <= small <= 8  # per listing: BEGIN (SQLite), a count, the page; nothing per row


ANSWER = "4"


async def taken_quiz(
    new_uow: Callable[[], SqlUnitOfWork],
    owner: Actor,
    clock: FixedClock,
    ids: SequentialIds,
    course_id: UUID,
    *,
    attempts: int,
) -> tuple[UUID, UUID]:
    """A published quiz of one question, submitted ``attempts`` times (answer ``"4"``, key ``"3"``:
    every attempt scores 0, so each regrade to ``"4"`` and back changes every score); the quiz and
    question ids."""
    made = await quizzes.CreateQuiz(new_uow(), clock, ids)(
        actor=owner,
        data=quizzes.NewQuiz(
            course_id=course_id,
            title="Sum",
            questions=[
                quizzes.NewQuestion(
                    question_text="2 + 2?",
                    question_type=QuestionType.MULTIPLE_CHOICE,
                    options=["3", ANSWER],
                    correct_answer="3",
                )
            ],
        ),
    )
    await quizzes.PublishQuiz(new_uow(), clock)(actor=owner, quiz_id=made.quiz.id)
    question_id = made.questions[0].id
    for _ in range(attempts):
        learner = await staff_user(new_uow, Role.STUDENT)
        await learn.Enroll(new_uow(), clock, ids)(actor=learner, course_id=course_id)
        started = await quizzes.StartAttempt(new_uow(), clock, ids, random.Random(0))(
            actor=learner, quiz_id=made.quiz.id
        )
        await quizzes.SubmitAttempt(new_uow(), clock)(
            actor=learner,
            attempt_id=started.attempt.id,
            answers=[SubmittedAnswer(question_id=question_id, answer=ANSWER)],
        )
    return made.quiz.id, question_id


async def published_course(
    new_uow: Callable[[], SqlUnitOfWork], owner: Actor, clock: FixedClock, ids: Any
) -> UUID:
    course = await cat.CreateCourse(new_uow(), clock, ids, RecordingStamp())(
        actor=owner, data=cat.NewCourse(title="C")
    )
    await cat.PublishCourse(new_uow(), clock, RecordingStamp())(actor=owner, course_id=course.id)
    return course.id


async def listening(new_uow: Callable[[], SqlUnitOfWork], clock: FixedClock, *types: EventType) -> None:
    """A webhook subscribed to ``types``, so events make deliveries (the outbox's last statement)."""
    hook_id = uuid.uuid4()
    async with new_uow() as uow:
        await uow.webhooks.add(
            Webhook(
                id=hook_id,
                url=f"https://receiver.example/{hook_id.hex}",
                events=list(types),
                description="",
                secret=f"whsec_{hook_id.hex}",
                is_active=True,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        await uow.commit()


async def test_a_regrade_costs_the_same_for_10_or_40_attempts_in_one_batch(
    sql: tuple[Callable[[], SqlUnitOfWork], Counter],
) -> None:
    """The statements of a regrade depend on its batches only: with ``batch_size=50`` 10 and 40
    submitted attempts (every score changing: history and ``attempt.graded`` for each) cost the
    same; each batch more costs the same fixed number of statements."""
    new_uow, counter = sql
    owner, clock, ids = await staff_user(new_uow, Role.INSTRUCTOR), FixedClock(), SequentialIds()
    await listening(new_uow, clock, EventType.ATTEMPT_GRADED)
    course_id = await published_course(new_uow, owner, clock, ids)
    few = await taken_quiz(new_uow, owner, clock, ids, course_id, attempts=10)
    many = await taken_quiz(new_uow, owner, clock, ids, course_id, attempts=40)
    keys = itertools.cycle([ANSWER, "3"])

    async def regrade(quiz_question: tuple[UUID, UUID], batch_size: int, expected: int) -> int:
        quiz_id, question_id = quiz_question

        async def work() -> None:
            result = await quizzes.RegradeQuestion(new_uow(), clock, ids, batch_size=batch_size)(
                actor=owner, quiz_id=quiz_id, question_id=question_id, correct_answer=next(keys), reason="key"
            )
            assert result == quizzes.RegradeResult(attempts_regraded=expected, scores_changed=expected)

        return await counter.during(work)

    one_batch_few = await regrade(few, 50, 10)
    keys = itertools.cycle([ANSWER, "3"])
    one_batch_many = await regrade(many, 50, 40)
    assert one_batch_few == one_batch_many
    # 40 attempts: 4 full batches of 10 and an empty read, or 2 of 20 and an empty read
    four = await regrade(many, 10, 40)
    two = await regrade(many, 20, 40)
    per_batch = (four - two) // 2
    assert four - two == 2 * per_batch
    assert (
        four == one_batch_many + 3 * per_batch + 1
    )  # 3 batches more, and the empty read after the last full one
    # per batch: the attempts holding it, their quizzes, the grades, the history, the events,
    # their subscribers and deliveries
    assert per_batch == 7
    async with new_uow() as uow:
        history = await uow.attempts.history((await uow.attempts.holding(many[1], after=None, limit=1))[0].id)
    assert len(history) == 3  # one entry per regrade of that quiz's question


async def test_record_many_costs_the_same_for_2_or_20_events(
    sql: tuple[Callable[[], SqlUnitOfWork], Counter],
) -> None:
    new_uow, counter = sql
    clock = FixedClock()
    await listening(new_uow, clock, EventType.ATTEMPT_GRADED, EventType.ENROLLMENT_CREATED)
    await listening(new_uow, clock, EventType.ATTEMPT_GRADED)

    def batch(n: int) -> list[Event]:
        kinds = [EventType.ATTEMPT_GRADED, EventType.ENROLLMENT_CREATED, EventType.USER_ERASED]
        return [Event.of(kinds[k % 3], at=clock.now(), attempt_id=uuid.uuid4()) for k in range(n)]

    async def recorded(events: list[Event]) -> int:
        async def work() -> None:
            async with new_uow() as uow:
                await uow.events.record_many(events)
                await uow.commit()

        return await counter.during(work)

    two, twenty, none = await recorded(batch(2)), await recorded(batch(20)), await recorded([])
    assert two == twenty
    # beyond an empty unit (BEGIN on SQLite, nothing on PostgreSQL): the events, their
    # subscribers, the deliveries
    assert two - none == 3
    async with new_uow() as uow:
        hooks, _ = await uow.webhooks.list(page=PageRequest())
        totals = [
            (await uow.deliveries.list_for_webhook(h.id, status=None, page=PageRequest()))[1] for h in hooks
        ]
    # attempt.graded and enrollment.created: 2 of the 2 events and 14 of the 20; attempt.graded: 1 and 7
    assert sorted(totals) == [8, 16]


async def test_starting_and_submitting_cost_the_same_for_1_or_20_questions(
    sql: tuple[Callable[[], SqlUnitOfWork], Counter],
) -> None:
    """A quiz without pools: a start and a submit cost the same statements whatever the number of
    questions (on PostgreSQL the start's insert and the submit's event go on the driver's
    connection, unseen here; ``test_write_query_counts.py`` counts them too)."""
    new_uow, counter = sql
    owner, clock, ids = await staff_user(new_uow, Role.INSTRUCTOR), FixedClock(), SequentialIds()
    course_id = await published_course(new_uow, owner, clock, ids)
    learner = await staff_user(new_uow, Role.STUDENT)
    await learn.Enroll(new_uow(), clock, ids)(actor=learner, course_id=course_id)
    costs = []
    for n in (1, 20):
        made = await quizzes.CreateQuiz(new_uow(), clock, ids)(
            actor=owner, data=quizzes.NewQuiz(course_id=course_id, title=f"{n}", questions=questions(n))
        )
        await quizzes.PublishQuiz(new_uow(), clock)(actor=owner, quiz_id=made.quiz.id)
        started: list[Any] = []

        async def start(quiz_id: UUID = made.quiz.id, into: list[Any] = started) -> None:
            into.append(
                await quizzes.StartAttempt(new_uow(), clock, ids, random.Random(0))(
                    actor=learner, quiz_id=quiz_id
                )
            )

        async def submit(into: list[Any] = started) -> None:
            view = await quizzes.SubmitAttempt(new_uow(), clock)(
                actor=learner,
                attempt_id=into[0].attempt.id,
                answers=[SubmittedAnswer(question_id=q.id, answer="yes") for q in into[0].questions],
            )
            assert view.attempt.score == 100.0

        costs.append((await counter.during(start), await counter.during(submit)))
    assert costs[0] == costs[1]
    start_cost, submit_cost = costs[0]
    # a start: 5 on SQLite (BEGIN, the quiz with its course, the enrollment and the open attempt,
    # its questions, the guarded insert of the attempt, the questions it holds), 2 seen here on
    # PostgreSQL (the insert goes on the driver's connection);
    # a submit: 5 on SQLite (BEGIN, the attempt with its quiz and course, the closing update, the
    # event and the read of its subscribers), 1 seen here on PostgreSQL (the closing update and the
    # event go on the driver's connection)
    assert start_cost <= 5
    assert submit_cost <= 5

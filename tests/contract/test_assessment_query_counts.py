"""No N+1 for quizzes: a page of 5 or 50 quizzes, with their question counts, costs the same SQL
statements, through the use case the endpoint calls, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from lms_adapters.sql.uow import SqlUnitOfWork
from lms_domain.assessment import use_cases as quizzes
from lms_domain.assessment.entities import QuestionType
from lms_domain.catalog import use_cases as cat
from lms_domain.shared.actors import Role
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

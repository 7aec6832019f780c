"""Assessment ports (QuizRepository, AttemptRepository, CourseDirectory) against their adapters.

Only the memory adapters exist so far; an SQL adapter joins by adding a ``world`` parameter that
seeds the catalog tables the directory reads.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from lms_adapters.memory.assessment import MemoryAssessmentState, MemoryAssessmentUnitOfWork
from lms_domain.assessment.entities import (
    AnswerResult,
    Attempt,
    AttemptStatus,
    CourseRef,
    Question,
    QuestionType,
    Quiz,
)
from lms_domain.assessment.ports import AttemptOpen
from lms_domain.assessment.views import QuizAudience
from lms_domain.shared.pagination import PageRequest

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class World:
    """A fresh store: units of work over it, and a way to put in the catalog rows assessment reads."""

    new_uow: Callable[[], Any]
    add_course: Callable[[CourseRef], None]
    add_lesson: Callable[[UUID, UUID], None]
    enroll: Callable[[UUID, UUID], None]


@pytest.fixture(params=["memory"])
def world(request: pytest.FixtureRequest) -> World:
    state = MemoryAssessmentState()
    return World(
        new_uow=lambda: MemoryAssessmentUnitOfWork(state),
        add_course=lambda ref: state.courses.__setitem__(ref.id, ref),
        add_lesson=lambda lesson_id, course_id: state.lessons.__setitem__(lesson_id, course_id),
        enroll=lambda student_id, course_id: state.enrollments.add((student_id, course_id)),
    )


def course(world: World, *, published: bool = True, owner: UUID | None = None) -> CourseRef:
    ref = CourseRef(id=uuid.uuid4(), instructor_id=owner or uuid.uuid4(), is_published=published)
    world.add_course(ref)
    return ref


def quiz(course_id: UUID, *, offset: int = 0, published: bool = True, **fields: Any) -> Quiz:
    at = NOW + timedelta(seconds=offset)
    values: dict[str, Any] = {"title": "Quiz", "is_published": published, **fields}
    return Quiz(id=uuid.uuid4(), course_id=course_id, created_at=at, updated_at=at, **values)


def question(quiz_id: UUID, order: int = 1, kind: QuestionType = QuestionType.MULTIPLE_SELECT) -> Question:
    answer: object = ["a", "c"] if kind is QuestionType.MULTIPLE_SELECT else "Paris"
    options = ["a", "b", "c"] if kind is QuestionType.MULTIPLE_SELECT else None
    return Question.create(
        id=uuid.uuid4(),
        quiz_id=quiz_id,
        question_text=f"Q{order}",
        question_type=kind,
        options=options,
        correct_answer=answer,
        points=3,
        order=order,
    )


def attempt(quiz_id: UUID, student_id: UUID, question_order: list[UUID] | None = None) -> Attempt:
    return Attempt(
        id=uuid.uuid4(),
        quiz_id=quiz_id,
        student_id=student_id,
        started_at=NOW,
        question_order=question_order or [],
    )


async def test_quiz_and_questions_round_trip(world: World) -> None:
    c = course(world)
    lesson_id = uuid.uuid4()
    world.add_lesson(lesson_id, c.id)
    q = quiz(
        c.id,
        lesson_id=lesson_id,
        description="d",
        time_limit_minutes=30,
        passing_score_percentage=62.5,
        shuffle_questions=True,
        max_attempts=3,
    )
    later, first, short = question(q.id, 2), question(q.id, 1), question(q.id, 3, QuestionType.SHORT_ANSWER)
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        for item in (later, short, first):
            await uow.quizzes.add_question(item)
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.quizzes.get(q.id) == q
        detail = await uow.quizzes.get_with_questions(q.id)
        assert detail is not None
        assert detail.quiz == q
        assert list(detail.questions) == [first, later, short]
        assert await uow.quizzes.get_question(q.id, first.id) == first
        assert await uow.quizzes.get_question(uuid.uuid4(), first.id) is None
        assert await uow.quizzes.count_questions(q.id) == 3
        assert await uow.quizzes.max_question_order(q.id) == 3
        assert await uow.quizzes.max_question_order(uuid.uuid4()) == 0
        assert await uow.quizzes.get(uuid.uuid4()) is None
        assert await uow.quizzes.get_with_questions(uuid.uuid4()) is None


async def test_updates_and_deletes(world: World) -> None:
    c = course(world)
    q = quiz(c.id, published=False)
    keep, drop = question(q.id, 1), question(q.id, 2)
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.quizzes.add_question(keep)
        await uow.quizzes.add_question(drop)
        await uow.commit()
    q.title, q.is_published, q.updated_at = "Renamed", True, NOW + timedelta(hours=1)
    keep.points, keep.order = 9, 5
    async with world.new_uow() as uow:
        await uow.quizzes.update(q)
        await uow.quizzes.update_question(keep)
        await uow.quizzes.delete_question(drop.id)
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.quizzes.get(q.id) == q
        detail = await uow.quizzes.get_with_questions(q.id)
        assert detail is not None
        assert list(detail.questions) == [keep]


async def test_deleting_a_quiz_removes_its_questions_and_attempts(world: World) -> None:
    c = course(world)
    gone, kept = quiz(c.id), quiz(c.id)
    student = uuid.uuid4()
    a, b = attempt(gone.id, student), attempt(kept.id, student)
    async with world.new_uow() as uow:
        for q in (gone, kept):
            await uow.quizzes.add(q)
            await uow.quizzes.add_question(question(q.id))
        await uow.attempts.add(a)
        await uow.attempts.add(b)
        await uow.commit()
    async with world.new_uow() as uow:
        await uow.quizzes.delete(gone.id)
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.quizzes.get(gone.id) is None
        assert await uow.quizzes.count_questions(gone.id) == 0
        assert await uow.attempts.get(a.id) is None
        assert await uow.attempts.get(b.id) == b
        assert await uow.quizzes.count_questions(kept.id) == 1


async def test_list_respects_audience_filters_and_pages(world: World) -> None:
    owner = uuid.uuid4()
    public, hidden = course(world, owner=owner), course(world, published=False, owner=owner)
    lesson_id = uuid.uuid4()
    world.add_lesson(lesson_id, public.id)
    live = quiz(public.id, offset=1, lesson_id=lesson_id)
    draft = quiz(public.id, offset=2, published=False)
    secret = quiz(hidden.id, offset=3)
    other = quiz(course(world).id, offset=4)
    async with world.new_uow() as uow:
        for q in (other, secret, draft, live):
            await uow.quizzes.add(q)
        await uow.quizzes.add_question(question(live.id, 1))
        await uow.quizzes.add_question(question(live.id, 2))
        await uow.commit()

    async def ids(audience: QuizAudience, page: PageRequest | None = None, **filters: Any) -> list[UUID]:
        async with world.new_uow() as uow:
            items, total = await uow.quizzes.list(page=page or PageRequest(), audience=audience, **filters)
        if page is None:
            assert total == len(items)
        return [s.quiz.id for s in items]

    assert await ids(QuizAudience()) == [live.id, other.id]
    assert await ids(QuizAudience(course_owner_id=owner)) == [live.id, draft.id, secret.id, other.id]
    assert await ids(QuizAudience(sees_everything=True), published_only=True) == [
        live.id,
        secret.id,
        other.id,
    ]
    assert await ids(QuizAudience(sees_everything=True), course_id=public.id) == [live.id, draft.id]
    assert await ids(QuizAudience(), lesson_id=lesson_id) == [live.id]
    assert await ids(QuizAudience(sees_everything=True), PageRequest(page=2, page_size=3)) == [other.id]
    async with world.new_uow() as uow:
        items, total = await uow.quizzes.list(page=PageRequest(page_size=1), audience=QuizAudience())
    assert total == 2
    assert [(s.quiz, s.question_count) for s in items] == [(live, 2)]


async def test_attempts_round_trip_and_one_open_per_student_and_quiz(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    student = uuid.uuid4()
    first = attempt(q.id, student, [uuid.uuid4(), uuid.uuid4()])
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.attempts.add(first)
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.attempts.get(first.id) == first
        assert await uow.attempts.get_open(student, q.id) == first
        assert await uow.attempts.get_open(uuid.uuid4(), q.id) is None
        with pytest.raises(AttemptOpen):
            await uow.attempts.add(attempt(q.id, student))
        await uow.attempts.add(attempt(q.id, uuid.uuid4()))  # the transaction survives the refusal
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.attempts.get(uuid.uuid4()) is None


async def test_finish_closes_an_open_attempt_once(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    student = uuid.uuid4()
    a = attempt(q.id, student)
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.attempts.add(a)
        await uow.commit()
    results = [
        AnswerResult(question_id=uuid.uuid4(), answer=["a", "c"], correct=True, points_earned=3),
        AnswerResult(question_id=uuid.uuid4(), answer=None, correct=False, points_earned=0),
        AnswerResult(question_id=uuid.uuid4(), answer="x", correct=False, points_earned=0),
    ]
    a.submit(answers=results, score=33.33, passed=False, now=NOW + timedelta(minutes=5))
    async with world.new_uow() as uow:
        assert await uow.attempts.finish(a) is True
        await uow.commit()
    again = attempt(q.id, student)
    again.id = a.id
    again.expire(NOW + timedelta(minutes=9))
    async with world.new_uow() as uow:
        assert await uow.attempts.finish(again) is False
        assert await uow.attempts.get(a.id) == a
        assert await uow.attempts.count_submitted(student, q.id) == 1
        assert await uow.attempts.get_open(student, q.id) is None
        await uow.attempts.add(attempt(q.id, student))  # a finished attempt no longer blocks a new one
        await uow.commit()


async def test_count_submitted_counts_submitted_and_expired_not_open(world: World) -> None:
    c = course(world)
    q, other = quiz(c.id), quiz(c.id)
    student = uuid.uuid4()
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.quizzes.add(other)
        for status in (AttemptStatus.SUBMITTED, AttemptStatus.EXPIRED):
            done = attempt(q.id, student)
            await uow.attempts.add(done)
            if status is AttemptStatus.SUBMITTED:
                done.submit(answers=[], score=50.0, passed=True, now=NOW)
            else:
                done.expire(NOW)
            assert await uow.attempts.finish(done)
        await uow.attempts.add(attempt(q.id, student))
        await uow.attempts.add(attempt(other.id, student))
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.attempts.count_submitted(student, q.id) == 2
        assert await uow.attempts.count_submitted(student, other.id) == 0
        assert await uow.attempts.count_submitted(uuid.uuid4(), q.id) == 0


async def test_leaving_without_commit_rolls_back(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.quizzes.add_question(question(q.id))
        await uow.attempts.add(attempt(q.id, uuid.uuid4()))
    async with world.new_uow() as uow:
        assert await uow.quizzes.get(q.id) is None
        assert await uow.quizzes.count_questions(q.id) == 0


async def test_course_directory_reads_courses_lessons_and_enrollments(world: World) -> None:
    c = course(world, published=False)
    lesson_id, student = uuid.uuid4(), uuid.uuid4()
    world.add_lesson(lesson_id, c.id)
    world.enroll(student, c.id)
    async with world.new_uow() as uow:
        directory = uow.course_directory
        assert await directory.course(c.id) == c
        assert await directory.course(uuid.uuid4()) is None
        assert await directory.lesson_course_id(lesson_id) == c.id
        assert await directory.lesson_course_id(uuid.uuid4()) is None
        assert await directory.is_enrolled(student, c.id) is True
        assert await directory.is_enrolled(uuid.uuid4(), c.id) is False
        assert await directory.is_enrolled(student, uuid.uuid4()) is False


async def test_entities_read_back_are_copies(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.commit()
    q.title = "Changed outside"
    async with world.new_uow() as uow:
        stored = await uow.quizzes.get(q.id)
        assert stored is not None
        assert stored.title == "Quiz"
        stored.title = "Changed without update"
    async with world.new_uow() as uow:
        again = await uow.quizzes.get(q.id)
        assert again is not None
        assert again.title == "Quiz"

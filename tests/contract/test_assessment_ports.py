"""Assessment ports (QuizRepository, AttemptRepository, CourseDirectory) against their adapters:
the shared memory state, and SQL on SQLite and PostgreSQL (migrated databases).

The ``world`` seeds what assessment reads but does not write (users, courses, lessons,
enrollments): straight into ``MemoryState``, or with plain inserts through a synchronous engine.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

import pytest
from alembic import command
from sqlalchemy import create_engine, insert, select

from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.migrate import alembic_config, upgrade
from lms_adapters.sql.tables import courses, enrollments, lessons, questions, quiz_attempts, quizzes, users
from lms_adapters.sql.uow import SqlUnitOfWork
from lms_adapters.sql.urls import sync_url
from lms_domain.assessment.entities import (
    AnswerResult,
    Attempt,
    AttemptStatus,
    CourseRef,
    Question,
    QuestionChanges,
    QuestionType,
    Quiz,
    Scoring,
)
from lms_domain.assessment.ports import AttemptOpen
from lms_domain.assessment.views import QuizAudience
from lms_domain.catalog.entities import ContentType, Course, Lesson
from lms_domain.learning.entities import Enrollment
from lms_domain.shared.pagination import PageRequest
from tests.conftest import needs_pg

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class World:
    """A fresh store: units of work over it, and a way to put in the rows assessment only reads."""

    new_uow: Callable[[], Any]
    add_user: Callable[[UUID], None]
    add_course: Callable[[CourseRef], None]
    add_lesson: Callable[[UUID, UUID], None]
    enroll: Callable[[UUID, UUID], None]
    delete_course: Callable[[UUID], Any]
    delete_lesson: Callable[[UUID], Any]
    backend: str = "memory"

    def student(self) -> UUID:
        student_id = uuid.uuid4()
        self.add_user(student_id)
        return student_id


def _memory_world() -> World:
    state = MemoryState()

    def add_course(ref: CourseRef) -> None:
        state.courses[ref.id] = Course(
            id=ref.id,
            instructor_id=ref.instructor_id,
            title="C",
            slug=ref.id.hex,
            is_published=ref.is_published,
            created_at=NOW,
            updated_at=NOW,
        )

    def add_lesson(lesson_id: UUID, course_id: UUID) -> None:
        order = 1 + sum(1 for v in state.lessons.values() if v.course_id == course_id)
        state.lessons[lesson_id] = Lesson(
            id=lesson_id,
            course_id=course_id,
            title="L",
            content_type=ContentType.TEXT,
            order=order,
            created_at=NOW,
            updated_at=NOW,
        )

    def enroll(student_id: UUID, course_id: UUID) -> None:
        e = Enrollment(id=uuid.uuid4(), student_id=student_id, course_id=course_id, enrolled_at=NOW)
        state.enrollments[e.id] = e

    async def delete_course(course_id: UUID) -> None:
        async with MemoryUnitOfWork(state) as uow:
            await uow.courses.remove(course_id)
            await uow.commit()

    async def delete_lesson(lesson_id: UUID) -> None:
        async with MemoryUnitOfWork(state) as uow:
            await uow.lessons.remove(lesson_id)
            await uow.commit()

    return World(
        new_uow=lambda: MemoryUnitOfWork(state),
        add_user=lambda _user_id: None,
        add_course=add_course,
        add_lesson=add_lesson,
        enroll=enroll,
        delete_course=delete_course,
        delete_lesson=delete_lesson,
    )


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=needs_pg)])
async def world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    if request.param == "memory":
        yield _memory_world()
        return
    url = request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")
    seeder = create_engine(sync_url(url))
    engine = make_engine(url)
    positions: dict[UUID, int] = {}
    known: set[UUID] = set()

    def run(statement: Any) -> None:
        with seeder.begin() as conn:
            conn.execute(statement)

    def add_user(user_id: UUID) -> None:
        if user_id in known:
            return
        known.add(user_id)
        run(
            insert(users).values(
                id=user_id,
                email=f"{user_id.hex}@example.com",
                full_name="U",
                password_hash="h",
                role="student",
                is_active=True,
                mfa_enabled=False,
                created_at=NOW,
                updated_at=NOW,
            )
        )

    def add_course(ref: CourseRef) -> None:
        add_user(ref.instructor_id)
        run(
            insert(courses).values(
                id=ref.id,
                instructor_id=ref.instructor_id,
                title="C",
                slug=ref.id.hex,
                description="",
                is_published=ref.is_published,
                created_at=NOW,
                updated_at=NOW,
            )
        )

    def add_lesson(lesson_id: UUID, course_id: UUID) -> None:
        positions[course_id] = positions.get(course_id, 0) + 1
        run(
            insert(lessons).values(
                id=lesson_id,
                course_id=course_id,
                title="L",
                content_type="text",
                duration_minutes=0,
                is_preview=False,
                position=positions[course_id],
                created_at=NOW,
                updated_at=NOW,
            )
        )

    def enroll(student_id: UUID, course_id: UUID) -> None:
        run(
            insert(enrollments).values(
                id=uuid.uuid4(), student_id=student_id, course_id=course_id, enrolled_at=NOW
            )
        )

    async def delete_course(course_id: UUID) -> None:
        async with SqlUnitOfWork(engine) as uow:
            await uow.courses.remove(course_id)
            await uow.commit()

    async def delete_lesson(lesson_id: UUID) -> None:
        async with SqlUnitOfWork(engine) as uow:
            await uow.lessons.remove(lesson_id)
            await uow.commit()

    yield World(
        new_uow=lambda: SqlUnitOfWork(engine),
        add_user=add_user,
        add_course=add_course,
        add_lesson=add_lesson,
        enroll=enroll,
        delete_course=delete_course,
        delete_lesson=delete_lesson,
        backend=request.param,
    )
    await engine.dispose()
    seeder.dispose()


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


def held_question(question_id: UUID, quiz_id: UUID, n: int) -> Question:
    """A question as an attempt's snapshot holds it: of every kind in turn (every third one drawn
    from a bank), so the snapshot's round trip covers keys of each shape."""
    kinds: list[tuple[QuestionType, list[str] | None, object, object]] = [
        (QuestionType.MULTIPLE_SELECT, ["a", "b", "c"], ["a", "c"], None),
        (QuestionType.NUMERIC, None, "-0.30", Decimal("0.005")),
        (QuestionType.ESSAY, None, None, None),
        (QuestionType.ORDERING, ["x", "y"], ["y", "x"], None),
        (QuestionType.SHORT_ANSWER, None, ' Ünïcödé "q" 東京 ', None),
    ]
    kind, options, key, tolerance = kinds[n % len(kinds)]
    question = Question.create(
        id=question_id,
        quiz_id=quiz_id,
        question_text=f"held {n}",
        question_type=kind,
        options=options,
        correct_answer=key,
        points=1 + n,
        order=n,
        tolerance=tolerance,
    )
    return replace(question, quiz_id=None, bank_id=uuid.uuid4()) if n % 3 == 2 else question


def attempt(quiz_id: UUID, student_id: UUID, question_ids: list[UUID] | None = None) -> Attempt:
    return Attempt(
        id=uuid.uuid4(),
        quiz_id=quiz_id,
        student_id=student_id,
        started_at=NOW,
        questions=[held_question(i, quiz_id, n) for n, i in enumerate(question_ids or [], start=1)],
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
    student = world.student()
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
    assert await ids(QuizAudience(member_id=owner)) == [live.id, draft.id, secret.id, other.id]
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
    student, classmate = world.student(), world.student()
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
        await uow.attempts.add(attempt(q.id, classmate))  # the transaction survives the refusal
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.attempts.get(uuid.uuid4()) is None


async def test_finish_closes_an_open_attempt_once(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    student = world.student()
    a = attempt(q.id, student)
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.attempts.add(a)
        await uow.commit()
    results = [
        AnswerResult(question_id=uuid.uuid4(), answer=["a", "c"], correct=True, points_earned=Fraction(3)),
        AnswerResult(question_id=uuid.uuid4(), answer=None, correct=False, points_earned=Fraction(0)),
        AnswerResult(question_id=uuid.uuid4(), answer="x", correct=False, points_earned=Fraction(0)),
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
    student = world.student()
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
    student = world.student()
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.quizzes.add_question(question(q.id))
        await uow.attempts.add(attempt(q.id, student))
    async with world.new_uow() as uow:
        assert await uow.quizzes.get(q.id) is None
        assert await uow.quizzes.count_questions(q.id) == 0


async def test_course_directory_reads_courses_lessons_and_enrollments(world: World) -> None:
    c = course(world, published=False)
    lesson_id, student = uuid.uuid4(), world.student()
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


async def test_the_open_attempt_index_refuses_a_second_open_attempt_until_the_first_is_finished(
    world: World,
) -> None:
    c = course(world)
    q = quiz(c.id)
    student = world.student()
    first = attempt(q.id, student)
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.attempts.add(first)
        await uow.commit()
    async with world.new_uow() as uow:
        with pytest.raises(AttemptOpen):
            await uow.attempts.add(attempt(q.id, student))
    first.submit(answers=[], score=0.0, passed=False, now=NOW)
    second = attempt(q.id, student)
    async with world.new_uow() as uow:
        assert await uow.attempts.finish(first) is True
        await uow.attempts.add(second)
        with pytest.raises(AttemptOpen):
            await uow.attempts.add(attempt(q.id, student))
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.attempts.get_open(student, q.id) == second
        assert await uow.attempts.count_submitted(student, q.id) == 1


async def test_two_concurrent_starts_open_one_attempt(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    student = world.student()
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.commit()

    async def start() -> str:
        async with world.new_uow() as uow:
            try:
                await uow.attempts.add(attempt(q.id, student))
            except AttemptOpen:
                return "refused"
            await uow.commit()
            return "opened"

    assert sorted(await asyncio.gather(start(), start())) == ["opened", "refused"]


async def test_finish_called_by_two_units_of_work_at_once_succeeds_once(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    student = world.student()
    a = attempt(q.id, student)
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.attempts.add(a)
        await uow.commit()
    # On PostgreSQL both transactions read the open attempt before either updates it; SQLite
    # serializes writers at BEGIN, so there the second one starts after the first commits.
    both_read = asyncio.Barrier(2) if world.backend == "postgres" else None

    async def close(score: float) -> bool:
        async with world.new_uow() as uow:
            mine = await uow.attempts.get(a.id)
            assert mine is not None
            if both_read is not None:
                await both_read.wait()
            mine.submit(answers=[], score=score, passed=score >= 50, now=NOW + timedelta(minutes=1))
            done: bool = await uow.attempts.finish(mine)
            await uow.commit()
            return done

    results = await asyncio.gather(close(10.0), close(90.0))
    assert sorted(results) == [False, True]
    async with world.new_uow() as uow:
        stored = await uow.attempts.get(a.id)
    assert stored is not None
    assert stored.status is AttemptStatus.SUBMITTED
    assert stored.score == (10.0 if results[0] else 90.0)


async def test_answers_round_trip_exactly(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    a = attempt(q.id, world.student(), [uuid.uuid4() for _ in range(3)])
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.attempts.add(a)
        await uow.commit()
    results = [
        AnswerResult(
            question_id=uuid.uuid4(), answer=["z", "a", "a", ""], correct=False, points_earned=Fraction(0)
        ),
        AnswerResult(
            question_id=uuid.uuid4(),
            answer='  Ünïcödé "quoted" \\ 東京 🎓  ',
            correct=True,
            points_earned=Fraction(7),
        ),
        AnswerResult(question_id=uuid.uuid4(), answer="", correct=False, points_earned=Fraction(0)),
        AnswerResult(question_id=uuid.uuid4(), answer=[], correct=False, points_earned=Fraction(0)),
        AnswerResult(question_id=uuid.uuid4(), answer=None, correct=False, points_earned=Fraction(0)),
        AnswerResult(question_id=uuid.uuid4(), answer="null", correct=True, points_earned=Fraction(1000)),
        # partial credit: exact fractions of a point, not their rounded decimals
        AnswerResult(
            question_id=uuid.uuid4(), answer=["b", "a"], correct=False, points_earned=Fraction(7, 3)
        ),
        AnswerResult(question_id=uuid.uuid4(), answer=["c"], correct=False, points_earned=Fraction(999, 20)),
    ]
    a.submit(answers=results, score=66.67, passed=False, now=NOW + timedelta(seconds=1))
    async with world.new_uow() as uow:
        assert await uow.attempts.finish(a) is True
        await uow.commit()
    async with world.new_uow() as uow:
        stored = await uow.attempts.get(a.id)
    assert stored == a
    assert stored is not None
    assert [r.answer for r in stored.answers] == [r.answer for r in results]
    assert [r.points_earned for r in stored.answers] == [r.points_earned for r in results]
    assert all(type(r.points_earned) is Fraction for r in stored.answers)
    assert stored.question_order == a.question_order
    assert stored.score == 66.67


async def test_question_answers_and_options_round_trip_exactly(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    odd = Question.create(
        id=uuid.uuid4(),
        quiz_id=q.id,
        question_text="Pick",
        question_type=QuestionType.MULTIPLE_SELECT,
        options=["  spaced  ", "Ünï", '"q"', "b", "a"],
        correct_answer=["b", "  spaced  ", '"q"'],
        points=1000,
        order=1,
    )
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.quizzes.add_question(odd)
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.quizzes.get_question(q.id, odd.id) == odd


async def test_numeric_and_ordering_questions_round_trip_exactly(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    numeric = Question.create(
        id=uuid.uuid4(),
        quiz_id=q.id,
        question_text="g?",
        question_type=QuestionType.NUMERIC,
        options=None,
        correct_answer=" -9.80665000000000000000000000000000000000000000001 ",
        points=2,
        order=1,
        tolerance=0.1,
    )
    tiny = replace(numeric, id=uuid.uuid4(), tolerance=Decimal("5E-324"))
    ordering = Question.create(
        id=uuid.uuid4(),
        quiz_id=q.id,
        question_text="Sort",
        question_type=QuestionType.ORDERING,
        options=["b", "  c ", "a"],
        correct_answer=["a", "b", "  c "],
        points=4,
        order=2,
    )
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        for item in (numeric, tiny, ordering):
            await uow.quizzes.add_question(item)
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.quizzes.get_question(q.id, numeric.id) == numeric
        assert await uow.quizzes.get_question(q.id, tiny.id) == tiny
        assert await uow.quizzes.get_question(q.id, ordering.id) == ordering
    assert numeric.tolerance == Decimal("0.1")
    assert numeric.correct_answer == "-9.80665000000000000000000000000000000000000000001"
    # a question that stops being numeric loses its tolerance
    changed = numeric.apply(QuestionChanges(question_type=QuestionType.SHORT_ANSWER, correct_answer="g"))
    async with world.new_uow() as uow:
        await uow.quizzes.update_question(changed)
        await uow.commit()
    async with world.new_uow() as uow:
        found = await uow.quizzes.get_question(q.id, numeric.id)
    assert found == changed
    assert found is not None
    assert found.tolerance is None


async def test_a_quiz_keeps_its_scoring(world: World) -> None:
    c = course(world)
    default, partial = quiz(c.id), quiz(c.id, scoring=Scoring.PARTIAL)
    async with world.new_uow() as uow:
        await uow.quizzes.add(default)
        await uow.quizzes.add(partial)
        await uow.commit()
    async with world.new_uow() as uow:
        found = await uow.quizzes.get(default.id, for_update=True)
        assert found is not None
        assert found.scoring is Scoring.ALL_OR_NOTHING
        assert await uow.quizzes.get(partial.id) == partial
        switched = replace(found, scoring=Scoring.PARTIAL)
        await uow.quizzes.update(switched)
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.quizzes.get(default.id) == switched
        listed, _ = await uow.quizzes.list(page=PageRequest(), audience=QuizAudience(sees_everything=True))
    assert {s.quiz.id: s.quiz.scoring for s in listed} == {
        default.id: Scoring.PARTIAL,
        partial.id: Scoring.PARTIAL,
    }


async def test_deleting_a_course_deletes_its_quizzes_questions_and_attempts(world: World) -> None:
    gone, kept = course(world), course(world)
    student = world.student()
    lesson_id = uuid.uuid4()
    world.add_lesson(lesson_id, kept.id)
    doomed, survivor = quiz(gone.id), quiz(kept.id, lesson_id=lesson_id)
    doomed_question, kept_question = question(doomed.id), question(survivor.id)
    doomed_attempt, kept_attempt = attempt(doomed.id, student), attempt(survivor.id, student)
    async with world.new_uow() as uow:
        for q, item, a in (
            (doomed, doomed_question, doomed_attempt),
            (survivor, kept_question, kept_attempt),
        ):
            await uow.quizzes.add(q)
            await uow.quizzes.add_question(item)
            await uow.attempts.add(a)
        await uow.commit()
    await world.delete_course(gone.id)
    async with world.new_uow() as uow:
        assert await uow.quizzes.get(doomed.id) is None
        assert await uow.quizzes.get_question(doomed.id, doomed_question.id) is None
        assert await uow.attempts.get(doomed_attempt.id) is None
        assert await uow.quizzes.get(survivor.id) == survivor
        assert await uow.quizzes.get_question(survivor.id, kept_question.id) == kept_question
        assert await uow.attempts.get(kept_attempt.id) == kept_attempt
    # deleting a lesson detaches its quizzes and keeps them
    await world.delete_lesson(lesson_id)
    async with world.new_uow() as uow:
        detached = await uow.quizzes.get(survivor.id)
    assert detached is not None
    assert detached.lesson_id is None
    assert replace(detached, lesson_id=lesson_id) == survivor


@pytest.mark.parametrize("world", ["sqlite", pytest.param("postgres", marks=needs_pg)], indirect=True)
async def test_migration_0018_downgrades_keeping_the_rest(
    world: World, request: pytest.FixtureRequest
) -> None:
    """Down to 0017 and back: numeric and ordering questions go, every other row stays (no cascade)."""
    url = request.getfixturevalue(
        "pg_url" if request.node.callspec.params["world"] == "postgres" else "sqlite_url"
    )
    c = course(world)
    q = quiz(c.id, scoring=Scoring.PARTIAL)
    kept = question(q.id, 1)
    numeric = Question.create(
        id=uuid.uuid4(),
        quiz_id=q.id,
        question_text="n",
        question_type=QuestionType.NUMERIC,
        options=None,
        correct_answer="1.5",
        points=1,
        order=2,
        tolerance=0.5,
    )
    a = attempt(q.id, world.student(), [kept.id, numeric.id])
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.quizzes.add_question(kept)
        await uow.quizzes.add_question(numeric)
        await uow.attempts.add(a)
        await uow.commit()
    a.submit(
        answers=[
            AnswerResult(question_id=kept.id, answer=["a"], correct=False, points_earned=Fraction(3, 2))
        ],
        score=37.5,
        passed=False,
        now=NOW + timedelta(minutes=1),
    )
    async with world.new_uow() as uow:
        assert await uow.attempts.finish(a)
        await uow.commit()
    try:
        command.downgrade(alembic_config(url), "0017")
        engine = create_engine(sync_url(url))
        with engine.connect() as conn:
            assert conn.execute(select(questions.c.id)).scalars().all() == [kept.id]
            assert conn.execute(select(quizzes.c.id)).scalars().all() == [q.id]
            assert conn.execute(select(quiz_attempts.c.id)).scalars().all() == [a.id]
        engine.dispose()
    finally:
        upgrade(url)
    async with world.new_uow() as uow:
        back = await uow.quizzes.get(q.id)
        # the attempt comes back whole; its snapshot, made again by migration 0019 on the way up,
        # holds the questions its quiz still has
        assert await uow.attempts.get(a.id) == replace(a, questions=[kept])
        assert await uow.quizzes.get_question(q.id, kept.id) == kept
        assert await uow.quizzes.get_question(q.id, numeric.id) is None
    assert back is not None
    assert back.scoring is Scoring.ALL_OR_NOTHING  # the column comes back with its default

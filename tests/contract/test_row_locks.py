"""The locking rule, on every adapter of each repository with a write path (memory, SQLite, PostgreSQL).

A unit of work that changes an aggregate reads its root with ``for_update=True`` and reads what it
changes after that: the root stays locked until the unit ends, so units that read, change and write
back whole rows at the same moment never put old values back over each other's changes. Each test
releases several such units at once (with a pause between the read and the write, where a lost
update would happen) over several rounds, and counts that every change is there.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from lms_domain.assessment.entities import Question, QuestionType, Quiz
from lms_domain.shared.actors import Role
from tests.contract.catalog_data import NOW, completion, course, enrollment, lesson, user

UowFactory = Callable[[], Any]
WRITERS = 8
ROUNDS = 3


async def at_once(new_uow: UowFactory, change: Callable[[Any], Awaitable[None]]) -> None:
    """``WRITERS`` units of work, each running ``change`` and committing, released together."""

    async def one() -> None:
        async with new_uow() as uow:
            await change(uow)
            await uow.commit()

    for _ in range(ROUNDS):
        await asyncio.gather(*(one() for _ in range(WRITERS)))


async def pause() -> None:
    await asyncio.sleep(0.005)  # between the read and the write: where another unit would slip in


async def stored(new_uow: UowFactory, *entities: tuple[str, Any]) -> None:
    async with new_uow() as uow:
        for repository, entity in entities:
            await getattr(uow, repository).add(entity)
        await uow.commit()


async def test_users(new_uow: UowFactory) -> None:
    someone = user(Role.STUDENT)
    await stored(new_uow, ("users", someone))

    async def change(uow: Any) -> None:
        found = await uow.users.get(someone.id, for_update=True)
        await pause()
        found.credentials_version += 1
        await uow.users.update(found)

    await at_once(new_uow, change)
    async with new_uow() as uow:
        assert (await uow.users.get(someone.id)).credentials_version == WRITERS * ROUNDS


async def test_courses_and_their_lessons(new_uow: UowFactory) -> None:
    owner = user()
    root = course(owner.id, estimated_duration_minutes=0)
    child = lesson(root.id, 1, duration_minutes=0)
    await stored(new_uow, ("users", owner), ("courses", root), ("lessons", child))

    async def change(uow: Any) -> None:
        found = await uow.courses.get(root.id, for_update=True)
        part = await uow.lessons.get(child.id)  # read under the course's lock
        await pause()
        found.estimated_duration_minutes += 1
        part.duration_minutes += 1
        await uow.courses.update(found)
        await uow.lessons.update(part)

    await at_once(new_uow, change)
    async with new_uow() as uow:
        assert (await uow.courses.get(root.id)).estimated_duration_minutes == WRITERS * ROUNDS
        assert (await uow.lessons.get(child.id)).duration_minutes == WRITERS * ROUNDS


async def test_quizzes_and_their_questions(new_uow: UowFactory) -> None:
    owner = user()
    home = course(owner.id)
    quiz = Quiz(id=uuid.uuid4(), course_id=home.id, title="Q", max_attempts=1, created_at=NOW, updated_at=NOW)
    question = Question.create(
        id=uuid.uuid4(),
        quiz_id=quiz.id,
        question_text="Capital of France?",
        question_type=QuestionType.SHORT_ANSWER,
        options=None,
        correct_answer="Paris",
        points=1,
        order=1,
    )
    await stored(new_uow, ("users", owner), ("courses", home), ("quizzes", quiz))
    async with new_uow() as uow:
        await uow.quizzes.add_question(question)
        await uow.commit()

    async def change(uow: Any) -> None:
        found = await uow.quizzes.get(quiz.id, for_update=True)
        part = await uow.quizzes.get_question(quiz.id, question.id)  # read under the quiz's lock
        await pause()
        found.max_attempts += 1
        part.points += 1
        await uow.quizzes.update(found)
        await uow.quizzes.update_question(part)

    await at_once(new_uow, change)
    async with new_uow() as uow:
        assert (await uow.quizzes.get(quiz.id)).max_attempts == 1 + WRITERS * ROUNDS
        assert (await uow.quizzes.get_question(quiz.id, question.id)).points == 1 + WRITERS * ROUNDS


async def test_enrollments_and_their_completions(new_uow: UowFactory) -> None:
    """Each unit completes one lesson and completes the enrollment when it counts every lesson done:
    under the enrollment's lock the last unit always counts the others' completions."""
    owner, student = user(), user(Role.STUDENT)
    home = course(owner.id, is_published=True)
    parts = [lesson(home.id, n) for n in range(1, WRITERS * ROUNDS + 1)]
    enrolled = enrollment(student.id, home.id)
    await stored(
        new_uow,
        ("users", owner),
        ("users", student),
        ("courses", home),
        *(("lessons", part) for part in parts),
        ("enrollments", enrolled),
    )
    todo = iter(parts)

    async def change(uow: Any) -> None:
        found = await uow.enrollments.get(enrolled.id, for_update=True)
        await uow.completions.add(completion(found.id, next(todo).id))
        await pause()
        done, total = await uow.completions.counts(found.id)
        if done >= total and found.completed_at is None:
            await uow.enrollments.mark_completed(found.id, NOW + timedelta(hours=1))

    await at_once(new_uow, change)
    async with new_uow() as uow:
        assert await uow.completions.counts(enrolled.id) == (WRITERS * ROUNDS, WRITERS * ROUNDS)
        assert (await uow.enrollments.get(enrolled.id)).completed_at is not None

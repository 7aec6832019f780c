"""Release rules and prerequisites in storage, on memory, SQLite and PostgreSQL: round trips in
order, what deleting a named lesson, quiz or course leaves, the progress rules are measured
against, and racing writers that must never leave a dangling id or a prerequisite cycle."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from lms_domain.assessment.entities import Attempt, Quiz
from lms_domain.catalog.entities import Course, Lesson
from lms_domain.catalog.ports import (
    CourseQuery,
    PrerequisiteCycle,
    PrerequisiteGone,
    QuizPlacement,
    ReleaseTargetGone,
)
from lms_domain.shared.actors import Role
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import LearnerProgress, QuizRequirement, ReleaseRule
from tests.contract.catalog_data import NOW, completion, course, enrollment, lesson, user
from tests.contract.conftest import UowFactory

ROUNDS = 4


def quiz(course_id: UUID, lesson_id: UUID | None = None) -> Quiz:
    return Quiz(
        id=uuid.uuid4(),
        course_id=course_id,
        lesson_id=lesson_id,
        title="Quiz",
        is_published=True,
        created_at=NOW,
        updated_at=NOW,
    )


def rule(*lessons: Lesson, quiz_id: UUID | None = None, min_score: float = 60) -> ReleaseRule:
    return ReleaseRule(
        after_lessons=tuple(v.id for v in lessons),
        after_quiz=None if quiz_id is None else QuizRequirement(quiz_id=quiz_id, min_score=min_score),
    )


async def add(new_uow: UowFactory, *entities: tuple[str, Any]) -> None:
    async with new_uow() as uow:
        for repository, entity in entities:
            await getattr(uow, repository).add(entity)
        await uow.commit()


async def a_course(new_uow: UowFactory, lessons: int = 4, **kw: Any) -> tuple[Course, list[Lesson], Quiz]:
    owner = user()
    c = course(owner.id, **kw)
    made = [lesson(c.id, n) for n in range(1, lessons + 1)]
    q = quiz(c.id)
    await add(new_uow, ("users", owner), ("courses", c), *(("lessons", v) for v in made), ("quizzes", q))
    return c, made, q


async def set_rule(new_uow: UowFactory, lesson_id: UUID, value: ReleaseRule | None) -> None:
    async with new_uow() as uow:
        await uow.lessons.set_release_rule(lesson_id, value)
        await uow.commit()


async def rules_of(new_uow: UowFactory, course_id: UUID) -> dict[str, ReleaseRule | None]:
    async with new_uow() as uow:
        listed, _ = await uow.lessons.list_for_course(course_id)
        for v in listed:  # one lesson at a time reads the same as the list
            assert (await uow.lessons.get(v.id)) == v
    return {v.title: v.release_rule for v in listed}


async def test_rules_round_trip_in_order_with_lessons_and_pages(new_uow: UowFactory) -> None:
    c, (a, b, d, e), q = await a_course(new_uow)
    await set_rule(new_uow, e.id, rule(d, a, b, quiz_id=q.id, min_score=72.5))
    await set_rule(new_uow, d.id, rule(quiz_id=q.id, min_score=0))
    await set_rule(new_uow, b.id, rule(a))
    assert await rules_of(new_uow, c.id) == {
        "L1": None,
        "L2": rule(a),
        "L3": rule(quiz_id=q.id, min_score=0),
        "L4": rule(d, a, b, quiz_id=q.id, min_score=72.5),
    }
    async with new_uow() as uow:
        page, total = await uow.lessons.list_for_course(c.id, page=PageRequest(page=2, page_size=2))
        assert ([v.release_rule for v in page], total) == (
            [rule(quiz_id=q.id, min_score=0), rule(d, a, b, quiz_id=q.id, min_score=72.5)],
            4,
        )
        assert await uow.course_directory.release_rule(e.id) == rule(d, a, b, quiz_id=q.id, min_score=72.5)
        assert await uow.course_directory.release_rule(a.id) is None
        assert await uow.course_directory.release_rule(uuid.uuid4()) is None
    await set_rule(new_uow, e.id, rule(b))  # replaced whole
    await set_rule(new_uow, d.id, None)
    assert await rules_of(new_uow, c.id) == {"L1": None, "L2": rule(a), "L3": None, "L4": rule(b)}


async def test_add_and_update_leave_rules_to_set_release_rule(new_uow: UowFactory) -> None:
    c, (a, b, *_), _ = await a_course(new_uow)
    await set_rule(new_uow, b.id, rule(a))
    async with new_uow() as uow:
        stored = await uow.lessons.get(b.id)
        stored.title, stored.release_rule = "Renamed", None
        await uow.lessons.update(stored)
        await uow.commit()
    assert (await rules_of(new_uow, c.id))["Renamed"] == rule(a)


async def test_a_rule_naming_something_gone_raises(new_uow: UowFactory) -> None:
    c, (a, b, *_), _ = await a_course(new_uow)
    _, _, foreign = await a_course(new_uow, 1)
    for bad in (rule(quiz_id=uuid.uuid4()), ReleaseRule(after_lessons=(uuid.uuid4(),))):
        async with new_uow() as uow:
            with pytest.raises(ReleaseTargetGone):
                await uow.lessons.set_release_rule(b.id, bad)
    assert (await rules_of(new_uow, c.id))["L2"] is None
    async with new_uow() as uow:  # a quiz of another course: the use cases refuse it, not the store
        await uow.lessons.set_release_rule(b.id, rule(a, quiz_id=foreign.id))


async def test_deleting_named_lessons_and_quizzes_leaves_the_rest_or_no_rule(new_uow: UowFactory) -> None:
    c, (a, b, d, e), q = await a_course(new_uow)
    await set_rule(new_uow, e.id, rule(a, b, quiz_id=q.id))
    await set_rule(new_uow, d.id, rule(a))
    await set_rule(new_uow, b.id, rule(quiz_id=q.id))
    async with new_uow() as uow:
        await uow.lessons.remove(a.id)
        await uow.commit()
    assert await rules_of(new_uow, c.id) == {
        "L2": rule(quiz_id=q.id),
        "L3": None,
        "L4": rule(b, quiz_id=q.id),
    }
    async with new_uow() as uow:
        await uow.quizzes.delete(q.id)
        await uow.commit()
    assert await rules_of(new_uow, c.id) == {"L2": None, "L3": None, "L4": rule(b)}
    async with new_uow() as uow:
        await uow.lessons.remove(b.id)  # the lesson with a rule, named by another
        await uow.commit()
    assert await rules_of(new_uow, c.id) == {"L3": None, "L4": None}
    async with new_uow() as uow:
        await uow.lessons.set_release_rule(e.id, rule(d))
        await uow.courses.remove(c.id)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.lessons.get(e.id) is None
        assert await uow.course_directory.release_rule(e.id) is None


async def test_quiz_placements(new_uow: UowFactory) -> None:
    c, (a, *_), q = await a_course(new_uow)
    attached = quiz(c.id, lesson_id=a.id)
    await add(new_uow, ("quizzes", attached))
    async with new_uow() as uow:
        assert await uow.quiz_placements.of({q.id, attached.id, uuid.uuid4()}) == {
            q.id: QuizPlacement(course_id=c.id, lesson_id=None),
            attached.id: QuizPlacement(course_id=c.id, lesson_id=a.id),
        }
        assert await uow.quiz_placements.of(set()) == {}


async def graded(new_uow: UowFactory, quiz_id: UUID, student_id: UUID, score: float | None) -> None:
    """An attempt: graded with ``score``, or left open when None."""
    attempt = Attempt(id=uuid.uuid4(), quiz_id=quiz_id, student_id=student_id, started_at=NOW)
    async with new_uow() as uow:
        await uow.attempts.add(attempt)
        if score is not None:
            attempt.submit(answers=[], score=score, passed=score >= 70, now=NOW + timedelta(minutes=1))
            await uow.attempts.finish(attempt)
        await uow.commit()


async def test_learner_progress(new_uow: UowFactory) -> None:
    c, (_, b, *_), q = await a_course(new_uow)
    other_course, (elsewhere,), other_quiz = await a_course(new_uow, 1)
    learner, stranger = user(Role.STUDENT), user(Role.STUDENT)
    mine, other = enrollment(learner.id, c.id), enrollment(learner.id, other_course.id)
    await add(new_uow, ("users", learner), ("users", stranger), ("enrollments", mine), ("enrollments", other))
    progress = {"student_id": learner.id, "course_id": c.id}
    async with new_uow() as uow:
        assert await uow.learner_progress.of(**progress, quiz_ids={q.id}) == LearnerProgress()
        assert await uow.learner_progress.of(student_id=stranger.id, course_id=c.id) is None
    await add(
        new_uow,
        ("completions", completion(mine.id, b.id)),
        ("completions", completion(other.id, elsewhere.id)),
    )
    for score in (40, 85.5, 60):
        await graded(new_uow, q.id, learner.id, score)
    await graded(new_uow, q.id, learner.id, None)  # open: no score
    await graded(new_uow, other_quiz.id, learner.id, 100)
    await graded(new_uow, q.id, stranger.id, 100)
    async with new_uow() as uow:
        assert await uow.learner_progress.of(**progress, quiz_ids={q.id, uuid.uuid4()}) == LearnerProgress(
            completed_lesson_ids=frozenset({b.id}), best_scores={q.id: 85.5}
        )
        assert await uow.learner_progress.of(**progress) == LearnerProgress(
            completed_lesson_ids=frozenset({b.id})
        )


async def prerequisites(new_uow: UowFactory, course_id: UUID) -> tuple[UUID, ...]:
    async with new_uow() as uow:
        found: Course | None = await uow.courses.get(course_id)
        assert found is not None
        assert await uow.courses.get(course_id, for_update=True) == found
        return found.prerequisite_course_ids


async def set_prerequisites(new_uow: UowFactory, course_id: UUID, ids: list[UUID]) -> None:
    async with new_uow() as uow:
        await uow.courses.set_prerequisites(course_id, ids)
        await uow.commit()


async def test_prerequisites_round_trip_in_order_in_reads_and_lists(new_uow: UowFactory) -> None:
    owner = user()
    a, b, d, e = (course(owner.id, f"C{n}", offset=n, is_published=True) for n in range(4))
    await add(new_uow, ("users", owner), *(("courses", x) for x in (a, b, d, e)))
    await set_prerequisites(new_uow, e.id, [d.id, a.id, b.id])
    await set_prerequisites(new_uow, d.id, [a.id])
    assert await prerequisites(new_uow, e.id) == (d.id, a.id, b.id)
    async with new_uow() as uow:
        listed, total = await uow.courses.list(query=CourseQuery(), page=PageRequest(page_size=3))
        assert total == 4
        assert [(x.title, x.prerequisite_course_ids) for x in listed] == [
            ("C3", (d.id, a.id, b.id)),
            ("C2", (a.id,)),
            ("C1", ()),
        ]
        picked, total = await uow.courses.list(
            query=CourseQuery(ids=frozenset({a.id, e.id})), page=PageRequest()
        )
        assert ({x.id for x in picked}, total) == ({a.id, e.id}, 2)
        stored = await uow.courses.get(e.id, for_update=True)
        stored.title, stored.prerequisite_course_ids = "Renamed", ()
        await uow.courses.update(stored)  # leaves the prerequisites alone
        await uow.commit()
    assert await prerequisites(new_uow, e.id) == (d.id, a.id, b.id)
    await set_prerequisites(new_uow, e.id, [b.id])
    assert await prerequisites(new_uow, e.id) == (b.id,)
    await set_prerequisites(new_uow, e.id, [])
    assert await prerequisites(new_uow, e.id) == ()


async def test_cycles_and_gone_courses_raise_and_deleted_ones_leave(new_uow: UowFactory) -> None:
    owner = user()
    a, b, d = (course(owner.id, f"C{n}", offset=n) for n in range(3))
    await add(new_uow, ("users", owner), *(("courses", x) for x in (a, b, d)))
    await set_prerequisites(new_uow, b.id, [a.id])
    await set_prerequisites(new_uow, d.id, [b.id])
    for target, ids in ((a.id, [d.id]), (a.id, [b.id]), (b.id, [d.id])):
        async with new_uow() as uow:
            with pytest.raises(PrerequisiteCycle):
                await uow.courses.set_prerequisites(target, ids)
    async with new_uow() as uow:
        with pytest.raises(PrerequisiteGone):
            await uow.courses.set_prerequisites(a.id, [uuid.uuid4()])
    assert await prerequisites(new_uow, a.id) == ()
    async with new_uow() as uow:
        await uow.courses.remove(b.id)
        await uow.commit()
    assert await prerequisites(new_uow, d.id) == ()
    await set_prerequisites(new_uow, a.id, [d.id])  # no cycle once b is gone


async def test_prerequisites_met(new_uow: UowFactory) -> None:
    owner, learner = user(), user(Role.STUDENT)
    a, b, d = (course(owner.id, f"C{n}", offset=n, is_published=True) for n in range(3))
    done, started = enrollment(learner.id, a.id), enrollment(learner.id, b.id)
    done.completed_at = NOW
    await add(new_uow, ("users", owner), ("users", learner), *(("courses", x) for x in (a, b, d)))
    await add(new_uow, ("enrollments", done), ("enrollments", started))
    ask = {"student_id": learner.id, "course_id": d.id}
    async with new_uow() as uow:
        assert await uow.enrollments.prerequisites_met(**ask)  # none at all
    await set_prerequisites(new_uow, d.id, [a.id, b.id])
    async with new_uow() as uow:
        assert not await uow.enrollments.prerequisites_met(**ask)
        assert not await uow.enrollments.prerequisites_met(student_id=owner.id, course_id=d.id)
        await uow.enrollments.mark_completed(started.id, NOW)
        assert await uow.enrollments.prerequisites_met(**ask)
    async with new_uow() as uow:
        await uow.courses.remove(b.id)  # a deleted prerequisite no longer counts
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.enrollments.prerequisites_met(**ask)


async def need(new_uow: UowFactory, target: Course, ids: list[UUID]) -> str:
    """Give ``target`` these prerequisites in a unit of its own, as the use case does (the course
    locked first, a pause where another unit would slip in): "set" or "cycle"."""
    async with new_uow() as uow:
        await uow.courses.get(target.id, for_update=True)
        await asyncio.sleep(0.005)
        try:
            await uow.courses.set_prerequisites(target.id, ids)
        except PrerequisiteCycle:
            return "cycle"
        await uow.commit()
        return "set"


async def test_racing_prerequisite_changes_never_store_a_cycle(new_uow: UowFactory) -> None:
    """Three courses asked at once to need each other in a ring: two changes are made, the one
    that would close the ring raises, whichever it is."""
    owner = user()
    await add(new_uow, ("users", owner))
    for n in range(ROUNDS):
        a, b, d = (course(owner.id, f"R{n}-{k}") for k in range(3))
        await add(new_uow, *(("courses", x) for x in (a, b, d)))
        outcomes = await asyncio.gather(
            need(new_uow, a, [b.id]), need(new_uow, b, [d.id]), need(new_uow, d, [a.id])
        )
        assert sorted(outcomes) == ["cycle", "set", "set"], f"round {n}"
        graph = {x.id: await prerequisites(new_uow, x.id) for x in (a, b, d)}
        assert sum(len(v) for v in graph.values()) == 2, f"round {n}"


async def name_quiz(new_uow: UowFactory, lesson_id: UUID, value: ReleaseRule, delay: float) -> str:
    async with new_uow() as uow:
        await asyncio.sleep(delay)
        try:
            await uow.lessons.set_release_rule(lesson_id, value)
        except ReleaseTargetGone:
            return "gone"
        await uow.commit()
        return "set"


async def delete_quiz(new_uow: UowFactory, quiz_id: UUID, delay: float) -> None:
    async with new_uow() as uow:
        await asyncio.sleep(delay)
        await uow.quizzes.delete(quiz_id)
        await uow.commit()


async def test_a_rule_racing_the_deletion_of_its_quiz_never_keeps_its_id(new_uow: UowFactory) -> None:
    """Either the rule is written first and the deletion takes the quiz out of it, or the quiz is
    gone first and the rule is refused: never a rule naming a deleted quiz."""
    c, (a, b, *_), _ = await a_course(new_uow)
    for n in range(ROUNDS):
        doomed = quiz(c.id)
        await add(new_uow, ("quizzes", doomed))
        first, second = (0.0, 0.002) if n % 2 else (0.002, 0.0)
        outcome, _ = await asyncio.gather(
            name_quiz(new_uow, b.id, rule(a, quiz_id=doomed.id), first),
            delete_quiz(new_uow, doomed.id, second),
        )
        left = (await rules_of(new_uow, c.id))["L2"]
        assert left == (rule(a) if outcome == "set" else None), f"round {n}"
        await set_rule(new_uow, b.id, None)

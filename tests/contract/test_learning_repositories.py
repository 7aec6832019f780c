"""EnrollmentRepository and CompletionRepository on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest

from lms_domain.learning.ports import (
    AlreadyCompleted,
    AlreadyEnrolled,
    CompletionOutcome,
    CourseNotOpen,
    PrerequisitesNotMet,
    ReferenceGone,
)
from lms_domain.shared.pagination import PageRequest
from tests.contract.catalog_data import at, completion, course, enrollment, lesson
from tests.contract.conftest import UowFactory
from tests.contract.test_catalog_repositories import owner_in


async def test_enrollment_round_trip_and_duplicates(new_uow: UowFactory) -> None:
    owner, learner = await owner_in(new_uow), await owner_in(new_uow)
    c = course(owner)
    first, twice, other = enrollment(learner, c.id), enrollment(learner, c.id), enrollment(owner, c.id)
    async with new_uow() as uow:
        await uow.courses.add(c)
        await uow.enrollments.add(first)
        with pytest.raises(AlreadyEnrolled):
            await uow.enrollments.add(twice)
        await uow.enrollments.add(other)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.enrollments.get(first.id) == first
        assert await uow.enrollments.get(twice.id) is None
        assert await uow.enrollments.get(other.id) == other
        assert await uow.enrollments.is_enrolled(student_id=learner, course_id=c.id)
        assert not await uow.enrollments.is_enrolled(student_id=uuid.uuid4(), course_id=c.id)


async def test_mark_completed_keeps_the_first_time(new_uow: UowFactory) -> None:
    owner = await owner_in(new_uow)
    c = course(owner)
    e = enrollment(owner, c.id)
    async with new_uow() as uow:
        await uow.courses.add(c)
        await uow.enrollments.add(e)
        assert await uow.enrollments.mark_completed(e.id, at(10)) == at(10)
        assert await uow.enrollments.mark_completed(e.id, at(20)) == at(10)
        await uow.commit()
    async with new_uow() as uow:
        got = await uow.enrollments.get(e.id)
    assert got is not None and got.completed_at == at(10)


async def test_completions_count_and_list_in_course_order(new_uow: UowFactory) -> None:
    owner = await owner_in(new_uow)
    c = course(owner)
    lessons = [lesson(c.id, n) for n in (1, 2, 3)]
    e = enrollment(owner, c.id)
    first = completion(e.id, lessons[2].id, 5)
    async with new_uow() as uow:
        await uow.courses.add(c)
        for v in lessons:
            await uow.lessons.add(v)
        await uow.enrollments.add(e)
        assert await uow.completions.counts(e.id) == (0, 3)
        await uow.completions.add(first)
        with pytest.raises(AlreadyCompleted):
            await uow.completions.add(completion(e.id, lessons[2].id, 9))
        await uow.completions.add(completion(e.id, lessons[0].id, 7))
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.completions.get(e.id, lessons[2].id) == first
        assert await uow.completions.get(e.id, lessons[1].id) is None
        assert await uow.completions.completed_lesson_ids(e.id) == [lessons[0].id, lessons[2].id]
        assert await uow.completions.counts(e.id) == (2, 3)
        assert await uow.completions.counts(uuid.uuid4()) == (0, 0)


async def test_list_for_student_pages_newest_first_with_counts(new_uow: UowFactory) -> None:
    owner, learner = await owner_in(new_uow), await owner_in(new_uow)
    courses = [course(owner, f"C{n}", n) for n in range(3)]
    async with new_uow() as uow:
        for n, c in enumerate(courses):
            await uow.courses.add(c)
            for k in range(n + 1):
                await uow.lessons.add(lesson(c.id, k + 1))
        enrollments = [enrollment(learner, c.id, n) for n, c in enumerate(courses)]
        for e in enrollments:
            await uow.enrollments.add(e)
        await uow.enrollments.add(enrollment(owner, courses[0].id))
        items, _ = await uow.lessons.list_for_course(courses[2].id)
        for v in items[:2]:
            await uow.completions.add(completion(enrollments[2].id, v.id))
        await uow.commit()
    async with new_uow() as uow:
        rows, total = await uow.enrollments.list_for_student(learner, page=PageRequest(page_size=2))
        rest, rest_total = await uow.enrollments.list_for_student(
            learner, page=PageRequest(page=2, page_size=2)
        )
        past = await uow.enrollments.list_for_student(learner, page=PageRequest(page=3, page_size=2))
        nobody = await uow.enrollments.list_for_student(uuid.uuid4(), page=PageRequest())
    assert (rest_total, past, nobody) == (3, ([], 3), ([], 0))
    assert total == 3
    assert [(r.course.title, r.completed_lessons, r.total_lessons) for r in [*rows, *rest]] == [
        ("C2", 2, 3),
        ("C1", 0, 2),
        ("C0", 0, 1),
    ]
    assert rows[0].enrollment == enrollments[2]
    assert rows[0].course == courses[2]
    assert rows[0].progress_percentage == 67


async def test_adding_against_a_deleted_course_or_lesson_raises_reference_gone(new_uow: UowFactory) -> None:
    """What a concurrent deletion looks like to a use case that read the row first."""
    owner, learner = await owner_in(new_uow), await owner_in(new_uow)
    kept = course(owner, "Kept")
    first = lesson(kept.id, 1)
    active = enrollment(learner, kept.id)
    async with new_uow() as uow:
        await uow.courses.add(kept)
        await uow.lessons.add(first)
        await uow.enrollments.add(active)
        await uow.commit()
    async with new_uow() as uow:
        with pytest.raises(ReferenceGone):
            await uow.enrollments.add(enrollment(learner, uuid.uuid4()))
        with pytest.raises(ReferenceGone):
            await uow.completions.add(completion(active.id, uuid.uuid4()))
        await uow.completions.add(completion(active.id, first.id))  # the transaction is still usable
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.completions.get(active.id, first.id) is not None


async def test_add_if_open_refuses_in_order(new_uow: UowFactory) -> None:
    """A draft or missing course first, then a duplicate (prerequisites met or not), then a missing
    prerequisite; nothing is inserted by a refusal, and the transaction goes on."""
    owner, learner = await owner_in(new_uow), await owner_in(new_uow)
    first, gated, draft = course(owner, "First"), course(owner, "Gated"), course(owner, "Draft")
    first.is_published = gated.is_published = True
    async with new_uow() as uow:
        for c in (first, gated, draft):
            await uow.courses.add(c)
        await uow.courses.set_prerequisites(gated.id, [first.id])
        await uow.commit()
    async with new_uow() as uow:
        with pytest.raises(CourseNotOpen):
            await uow.enrollments.add_if_open(enrollment(learner, draft.id))
        with pytest.raises(CourseNotOpen):
            await uow.enrollments.add_if_open(enrollment(learner, uuid.uuid4()))
        with pytest.raises(PrerequisitesNotMet):
            await uow.enrollments.add_if_open(enrollment(learner, gated.id))
        taken = enrollment(learner, first.id)
        await uow.enrollments.add_if_open(taken)
        with pytest.raises(AlreadyEnrolled):
            await uow.enrollments.add_if_open(enrollment(learner, first.id))
        await uow.enrollments.mark_completed(taken.id, at(5))
        into_gated = enrollment(learner, gated.id)
        await uow.enrollments.add_if_open(into_gated)
        with pytest.raises(AlreadyEnrolled):  # met now, and enrolled already
            await uow.enrollments.add_if_open(enrollment(learner, gated.id))
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.enrollments.get(taken.id) is not None
        assert await uow.enrollments.get(into_gated.id) == into_gated
        assert not await uow.enrollments.is_enrolled(student_id=learner, course_id=draft.id)


async def test_complete_counts_completes_the_enrollment_once_and_repeats_nothing(new_uow: UowFactory) -> None:
    owner = await owner_in(new_uow)
    c = course(owner)
    lessons = [lesson(c.id, n) for n in (1, 2)]
    e = enrollment(owner, c.id)
    async with new_uow() as uow:
        await uow.courses.add(c)
        for v in lessons:
            await uow.lessons.add(v)
        await uow.enrollments.add(e)
        await uow.commit()
    first = completion(e.id, lessons[0].id, 5)
    async with new_uow() as uow:
        locked, found = await uow.enrollments.get_with_lesson(e.id, lessons[0].id)
        assert (locked, found) == (e, lessons[0])
        assert await uow.completions.complete(first) == CompletionOutcome(
            completion=first, added=True, completed=1, total=2
        )
        again = await uow.completions.complete(completion(e.id, lessons[0].id, 6))
        assert again == CompletionOutcome(completion=first, added=False, completed=1, total=2)
        last = completion(e.id, lessons[1].id, 7)
        assert await uow.completions.complete(last) == CompletionOutcome(
            completion=last, added=True, completed=2, total=2, course_completed_at=at(7)
        )
        with pytest.raises(ReferenceGone):
            await uow.completions.complete(completion(e.id, uuid.uuid4(), 8))
        await uow.commit()
    async with new_uow() as uow:
        done = await uow.enrollments.get(e.id)
        assert done is not None and done.completed_at == at(7)
        assert await uow.completions.completed_lesson_ids(e.id) == [v.id for v in lessons]
        assert await uow.enrollments.get_with_lesson(uuid.uuid4(), lessons[0].id) == (None, None)
        assert await uow.enrollments.get_with_lesson(e.id, uuid.uuid4()) == (done, None)

"""Enrollments and progress on in-memory adapters, with hypothesis for the arithmetic."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_domain.learning.entities import progress_percentage
from lms_domain.shared.errors import Conflict, Forbidden, NotFound
from lms_domain.shared.pagination import PageRequest
from tests.unit.catalog.harness import Catalog, admin, instructor, student


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_progress_percentage_is_bounded_and_rounds_half_up(completed: int, total: int) -> None:
    value = progress_percentage(min(completed, total), total)
    assert 0 <= value <= 100
    if total == 0:
        assert value == 0
    else:
        exact = min(completed, total) * 100 / total
        assert abs(value - exact) <= 0.5 or (exact >= 99.5 and value == 99)
        assert (value == 100) == (min(completed, total) == total)


def test_progress_examples() -> None:
    assert [progress_percentage(c, 3) for c in range(4)] == [0, 33, 67, 100]
    assert progress_percentage(1, 8) == 13  # 12.5 rounds up
    assert progress_percentage(0, 0) == 0
    assert (progress_percentage(199, 200), progress_percentage(200, 200)) == (99, 100)


async def test_enrolling_needs_a_published_course_and_happens_once() -> None:
    catalog, owner, learner = Catalog(), instructor(), student()
    draft = await catalog.course(owner)
    with pytest.raises(NotFound):
        await catalog.enroll(actor=learner, course_id=draft.id)
    with pytest.raises(NotFound):
        await catalog.enroll(actor=owner, course_id=draft.id)
    with pytest.raises(NotFound):
        await catalog.enroll(actor=learner, course_id=uuid.uuid4())
    await catalog.publish_course(actor=owner, course_id=draft.id)
    enrollment = await catalog.enroll(actor=learner, course_id=draft.id)
    assert (enrollment.student_id, enrollment.completed_at) == (learner.user_id, None)
    with pytest.raises(Conflict):
        await catalog.enroll(actor=learner, course_id=draft.id)
    assert len(catalog.state.enrollments) == 1


async def test_enrollment_visibility_and_who_completes() -> None:
    catalog, owner, learner = Catalog(), instructor(), student()
    course = await catalog.course(owner, published=True)
    lesson = await catalog.lesson(owner, course.id)
    enrollment = await catalog.enroll(actor=learner, course_id=course.id)
    for who in (learner, owner, admin()):
        assert (
            await catalog.get_enrollment(actor=who, enrollment_id=enrollment.id)
        ).enrollment.id == enrollment.id
    for who in (student(), instructor()):
        with pytest.raises(NotFound):
            await catalog.get_enrollment(actor=who, enrollment_id=enrollment.id)
        with pytest.raises(NotFound):
            await catalog.complete_lesson(actor=who, enrollment_id=enrollment.id, lesson_id=lesson.id)
    for who in (owner, admin()):
        with pytest.raises(Forbidden):
            await catalog.complete_lesson(actor=who, enrollment_id=enrollment.id, lesson_id=lesson.id)
    assert catalog.state.lesson_completions == {}


async def test_completing_a_lesson_of_another_course_is_404() -> None:
    catalog, owner, learner = Catalog(), instructor(), student()
    course = await catalog.course(owner, published=True)
    other = await catalog.course(owner, "Other", published=True)
    foreign = await catalog.lesson(owner, other.id)
    enrollment = await catalog.enroll(actor=learner, course_id=course.id)
    with pytest.raises(NotFound):
        await catalog.complete_lesson(actor=learner, enrollment_id=enrollment.id, lesson_id=foreign.id)


async def test_completing_again_keeps_the_first_time() -> None:
    catalog, owner, learner = Catalog(), instructor(), student()
    course = await catalog.course(owner, published=True)
    lesson = await catalog.lesson(owner, course.id)
    enrollment = await catalog.enroll(actor=learner, course_id=course.id)
    first = await catalog.complete_lesson(actor=learner, enrollment_id=enrollment.id, lesson_id=lesson.id)
    catalog.clock.advance(hours=1)
    again = await catalog.complete_lesson(actor=learner, enrollment_id=enrollment.id, lesson_id=lesson.id)
    assert again == first
    assert catalog.state.enrollments[enrollment.id].completed_at == first.completed_at


Step = tuple[str, int]
steps = st.lists(
    st.tuples(st.sampled_from(["complete", "add", "delete"]), st.integers(min_value=0, max_value=20)),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=5), steps)
async def test_progress_is_bounded_and_full_exactly_when_every_lesson_is_done(
    initial: int, plan: list[Step]
) -> None:
    catalog, owner, learner = Catalog(), instructor(), student()
    course = await catalog.course(owner, published=True)
    for n in range(initial):
        await catalog.lesson(owner, course.id, f"L{n}")
    enrollment = await catalog.enroll(actor=learner, course_id=course.id)
    done: set[uuid.UUID] = set()
    for action, pick in plan:
        lessons = sorted(catalog.state.lessons.values(), key=lambda v: v.order)
        if action == "add":
            await catalog.lesson(owner, course.id, f"Added {pick}")
        elif lessons and action == "delete":
            victim = lessons[pick % len(lessons)].id
            await catalog.delete_lesson(actor=owner, lesson_id=victim)
            done.discard(victim)
        elif lessons:
            target = lessons[pick % len(lessons)].id
            await catalog.complete_lesson(actor=learner, enrollment_id=enrollment.id, lesson_id=target)
            done.add(target)
        remaining = {v.id for v in catalog.state.lessons.values()}
        progress = await catalog.get_enrollment(actor=learner, enrollment_id=enrollment.id)
        mine = await catalog.list_my_enrollments(actor=learner, page=PageRequest())
        assert mine.items[0].progress_percentage == progress.progress_percentage
        assert set(progress.completed_lesson_ids) == done
        assert 0 <= progress.progress_percentage <= 100
        all_done = bool(remaining) and done == remaining
        assert (progress.progress_percentage == 100) == all_done
        if action == "complete" and all_done:
            assert catalog.state.enrollments[enrollment.id].completed_at is not None
    if not plan or all(a != "complete" for a, _ in plan):
        assert catalog.state.enrollments[enrollment.id].completed_at is None

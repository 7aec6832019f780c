"""Course prerequisites on in-memory adapters: what may be listed, enrolling before and after they
are completed, and a deleted prerequisite."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_domain.catalog import use_cases as cat
from lms_domain.catalog.entities import MAX_PREREQUISITES, Course
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.errors import Conflict, InvalidField
from lms_domain.shared.pagination import PageRequest
from tests.unit.credentials.harness import Credentials

FIELD = "prerequisite_course_ids"


async def courses(c: Credentials, owner: Actor, n: int, *, published: bool = True) -> list[Course]:
    made = []
    for k in range(n):
        course = await c.course(owner, f"Course {k}", published=published)
        await c.lesson(owner, course.id)
        made.append(course)
    return made


async def set_prerequisites(c: Credentials, who: Actor, course: Course, ids: Sequence[UUID]) -> Course:
    changed: Course = await c.update_course(
        actor=who, course_id=course.id, changes=cat.CourseChanges(prerequisite_course_ids=tuple(ids))
    )
    return changed


async def finish(c: Credentials, learner: Actor, course: Course) -> None:
    """Enroll in ``course`` and complete every lesson of it."""
    enrollment = await c.enroll(actor=learner, course_id=course.id)
    listed = await c.list_lessons(actor=learner, course_id=course.id, page=PageRequest(1, 100))
    for lesson in listed.items:
        await c.complete_lesson(actor=learner, enrollment_id=enrollment.id, lesson_id=lesson.id)


async def test_set_on_create_and_by_patch_in_the_order_given() -> None:
    c = Credentials()
    owner = c.user(Role.INSTRUCTOR)
    a, b = await courses(c, owner, 2)
    made = await c.create_course(
        actor=owner, data=cat.NewCourse(title="Next", prerequisite_course_ids=(b.id, a.id))
    )
    assert made.prerequisite_course_ids == (b.id, a.id)
    assert (await c.get_course(actor=owner, course_id=made.id)).course.prerequisite_course_ids == (b.id, a.id)
    assert (await set_prerequisites(c, owner, made, [a.id])).prerequisite_course_ids == (a.id,)
    renamed = await c.update_course(actor=owner, course_id=made.id, changes=cat.CourseChanges(title="R"))
    assert renamed.prerequisite_course_ids == (a.id,)  # left out: kept
    listed = await c.list_courses(actor=owner, page=PageRequest(1, 20), mine=True)
    assert {x.id: x.prerequisite_course_ids for x in listed.items}[made.id] == (a.id,)
    assert (await set_prerequisites(c, owner, made, [])).prerequisite_course_ids == ()


async def test_unknown_itself_twice_too_many_or_a_hidden_draft_is_422() -> None:
    c = Credentials()
    owner, other = c.user(Role.INSTRUCTOR), c.user(Role.INSTRUCTOR)
    course, published = await courses(c, owner, 2)
    own_draft = await c.course(owner, "Own draft")
    hidden = await c.course(other, "Someone else's draft")
    for ids in (
        [uuid.uuid4()],
        [course.id],
        [published.id, published.id],
        [hidden.id],
        [uuid.uuid4() for _ in range(MAX_PREREQUISITES + 1)],
    ):
        with pytest.raises(InvalidField) as refused:
            await set_prerequisites(c, owner, course, ids)
        assert refused.value.field == FIELD
    assert (await c.get_course(actor=owner, course_id=course.id)).course.prerequisite_course_ids == ()
    # a draft the caller edits may be listed (they may publish it later); an admin sees every draft
    assert (await set_prerequisites(c, owner, course, [own_draft.id])).prerequisite_course_ids == (
        own_draft.id,
    )
    admin = c.user(Role.ADMIN)
    assert (await set_prerequisites(c, admin, course, [hidden.id])).prerequisite_course_ids == (hidden.id,)
    # one already listed stays even for an editor who cannot see it
    kept = await set_prerequisites(c, owner, course, [hidden.id, published.id])
    assert kept.prerequisite_course_ids == (hidden.id, published.id)
    with pytest.raises(InvalidField):
        await c.create_course(
            actor=owner, data=cat.NewCourse(title="X", prerequisite_course_ids=(hidden.id,))
        )


async def test_courses_may_not_need_each_other() -> None:
    c = Credentials()
    owner = c.user(Role.INSTRUCTOR)
    a, b, d = await courses(c, owner, 3)
    await set_prerequisites(c, owner, b, [a.id])
    await set_prerequisites(c, owner, d, [b.id])
    for course, ids in ((a, [b.id]), (a, [d.id]), (b, [d.id, a.id])):
        with pytest.raises(InvalidField, match="directly or through") as refused:
            await set_prerequisites(c, owner, course, ids)
        assert refused.value.field == FIELD
    assert (await set_prerequisites(c, owner, d, [a.id, b.id])).prerequisite_course_ids == (a.id, b.id)


@settings(max_examples=40, deadline=None)
@given(
    edges=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=10),
)
async def test_no_sequence_of_changes_stores_a_cycle(edges: list[tuple[int, int]]) -> None:
    c = Credentials()
    owner = c.user(Role.INSTRUCTOR)
    made = await courses(c, owner, 5)
    wanted: dict[int, list[int]] = {}
    for course, needs in edges:
        ids = [*wanted.get(course, []), needs]
        try:
            await set_prerequisites(c, owner, made[course], [made[i].id for i in ids])
            wanted[course] = ids
        except InvalidField:
            pass
    stored = c.state.course_prerequisites
    assert stored == {made[k].id: tuple(made[i].id for i in v) for k, v in wanted.items()}

    def reaches(start: UUID, target: UUID, seen: frozenset[UUID]) -> bool:
        return any(
            p == target or (p not in seen and reaches(p, target, seen | {p})) for p in stored.get(start, ())
        )

    assert not any(reaches(course.id, course.id, frozenset()) for course in made)


async def test_enrolling_waits_for_every_prerequisite_to_be_completed() -> None:
    c = Credentials()
    owner, learner = c.user(Role.INSTRUCTOR), c.user()
    first, second, course = await courses(c, owner, 3)
    await set_prerequisites(c, owner, course, [first.id, second.id])
    with pytest.raises(Conflict, match=r"^Prerequisites not met$"):
        await c.enroll(actor=learner, course_id=course.id)
    await finish(c, learner, first)
    await c.enroll(actor=learner, course_id=second.id)  # enrolled, not completed: not met
    with pytest.raises(Conflict, match=r"^Prerequisites not met$"):
        await c.enroll(actor=learner, course_id=course.id)
    assert not any(e.course_id == course.id for e in c.state.enrollments.values())  # nothing kept
    enrollment = next(e for e in c.state.enrollments.values() if e.course_id == second.id)
    listed = await c.list_lessons(actor=learner, course_id=second.id, page=PageRequest(1, 100))
    await c.complete_lesson(actor=learner, enrollment_id=enrollment.id, lesson_id=listed.items[0].id)
    assert (await c.enroll(actor=learner, course_id=course.id)).course_id == course.id
    with pytest.raises(Conflict, match="Already enrolled"):
        await c.enroll(actor=learner, course_id=course.id)


async def test_a_deleted_prerequisite_no_longer_counts() -> None:
    c = Credentials()
    owner, learner = c.user(Role.INSTRUCTOR), c.user()
    first, second, course = await courses(c, owner, 3)
    await set_prerequisites(c, owner, course, [first.id, second.id])
    await finish(c, learner, second)
    with pytest.raises(Conflict):
        await c.enroll(actor=learner, course_id=course.id)
    await c.delete_course(actor=owner, course_id=first.id)
    assert (await c.get_course(actor=learner, course_id=course.id)).course.prerequisite_course_ids == (
        second.id,
    )
    assert (await c.enroll(actor=learner, course_id=course.id)).course_id == course.id

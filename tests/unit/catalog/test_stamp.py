"""Every write of courses or lessons renews the catalog's stamp, whether it succeeds or fails;
reads never do. The public cache's answers rely on it, whatever path the write came by."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable
from uuid import UUID

import pytest

from lms_domain.catalog import use_cases as cat
from lms_domain.catalog.entities import ContentType
from lms_domain.catalog.ports import CatalogStamp, CatalogUnitOfWork
from lms_domain.identity.entities import User
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.course_access import StaffRole
from lms_domain.shared.errors import DomainError
from tests.unit.catalog.harness import Catalog, instructor

Write = Callable[[Catalog, Actor, UUID, UUID], Awaitable[object]]
"""A write on the catalog ``c`` by ``who``: (catalog, who, course id, lesson id)."""


def _person(c: Catalog, *, staff_of: UUID | None = None) -> UUID:
    """An active user (on ``staff_of``'s staff when given), put straight into the state."""
    who, now = instructor(), c.clock.now()
    c.state.users[who.user_id] = User(
        id=who.user_id,
        email=f"{who.user_id.hex}@example.com",
        full_name="Someone",
        password_hash="x",
        role=Role.INSTRUCTOR,
        created_at=now,
        updated_at=now,
    )
    if staff_of is not None:
        c.state.course_staff[(staff_of, who.user_id)] = (StaffRole.TEACHING_ASSISTANT, now)
    return who.user_id


OWNER = instructor()
INTRUDER = instructor()  # may not change the owner's course (but may create courses of their own)

WRITES: dict[type, Write] = {
    cat.CreateCourse: lambda c, who, _course, _lesson: c.create_course(
        actor=who, data=cat.NewCourse(title="Another")
    ),
    cat.UpdateCourse: lambda c, who, course, _lesson: c.update_course(
        actor=who, course_id=course, changes=cat.CourseChanges(title="Renamed")
    ),
    cat.PublishCourse: lambda c, who, course, _lesson: c.publish_course(actor=who, course_id=course),
    cat.DeleteCourse: lambda c, who, course, _lesson: c.delete_course(actor=who, course_id=course),
    cat.CreateLesson: lambda c, who, course, _lesson: c.create_lesson(
        actor=who, course_id=course, data=cat.NewLesson(title="More", content_type=ContentType.TEXT)
    ),
    cat.UpdateLesson: lambda c, who, _course, lesson: c.update_lesson(
        actor=who, lesson_id=lesson, changes=cat.LessonChanges(title="Renamed")
    ),
    cat.DeleteLesson: lambda c, who, _course, lesson: c.delete_lesson(actor=who, lesson_id=lesson),
    cat.ReorderLessons: lambda c, who, course, lesson: c.reorder_lessons(
        actor=who, course_id=course, lesson_ids=[lesson]
    ),
    cat.AddStaff: lambda c, who, course, _lesson: cat.AddStaff(c.uow(), c.clock, c.stamp)(
        actor=who, course_id=course, user_id=_person(c), role=StaffRole.CO_INSTRUCTOR
    ),
    cat.RemoveStaff: lambda c, who, course, _lesson: cat.RemoveStaff(c.uow(), c.clock, c.stamp)(
        actor=who, course_id=course, user_id=_person(c, staff_of=course)
    ),
}
REFUSED = [cls for cls in WRITES if cls is not cat.CreateCourse]  # refused to the intruder


def catalog_writers() -> set[type]:
    """The catalog's use cases that take a unit of work able to commit."""
    found = set()
    for _, cls in inspect.getmembers(cat, inspect.isclass):
        init = typing.get_type_hints(vars(cls)["__init__"]) if "__init__" in vars(cls) else {}
        if init.get("uow") is CatalogUnitOfWork:
            found.add(cls)
    return found


def test_every_catalog_writer_takes_the_stamp_and_is_tested_here() -> None:
    writers = catalog_writers()
    assert writers == set(WRITES)
    for cls in writers:
        assert typing.get_type_hints(vars(cls)["__init__"]).get("stamp") is CatalogStamp, cls.__name__


async def _published_course_with_a_lesson(c: Catalog) -> tuple[UUID, UUID]:
    course = await c.course(OWNER, published=True)
    lesson = await c.lesson(OWNER, course.id)
    return course.id, lesson.id


@pytest.mark.parametrize("use_case", list(WRITES), ids=lambda cls: cls.__name__)
async def test_a_write_renews_the_stamp_once(use_case: type) -> None:
    c = Catalog()
    course, lesson = await _published_course_with_a_lesson(c)
    before = c.stamp.renewals
    await WRITES[use_case](c, OWNER, course, lesson)
    assert c.stamp.renewals == before + 1


@pytest.mark.parametrize("use_case", REFUSED, ids=lambda cls: cls.__name__)
async def test_a_refused_write_renews_the_stamp_too(use_case: type) -> None:
    c = Catalog()
    course, lesson = await _published_course_with_a_lesson(c)
    before = c.stamp.renewals
    with pytest.raises(DomainError):
        await WRITES[use_case](c, INTRUDER, course, lesson)
    assert c.stamp.renewals == before + 1


async def test_reads_leave_the_stamp_alone() -> None:
    c = Catalog()
    course, lesson = await _published_course_with_a_lesson(c)
    before = c.stamp.renewals
    await c.get_course(actor=None, course_id=course)
    await c.get_lesson(actor=None, lesson_id=lesson)
    assert c.stamp.renewals == before

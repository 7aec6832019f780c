"""What every catalog use case checks first: who may see or change a course or a lesson."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

from lms_domain.catalog.entities import Course, Lesson
from lms_domain.catalog.ports import CatalogReader, CatalogStamp, CatalogUnitOfWork
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import NotFound

__all__ = [
    "changing",
    "has_material_access",
    "managed_course",
    "managed_lesson",
    "shown",
    "visible_course",
]


async def visible_course(uow: CatalogReader, actor: Actor | None, course_id: UUID) -> Course:
    course = await uow.courses.get(course_id)
    if course is None:
        raise NotFound("Course not found")
    course.ensure_visible(actor)
    return course


async def managed_course(
    uow: CatalogUnitOfWork, actor: Actor, course_id: UUID, *, owner: bool = False
) -> Course:
    """The course, locked for the transaction, if the actor may change it (with ``owner``: if the
    actor is its owner or an admin)."""
    course = await uow.courses.get(course_id, for_update=True)
    if course is None:
        raise NotFound("Course not found")
    if owner:
        course.ensure_owned(actor)
    else:
        course.ensure_manageable(actor)
    return course


async def has_material_access(uow: CatalogReader, actor: Actor | None, course: Course) -> bool:
    """Editors, teaching assistants and enrolled users see lesson content and video URLs."""
    if actor is None:
        return False
    if course.access(actor).reads_all:
        return True
    return await uow.enrollments.is_enrolled(student_id=actor.user_id, course_id=course.id)


@asynccontextmanager
async def changing(uow: CatalogUnitOfWork, stamp: CatalogStamp) -> AsyncIterator[CatalogUnitOfWork]:
    """The unit of work of a change to courses or lessons. Once it is over, committed or not, the
    catalog's stamp is renewed: a failed write costs the public copies a few misses, while a write
    that forgot to renew would leave them stale."""
    try:
        async with uow as opened:
            yield opened
    finally:
        await stamp.renew()


def shown(lesson: Lesson, full_access: bool) -> Lesson:
    return lesson if full_access or lesson.is_preview else lesson.redacted()


async def managed_lesson(uow: CatalogUnitOfWork, actor: Actor, lesson_id: UUID) -> Lesson:
    """The lesson as it is once its course is locked (every lesson write takes that lock first)."""
    found = await uow.lessons.get(lesson_id)
    if found is None:
        raise NotFound("Lesson not found")
    course = await uow.courses.get(found.course_id, for_update=True)
    if course is None or not course.is_visible_to(actor):
        raise NotFound("Lesson not found")
    course.ensure_manageable(actor)
    lesson = await uow.lessons.get(lesson_id)  # read again under the lock: no older copy is written back
    if lesson is None or lesson.course_id != course.id:
        raise NotFound("Lesson not found")
    return lesson

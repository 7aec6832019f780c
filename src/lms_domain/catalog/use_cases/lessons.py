"""Lessons of a course: listing, reading, creating, changing, deleting and reordering them."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from lms_domain.catalog.entities import Lesson, LessonChanges, NewLesson
from lms_domain.catalog.ports import CatalogReader, CatalogStamp, CatalogUnitOfWork, LessonOrderTaken
from lms_domain.catalog.use_cases.access import (
    changing,
    lesson_viewer,
    managed_course,
    managed_lesson,
    visible_course,
)
from lms_domain.catalog.use_cases.rules import check_release_rule, save_release_rule
from lms_domain.shared.actors import Actor
from lms_domain.shared.changes import UNCHANGED, apply_changes
from lms_domain.shared.errors import Conflict, InvalidRequest, NotFound
from lms_domain.shared.events import enrollment_completed
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = [
    "CreateLesson",
    "DeleteLesson",
    "GetLesson",
    "ListLessons",
    "ReorderLessons",
    "UpdateLesson",
]


class ListLessons:
    """A page of a course's lessons as the caller may see them: material for editors, staff and
    the enrolled (and previews for everyone), locked for enrolled students whose rule is not met."""

    def __init__(self, uow: CatalogReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor | None, course_id: UUID, page: PageRequest) -> Page[Lesson]:
        async with self._uow as uow:
            course = await visible_course(uow, actor, course_id)
            items, total = await uow.lessons.list_for_course(course_id, page=page)
            viewer = await lesson_viewer(uow, actor, course, items)
        return Page.of([viewer.show(lesson) for lesson in items], total, page)


class GetLesson:
    def __init__(self, uow: CatalogReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor | None, lesson_id: UUID) -> Lesson:
        async with self._uow as uow:
            lesson = await uow.lessons.get(lesson_id)
            if lesson is None:
                raise NotFound("Lesson not found")
            course = await uow.courses.get(lesson.course_id)
            if course is None or not course.is_visible_to(actor):
                raise NotFound("Lesson not found")
            viewer = await lesson_viewer(uow, actor, course, [lesson])
        return viewer.show(lesson)


class CreateLesson:
    """A lesson at the end of the course, with its release rule when given."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, ids: IdGenerator, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._ids, self._stamp = uow, clock, ids, stamp

    async def __call__(self, *, actor: Actor, course_id: UUID, data: NewLesson) -> Lesson:
        lesson_id, now = self._ids.new_id(), self._clock.now()
        async with changing(self._uow, self._stamp) as uow:
            await managed_course(uow, actor, course_id)
            lesson = Lesson.create(data, id=lesson_id, course_id=course_id, order=0, at=now)
            await check_release_rule(uow, lesson)
            lesson.order = await uow.lessons.next_order(course_id)
            try:
                await uow.lessons.add(lesson)
            except LessonOrderTaken:
                raise Conflict("The course's lessons changed meanwhile; try again") from None
            if lesson.release_rule is not None:
                await save_release_rule(uow, lesson)
            await uow.commit()
        return lesson


class UpdateLesson:
    """Change a lesson's fields; its position changes only through ``ReorderLessons``. A
    ``release_rule`` of None removes the rule."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._stamp = uow, clock, stamp

    async def __call__(self, *, actor: Actor, lesson_id: UUID, changes: LessonChanges) -> Lesson:
        async with changing(self._uow, self._stamp) as uow:
            managed = await managed_lesson(uow, actor, lesson_id)
            lesson = apply_changes(managed, changes, updated_at=self._clock.now())
            await uow.lessons.update(lesson)
            if changes.release_rule is not UNCHANGED and lesson.release_rule != managed.release_rule:
                await check_release_rule(uow, lesson)
                await save_release_rule(uow, lesson)
            await uow.commit()
        return lesson


class DeleteLesson:
    """Delete a lesson (its completions go with it) and close the gap in the order. Release
    rules that named it lose it (the store's cascade); a rule left with nothing in it is gone.

    A student who had completed every other lesson has now completed the course: their enrollment
    is completed in the same transaction, as completing that last lesson would have done.
    """

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._stamp = uow, clock, stamp

    async def __call__(self, *, actor: Actor, lesson_id: UUID) -> None:
        async with changing(self._uow, self._stamp) as uow:
            lesson = await managed_lesson(uow, actor, lesson_id)
            # completions in flight finish before the lesson goes; later ones count without it
            await uow.enrollments.lock_for_course(lesson.course_id)
            await uow.lessons.remove(lesson_id)
            rest, _ = await uow.lessons.list_for_course(lesson.course_id)
            await uow.lessons.set_order(lesson.course_id, [r.id for r in rest])
            now = self._clock.now()
            for enrollment_id, student_id in await uow.enrollments.complete_finished(lesson.course_id, now):
                await uow.events.record(
                    enrollment_completed(enrollment_id, lesson.course_id, student_id, now)
                )
            await uow.commit()


class ReorderLessons:
    """Put a course's lessons in a new order: exactly its lesson ids, each once."""

    def __init__(self, uow: CatalogUnitOfWork, stamp: CatalogStamp) -> None:
        self._uow, self._stamp = uow, stamp

    async def __call__(self, *, actor: Actor, course_id: UUID, lesson_ids: Sequence[UUID]) -> Page[Lesson]:
        async with changing(self._uow, self._stamp) as uow:
            await managed_course(uow, actor, course_id)
            current, _ = await uow.lessons.list_for_course(course_id)
            if len(set(lesson_ids)) != len(lesson_ids):
                raise InvalidRequest("lesson_ids contains duplicates")
            if set(lesson_ids) != {lesson.id for lesson in current}:
                raise InvalidRequest("lesson_ids must list exactly the course's lessons")
            await uow.lessons.set_order(course_id, lesson_ids)
            items, total = await uow.lessons.list_for_course(course_id)
            await uow.commit()
        return Page(items=items, total=total, page=1, page_size=max(total, 1))

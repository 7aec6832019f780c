"""Catalog use cases: courses, their lessons, publishing and reordering."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import UUID

from lms_domain.catalog.entities import (
    Course,
    CourseChanges,
    DifficultyLevel,
    Lesson,
    LessonChanges,
    NewCourse,
    NewLesson,
)
from lms_domain.catalog.ports import (
    CatalogReader,
    CatalogStamp,
    CatalogUnitOfWork,
    CourseQuery,
    CourseSort,
    LessonOrderTaken,
    SlugTaken,
)
from lms_domain.catalog.values import slug_candidate, slugify
from lms_domain.shared.actors import Actor
from lms_domain.shared.changes import apply_changes
from lms_domain.shared.errors import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = [
    "CourseChanges",
    "CourseDetail",
    "CreateCourse",
    "CreateLesson",
    "DeleteCourse",
    "DeleteLesson",
    "GetCourse",
    "GetLesson",
    "LessonChanges",
    "ListCourses",
    "ListLessons",
    "NewCourse",
    "NewLesson",
    "PublishCourse",
    "ReorderLessons",
    "UpdateCourse",
    "UpdateLesson",
]

SLUG_ATTEMPTS = 50


@dataclass(frozen=True, slots=True)
class CourseDetail:
    course: Course
    lessons: Sequence[Lesson]


async def _visible_course(uow: CatalogReader, actor: Actor | None, course_id: UUID) -> Course:
    course = await uow.courses.get(course_id)
    if course is None:
        raise NotFound("Course not found")
    course.ensure_visible(actor)
    return course


async def _managed_course(uow: CatalogUnitOfWork, actor: Actor, course_id: UUID) -> Course:
    """The course, locked for the transaction, if the actor may change it."""
    course = await uow.courses.get(course_id, for_update=True)
    if course is None:
        raise NotFound("Course not found")
    course.ensure_manageable(actor)
    return course


async def _has_material_access(uow: CatalogReader, actor: Actor | None, course: Course) -> bool:
    """The owner, admins and enrolled users see lesson content and video URLs."""
    if actor is None:
        return False
    if course.is_managed_by(actor):
        return True
    return await uow.enrollments.is_enrolled(student_id=actor.user_id, course_id=course.id)


@asynccontextmanager
async def _changing(uow: CatalogUnitOfWork, stamp: CatalogStamp) -> AsyncIterator[CatalogUnitOfWork]:
    """The unit of work of a change to courses or lessons. Once it is over, committed or not, the
    catalog's stamp is renewed: a failed write costs the public copies a few misses, while a write
    that forgot to renew would leave them stale."""
    try:
        async with uow as opened:
            yield opened
    finally:
        await stamp.renew()


def _shown(lesson: Lesson, full_access: bool) -> Lesson:
    return lesson if full_access or lesson.is_preview else lesson.redacted()


class CreateCourse:
    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, ids: IdGenerator, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._ids, self._stamp = uow, clock, ids, stamp

    async def __call__(self, *, actor: Actor, data: NewCourse) -> Course:
        if not actor.is_staff:
            raise Forbidden("Only instructors and admins can create courses")
        course = Course.create(data, id=self._ids.new_id(), instructor_id=actor.user_id, at=self._clock.now())
        base = slugify(course.title)
        async with _changing(self._uow, self._stamp) as uow:
            for _ in range(SLUG_ATTEMPTS):
                course.slug = slug_candidate(base, await uow.courses.taken_slugs(base))
                try:
                    await uow.courses.add(course)
                    break
                except SlugTaken:  # another course took it meanwhile: look again
                    continue
            else:
                raise Conflict("Could not find a free slug for this title; try again")
            await uow.commit()
        return course


class ListCourses:
    def __init__(self, uow: CatalogReader) -> None:
        self._uow = uow

    async def __call__(
        self,
        *,
        actor: Actor | None,
        page: PageRequest,
        mine: bool = False,
        category: str | None = None,
        difficulty_level: DifficultyLevel | None = None,
        search: str | None = None,
        sort: CourseSort = CourseSort.NEWEST,
    ) -> Page[Course]:
        if mine and actor is None:
            raise Unauthorized("Not authenticated")
        if mine and actor is not None and not actor.is_staff:
            raise Forbidden("Only instructors and admins have courses of their own")
        query = CourseQuery(
            include_unpublished=actor is not None and actor.is_admin,
            viewer_id=actor.user_id if actor is not None else None,
            instructor_id=actor.user_id if mine and actor is not None else None,
            category=category or None,
            difficulty_level=difficulty_level,
            search=search.strip() if search and search.strip() else None,
            sort=sort,
        )
        async with self._uow as uow:
            items, total = await uow.courses.list(query=query, page=page)
        return Page.of(items, total, page)


class GetCourse:
    def __init__(self, uow: CatalogReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor | None, course_id: UUID) -> CourseDetail:
        async with self._uow as uow:
            course = await _visible_course(uow, actor, course_id)
            lessons, _ = await uow.lessons.list_for_course(course_id)
        return CourseDetail(course=course, lessons=lessons)


class UpdateCourse:
    """Change a course's fields; ``is_published`` changes only through ``PublishCourse``."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._stamp = uow, clock, stamp

    async def __call__(self, *, actor: Actor, course_id: UUID, changes: CourseChanges) -> Course:
        async with _changing(self._uow, self._stamp) as uow:
            managed = await _managed_course(uow, actor, course_id)
            course = apply_changes(managed, changes, updated_at=self._clock.now())
            await uow.courses.update(course)
            await uow.commit()
        return course


class PublishCourse:
    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._stamp = uow, clock, stamp

    async def __call__(self, *, actor: Actor, course_id: UUID) -> Course:
        async with _changing(self._uow, self._stamp) as uow:
            course = await uow.courses.get(course_id, for_update=True)
            if course is None:
                raise NotFound("Course not found")
            course.publish(actor=actor, now=self._clock.now())
            await uow.courses.update(course)
            await uow.commit()
        return course


class DeleteCourse:
    """Delete a course with its lessons, enrollments and progress, in one transaction."""

    def __init__(self, uow: CatalogUnitOfWork, stamp: CatalogStamp) -> None:
        self._uow, self._stamp = uow, stamp

    async def __call__(self, *, actor: Actor, course_id: UUID) -> None:
        async with _changing(self._uow, self._stamp) as uow:
            await _managed_course(uow, actor, course_id)
            await uow.enrollments.lock_for_course(course_id)  # the lock order: course, enrollments, lessons
            await uow.courses.remove(course_id)
            await uow.commit()


class ListLessons:
    def __init__(self, uow: CatalogReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor | None, course_id: UUID, page: PageRequest) -> Page[Lesson]:
        async with self._uow as uow:
            course = await _visible_course(uow, actor, course_id)
            items, total = await uow.lessons.list_for_course(course_id, page=page)
            full = await _has_material_access(uow, actor, course)
        return Page.of([_shown(lesson, full) for lesson in items], total, page)


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
            full = lesson.is_preview or await _has_material_access(uow, actor, course)
        return _shown(lesson, full)


class CreateLesson:
    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, ids: IdGenerator, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._ids, self._stamp = uow, clock, ids, stamp

    async def __call__(self, *, actor: Actor, course_id: UUID, data: NewLesson) -> Lesson:
        lesson_id, now = self._ids.new_id(), self._clock.now()
        async with _changing(self._uow, self._stamp) as uow:
            await _managed_course(uow, actor, course_id)
            lesson = Lesson.create(data, id=lesson_id, course_id=course_id, order=0, at=now)
            lesson.order = await uow.lessons.next_order(course_id)
            try:
                await uow.lessons.add(lesson)
            except LessonOrderTaken:
                raise Conflict("The course's lessons changed meanwhile; try again") from None
            await uow.commit()
        return lesson


async def _managed_lesson(uow: CatalogUnitOfWork, actor: Actor, lesson_id: UUID) -> Lesson:
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


class UpdateLesson:
    """Change a lesson's fields; its position changes only through ``ReorderLessons``."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._stamp = uow, clock, stamp

    async def __call__(self, *, actor: Actor, lesson_id: UUID, changes: LessonChanges) -> Lesson:
        async with _changing(self._uow, self._stamp) as uow:
            managed = await _managed_lesson(uow, actor, lesson_id)
            lesson = apply_changes(managed, changes, updated_at=self._clock.now())
            await uow.lessons.update(lesson)
            await uow.commit()
        return lesson


class DeleteLesson:
    """Delete a lesson (its completions go with it) and close the gap in the order.

    A student who had completed every other lesson has now completed the course: their enrollment
    is completed in the same transaction, as completing that last lesson would have done.
    """

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._stamp = uow, clock, stamp

    async def __call__(self, *, actor: Actor, lesson_id: UUID) -> None:
        async with _changing(self._uow, self._stamp) as uow:
            lesson = await _managed_lesson(uow, actor, lesson_id)
            # completions in flight finish before the lesson goes; later ones count without it
            await uow.enrollments.lock_for_course(lesson.course_id)
            await uow.lessons.remove(lesson_id)
            rest, _ = await uow.lessons.list_for_course(lesson.course_id)
            await uow.lessons.set_order(lesson.course_id, [r.id for r in rest])
            await uow.enrollments.complete_finished(lesson.course_id, self._clock.now())
            await uow.commit()


class ReorderLessons:
    """Put a course's lessons in a new order: exactly its lesson ids, each once."""

    def __init__(self, uow: CatalogUnitOfWork, stamp: CatalogStamp) -> None:
        self._uow, self._stamp = uow, stamp

    async def __call__(self, *, actor: Actor, course_id: UUID, lesson_ids: Sequence[UUID]) -> Page[Lesson]:
        async with _changing(self._uow, self._stamp) as uow:
            await _managed_course(uow, actor, course_id)
            current, _ = await uow.lessons.list_for_course(course_id)
            if len(set(lesson_ids)) != len(lesson_ids):
                raise InvalidRequest("lesson_ids contains duplicates")
            if set(lesson_ids) != {lesson.id for lesson in current}:
                raise InvalidRequest("lesson_ids must list exactly the course's lessons")
            await uow.lessons.set_order(course_id, lesson_ids)
            items, total = await uow.lessons.list_for_course(course_id)
            await uow.commit()
        return Page(items=items, total=total, page=1, page_size=max(total, 1))

"""Courses: creating, listing, reading, changing, publishing and deleting them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from lms_domain.catalog.entities import Course, CourseChanges, DifficultyLevel, Lesson, NewCourse
from lms_domain.catalog.ports import (
    NO_COPIES,
    CatalogCopies,
    CatalogReader,
    CatalogStamp,
    CatalogUnitOfWork,
    CourseOutline,
    CourseQuery,
    CourseSort,
    OwnerGone,
    SlugTaken,
)
from lms_domain.catalog.use_cases.access import (
    changing,
    lesson_viewer,
    managed_course,
    outline_viewer,
    visible_course,
)
from lms_domain.catalog.use_cases.rules import check_prerequisites, save_prerequisites
from lms_domain.catalog.values import slug_candidate, slugify
from lms_domain.shared.actors import Actor
from lms_domain.shared.audit import AuditAction, entry_by
from lms_domain.shared.changes import UNCHANGED, apply_changes
from lms_domain.shared.errors import Conflict, Forbidden, NotFound, Unauthorized
from lms_domain.shared.events import Event, EventType
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = [
    "CourseDetail",
    "CreateCourse",
    "DeleteCourse",
    "GetCourse",
    "ListCourses",
    "PublishCourse",
    "UpdateCourse",
]

SLUG_ATTEMPTS = 50


@dataclass(frozen=True, slots=True)
class CourseDetail:
    """A course with its lessons as the caller sees them (``locked`` for an enrolled student whose
    rule is not met; the outline shows no material)."""

    course: Course
    lessons: Sequence[Lesson]


class CreateCourse:
    """An unpublished course of the caller's, with its prerequisites when given (courses the
    caller may see)."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, ids: IdGenerator, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._ids, self._stamp = uow, clock, ids, stamp

    async def __call__(self, *, actor: Actor, data: NewCourse) -> Course:
        if not actor.is_staff:
            raise Forbidden("Only instructors and admins can create courses")
        course = Course.create(data, id=self._ids.new_id(), instructor_id=actor.user_id, at=self._clock.now())
        base = slugify(course.title)
        async with changing(self._uow, self._stamp) as uow:
            await check_prerequisites(uow, actor, course)
            for _ in range(SLUG_ATTEMPTS):
                course.slug = slug_candidate(base, await uow.courses.taken_slugs(base))
                try:
                    await uow.courses.add(course)
                    break
                except SlugTaken:  # another course took it meanwhile: look again
                    continue
                except OwnerGone:  # deactivated or erased since the request was let in
                    raise Unauthorized("Could not validate credentials") from None
            else:
                raise Conflict("Could not find a free slug for this title; try again")
            if course.prerequisite_course_ids:
                await save_prerequisites(uow, course)
            await uow.commit()
        return course


class ListCourses:
    """Published courses, and drafts to their owner, their staff and admins. A caller who may see
    no draft (not an admin, and owning or on the staff of none) sees what anonymous callers see:
    that page is read from ``copies`` when kept there, so such a read costs no statement. Admins
    and ``mine`` read the database."""

    def __init__(self, uow: CatalogReader, copies: CatalogCopies = NO_COPIES) -> None:
        self._uow, self._copies = uow, copies

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
        query = CourseQuery(
            include_unpublished=actor is not None and actor.is_admin,
            viewer_id=actor.user_id if actor is not None else None,
            instructor_id=actor.user_id if mine and actor is not None else None,
            category=category or None,
            difficulty_level=difficulty_level,
            search=search.strip() if search and search.strip() else None,
            sort=sort,
        )
        shelf = None if mine or query.include_unpublished else await self._copies.shelf()
        if shelf is None:
            async with self._uow as uow:
                items, total = await uow.courses.list(query=query, page=page)
            if mine and actor is not None and not actor.is_staff and total == 0:
                # a student has courses of their own only on a course's staff (a teaching assistant)
                raise Forbidden("Only instructors, admins and course staff have courses of their own")
            return Page.of(items, total, page)
        public = dataclasses.replace(query, viewer_id=None)
        kept, readers = shelf.courses(public, page), shelf.draft_readers()
        if kept is not None and _sees_no_draft(actor, readers):
            return Page.of(*kept, page)
        async with self._uow as uow:
            if readers is None and actor is not None:
                readers = await uow.courses.draft_readers()
                shelf.keep_draft_readers(readers)
            if not _sees_no_draft(actor, readers):
                return Page.of(*await uow.courses.list(query=query, page=page), page)
            if kept is None:
                kept = await uow.courses.list(query=public, page=page)
                shelf.keep_courses(public, page, kept)
        return Page.of(*kept, page)


def _sees_no_draft(actor: Actor | None, draft_readers: frozenset[UUID] | None) -> bool:
    """Whether a (non-admin) caller sees only published courses, as far as ``draft_readers``
    tell (None: not known yet)."""
    return actor is None or (draft_readers is not None and actor.user_id not in draft_readers)


class GetCourse:
    """A course's page. Its outline (the course and its lessons) is read from ``copies`` when kept
    there; what depends on the caller costs at most one statement: their progress, for an enrolled
    student in a course whose lessons have release rules."""

    def __init__(self, uow: CatalogReader, copies: CatalogCopies = NO_COPIES) -> None:
        self._uow, self._copies = uow, copies

    async def __call__(self, *, actor: Actor | None, course_id: UUID) -> CourseDetail:
        shelf = await self._copies.shelf()
        kept = shelf.outline(course_id) if shelf is not None else None
        if kept is not None:
            kept.course.ensure_visible(actor)
            viewer = outline_viewer(actor, kept.course, kept.lessons)
            if viewer is None:
                async with self._uow as uow:
                    viewer = await lesson_viewer(uow, actor, kept.course, kept.lessons, material=False)
            return CourseDetail(course=kept.course, lessons=viewer.outline(kept.lessons))
        async with self._uow as uow:
            if shelf is None:
                course = await visible_course(uow, actor, course_id)
                lessons, _ = await uow.lessons.list_for_course(course_id)
            else:  # keep the outline even when this caller may not see it: the next one may
                if (found := await uow.courses.get(course_id)) is None:
                    raise NotFound("Course not found")
                course, (lessons, _) = found, await uow.lessons.list_for_course(course_id)
            outline = CourseOutline(course=course, lessons=tuple(lesson.redacted() for lesson in lessons))
            if shelf is not None:
                shelf.keep_outline(outline)
                course.ensure_visible(actor)
            viewer = await lesson_viewer(uow, actor, course, lessons, material=False)
        return CourseDetail(course=course, lessons=viewer.outline(outline.lessons))


class UpdateCourse:
    """Change a course's fields; ``is_published`` changes only through ``PublishCourse``. New
    prerequisites must be courses the caller may see, none of which needs this course."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._stamp = uow, clock, stamp

    async def __call__(self, *, actor: Actor, course_id: UUID, changes: CourseChanges) -> Course:
        async with changing(self._uow, self._stamp) as uow:
            managed = await managed_course(uow, actor, course_id)
            course = apply_changes(managed, changes, updated_at=self._clock.now())
            await uow.courses.update(course)
            wanted = course.prerequisite_course_ids
            if changes.prerequisite_course_ids is not UNCHANGED and wanted != managed.prerequisite_course_ids:
                await check_prerequisites(uow, actor, course, already=managed.prerequisite_course_ids)
                await save_prerequisites(uow, course)
            await uow.commit()
        return course


class PublishCourse:
    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, stamp: CatalogStamp) -> None:
        self._uow, self._clock, self._stamp = uow, clock, stamp

    async def __call__(self, *, actor: Actor, course_id: UUID) -> Course:
        async with changing(self._uow, self._stamp) as uow:
            course = await uow.courses.get(course_id, for_update=True)
            if course is None:
                raise NotFound("Course not found")
            was_published = course.is_published
            course.publish(actor=actor, now=self._clock.now())
            if not was_published:  # publishing a published course changes nothing and sends nothing
                await uow.courses.update(course)
                await uow.events.record(
                    Event.of(
                        EventType.COURSE_PUBLISHED,
                        at=course.updated_at,
                        course_id=course.id,
                        title=course.title,
                        instructor_id=course.instructor_id,
                    )
                )
                await uow.audit.record(
                    entry_by(actor, AuditAction.COURSE_PUBLISHED, at=course.updated_at, target_id=course.id)
                )
                await uow.commit()
        return course


class DeleteCourse:
    """Delete a course with its lessons, enrollments and progress, in one transaction; it stops
    being a prerequisite of other courses."""

    def __init__(self, uow: CatalogUnitOfWork, stamp: CatalogStamp, clock: Clock) -> None:
        self._uow, self._stamp, self._clock = uow, stamp, clock

    async def __call__(self, *, actor: Actor, course_id: UUID) -> None:
        async with changing(self._uow, self._stamp) as uow:
            await managed_course(uow, actor, course_id, owner=True)
            await uow.enrollments.lock_for_course(course_id)  # the lock order: course, enrollments, lessons
            await uow.courses.remove(course_id)
            await uow.audit.record(
                entry_by(actor, AuditAction.COURSE_DELETED, at=self._clock.now(), target_id=course_id)
            )
            await uow.commit()

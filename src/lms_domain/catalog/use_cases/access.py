"""What every catalog use case checks first: who may see or change a course or a lesson."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import UUID

from lms_domain.catalog.entities import Course, Lesson
from lms_domain.catalog.ports import CatalogReader, CatalogStamp, CatalogUnitOfWork
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import NotFound
from lms_domain.shared.release import LearnerProgress

__all__ = [
    "LessonViewer",
    "changing",
    "lesson_viewer",
    "managed_course",
    "managed_lesson",
    "outline_viewer",
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


@dataclass(frozen=True, slots=True)
class LessonViewer:
    """How lessons show to one caller: ``full_access`` to the material (editors, teaching
    assistants, enrolled users), and the ``progress`` their release rules are measured against
    (enrolled students only: rules never apply to anyone else)."""

    full_access: bool = False
    progress: LearnerProgress | None = None

    def show(self, lesson: Lesson) -> Lesson:
        """Locked (no material, even for a preview) when a rule applies and is not met; else the
        material for those with access and for previews."""
        rule = lesson.release_rule
        if self.progress is not None and rule is not None and not rule.is_met(self.progress):
            return lesson.as_locked()
        return lesson if self.full_access or lesson.is_preview else lesson.redacted()

    def outline(self, lessons: Sequence[Lesson]) -> list[Lesson]:
        """``lessons``, which carry no material, as ``show`` shows them: only the locked ones
        change (an outline is read often, and copying every lesson costs more than the rest)."""
        progress = self.progress
        if progress is None:
            return list(lessons)
        return [
            v.as_locked() if v.release_rule is not None and not v.release_rule.is_met(progress) else v
            for v in lessons
        ]


async def lesson_viewer(
    uow: CatalogReader,
    actor: Actor | None,
    course: Course,
    lessons: Sequence[Lesson],
    *,
    material: bool = True,
) -> LessonViewer:
    """The caller's view of ``lessons`` of ``course``: one statement for whether they are
    enrolled, or, when some of the lessons carry a rule, for their progress. Without ``material``
    (an outline, which shows none) only rules need a statement."""
    if actor is None:
        return LessonViewer()
    if course.access(actor).reads_all:  # editors, staff and admins are never locked out
        return LessonViewer(full_access=True)
    rules = [lesson.release_rule for lesson in lessons if lesson.release_rule is not None]
    if not rules:
        if not material:
            return LessonViewer()
        enrolled = await uow.enrollments.is_enrolled(student_id=actor.user_id, course_id=course.id)
        return LessonViewer(full_access=enrolled)
    quiz_ids = {rule.after_quiz.quiz_id for rule in rules if rule.after_quiz is not None}
    progress = await uow.learner_progress.of(student_id=actor.user_id, course_id=course.id, quiz_ids=quiz_ids)
    return LessonViewer(full_access=progress is not None, progress=progress)


def outline_viewer(actor: Actor | None, course: Course, lessons: Sequence[Lesson]) -> LessonViewer | None:
    """The caller's view of an outline of ``lessons`` (no material) when it needs no statement:
    anonymous callers, editors, staff and admins, and everyone when no lesson has a rule. None
    when the caller's progress decides."""
    if actor is None:
        return LessonViewer()
    if course.access(actor).reads_all:  # editors, staff and admins are never locked out
        return LessonViewer(full_access=True)
    if all(lesson.release_rule is None for lesson in lessons):
        return LessonViewer()
    return None


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

"""Learning use cases: enrolling, listing one's courses, and completing lessons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from lms_domain.catalog.entities import Course, Lesson
from lms_domain.learning.entities import (
    Enrollment,
    EnrollmentSummary,
    LessonCompletion,
    progress_percentage,
)
from lms_domain.learning.ports import (
    AlreadyCompleted,
    AlreadyEnrolled,
    LearningReader,
    LearningUnitOfWork,
    ReferenceGone,
)
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import Conflict, Forbidden, NotFound
from lms_domain.shared.events import Event, EventType, enrollment_completed
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator
from lms_domain.shared.release import locks_out

__all__ = [
    "CompleteLesson",
    "Enroll",
    "EnrollmentProgress",
    "GetEnrollment",
    "ListMyEnrollments",
]


@dataclass(frozen=True, slots=True)
class EnrollmentProgress:
    enrollment: Enrollment
    completed_lesson_ids: Sequence[UUID]
    total_lessons: int

    @property
    def progress_percentage(self) -> int:
        return progress_percentage(len(self.completed_lesson_ids), self.total_lessons)


PREREQUISITES_NOT_MET = "Prerequisites not met"
LESSON_LOCKED = "Lesson is locked"


class Enroll:
    """Any signed-in user enrolls in a published course, once (with ``require_verified_email``,
    only a user whose address is verified), once every prerequisite of it is completed.

    The enrollment is inserted first and the prerequisites checked after, in the same
    transaction: someone enrolled already hears so (409 either way), and an enrollment whose
    prerequisites are not met is rolled back."""

    def __init__(
        self, uow: LearningUnitOfWork, clock: Clock, ids: IdGenerator, *, require_verified_email: bool = False
    ) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids
        self._require_verified = require_verified_email

    async def __call__(self, *, actor: Actor, course_id: UUID) -> Enrollment:
        actor.check_verified(self._require_verified)
        enrollment = Enrollment(
            id=self._ids.new_id(),
            student_id=actor.user_id,
            course_id=course_id,
            enrolled_at=self._clock.now(),
        )
        async with self._uow as uow:
            course = await uow.courses.get(course_id)
            if course is None or not course.is_published:
                raise NotFound("Course not found")
            try:
                await uow.enrollments.add(enrollment)
            except AlreadyEnrolled:
                raise Conflict("Already enrolled in this course") from None
            except ReferenceGone:  # the course was deleted meanwhile
                raise NotFound("Course not found") from None
            if course.prerequisite_course_ids and not await uow.enrollments.prerequisites_met(
                student_id=actor.user_id, course_id=course_id
            ):
                raise Conflict(PREREQUISITES_NOT_MET)
            await uow.events.record(
                Event.of(
                    EventType.ENROLLMENT_CREATED,
                    at=enrollment.enrolled_at,
                    enrollment_id=enrollment.id,
                    course_id=course_id,
                    student_id=actor.user_id,
                )
            )
            await uow.commit()
        return enrollment


class ListMyEnrollments:
    def __init__(self, uow: LearningReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, page: PageRequest) -> Page[EnrollmentSummary]:
        async with self._uow as uow:
            items, total = await uow.enrollments.list_for_student(actor.user_id, page=page)
        return Page.of(items, total, page)


async def _check_visible(
    uow: LearningReader, actor: Actor, enrollment: Enrollment | None
) -> tuple[Enrollment, Course]:
    if enrollment is None:
        raise NotFound("Enrollment not found")
    course = await uow.courses.get(enrollment.course_id)
    if course is None or not enrollment.is_visible_to(actor, course.access(actor)):
        raise NotFound("Enrollment not found")
    return enrollment, course


async def _check_unlocked(uow: LearningReader, actor: Actor, course: Course, lesson: Lesson) -> None:
    """409 when the lesson's release rule applies to the actor (not an editor, staff member or
    admin of the course) and is not met."""
    rule = lesson.release_rule
    if rule is None or course.access(actor).reads_all:
        return
    if await locks_out(rule, uow.learner_progress, student_id=actor.user_id, course_id=course.id):
        raise Conflict(LESSON_LOCKED)


class GetEnrollment:
    """The enrollment with its progress: seen by its student, the course owner and admins."""

    def __init__(self, uow: LearningReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, enrollment_id: UUID) -> EnrollmentProgress:
        async with self._uow as uow:
            enrollment, _ = await _check_visible(uow, actor, await uow.enrollments.get(enrollment_id))
            done = await uow.completions.completed_lesson_ids(enrollment_id)
            _, total = await uow.completions.counts(enrollment_id)
        return EnrollmentProgress(enrollment=enrollment, completed_lesson_ids=done, total_lessons=total)


class CompleteLesson:
    """Mark a lesson of the enrollment's course complete (idempotent: the first time stays).

    When every lesson of the course is then complete, the enrollment is completed too. The
    enrollment is locked first, so completions of one enrollment run one after another and the
    last of them counts every lesson the others completed (and a lesson whose rule waits for
    another sees that one's completion). A lesson locked by its release rule: 409, completed or not.
    """

    def __init__(self, uow: LearningUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, *, actor: Actor, enrollment_id: UUID, lesson_id: UUID) -> LessonCompletion:
        now = self._clock.now()
        async with self._uow as uow:
            locked = await uow.enrollments.get(enrollment_id, for_update=True)
            enrollment, course = await _check_visible(uow, actor, locked)
            if enrollment.student_id != actor.user_id:
                raise Forbidden("Only the enrolled student can complete lessons")
            lesson = await uow.lessons.get(lesson_id)
            if lesson is None or lesson.course_id != enrollment.course_id:
                raise NotFound("Lesson not found")
            await _check_unlocked(uow, actor, course, lesson)
            completion = LessonCompletion(
                id=self._ids.new_id(), enrollment_id=enrollment_id, lesson_id=lesson_id, completed_at=now
            )
            try:
                await uow.completions.add(completion)
            except ReferenceGone:  # the lesson or enrollment was deleted meanwhile
                raise NotFound("Lesson not found") from None
            except AlreadyCompleted:  # nothing changes, nothing is sent
                existing = await uow.completions.get(enrollment_id, lesson_id)
                assert existing is not None
                return existing
            completed, total = await uow.completions.counts(enrollment_id)
            await uow.events.record(
                Event.of(
                    EventType.LESSON_COMPLETED,
                    at=now,
                    enrollment_id=enrollment_id,
                    course_id=enrollment.course_id,
                    lesson_id=lesson_id,
                    student_id=enrollment.student_id,
                    progress_percentage=progress_percentage(completed, total),
                )
            )
            if total > 0 and completed >= total and enrollment.completed_at is None:
                completed_at = await uow.enrollments.mark_completed(enrollment_id, now)
                await uow.events.record(
                    enrollment_completed(
                        enrollment_id, enrollment.course_id, enrollment.student_id, completed_at
                    )
                )
            await uow.commit()
        return completion

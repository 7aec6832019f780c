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
    AlreadyEnrolled,
    CourseNotOpen,
    LearningReader,
    LearningUnitOfWork,
    PrerequisitesNotMet,
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

    The store inserts the enrollment only then, in one statement (``add_if_open``), and says why
    not otherwise: someone enrolled already hears so (409 whether the prerequisites are met or
    not)."""

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
            try:
                await uow.enrollments.add_if_open(enrollment)
            except (CourseNotOpen, ReferenceGone):  # ReferenceGone: deleted meanwhile
                raise NotFound("Course not found") from None
            except AlreadyEnrolled:
                raise Conflict("Already enrolled in this course") from None
            except PrerequisitesNotMet:
                raise Conflict(PREREQUISITES_NOT_MET) from None
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

    Two trips to the store for a lesson without a rule, whatever it completes: the enrollment
    locked with the lesson, then ``complete`` (the insert, the progress, the enrollment's
    completion); the course and the student's progress are read only for a lesson with a rule,
    and the course for someone other than the student (who gets 403 or 404).
    """

    def __init__(self, uow: LearningUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, *, actor: Actor, enrollment_id: UUID, lesson_id: UUID) -> LessonCompletion:
        now = self._clock.now()
        async with self._uow as uow:
            enrollment, lesson = await uow.enrollments.get_with_lesson(enrollment_id, lesson_id)
            if enrollment is None or enrollment.student_id != actor.user_id:
                await _check_visible(uow, actor, enrollment)
                raise Forbidden("Only the enrolled student can complete lessons")
            if lesson is None or lesson.course_id != enrollment.course_id:
                raise NotFound("Lesson not found")
            if lesson.release_rule is not None:
                _, course = await _check_visible(uow, actor, enrollment)
                await _check_unlocked(uow, actor, course, lesson)
            completion = LessonCompletion(
                id=self._ids.new_id(), enrollment_id=enrollment_id, lesson_id=lesson_id, completed_at=now
            )
            try:
                outcome = await uow.completions.complete(completion)
            except ReferenceGone:  # the lesson or enrollment was deleted meanwhile
                raise NotFound("Lesson not found") from None
            if not outcome.added:  # nothing changes, nothing is sent
                return outcome.completion
            await uow.events.record(
                Event.of(
                    EventType.LESSON_COMPLETED,
                    at=now,
                    enrollment_id=enrollment_id,
                    course_id=enrollment.course_id,
                    lesson_id=lesson_id,
                    student_id=enrollment.student_id,
                    progress_percentage=progress_percentage(outcome.completed, outcome.total),
                )
            )
            if outcome.course_completed_at is not None:
                await uow.events.record(
                    enrollment_completed(
                        enrollment_id,
                        enrollment.course_id,
                        enrollment.student_id,
                        outcome.course_completed_at,
                    )
                )
            await uow.commit()
        return completion

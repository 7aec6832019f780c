"""Enrollments and lesson completions in memory (copy in, copy out)."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from lms_domain.catalog.entities import Lesson
from lms_domain.learning.entities import Enrollment, EnrollmentSummary, LessonCompletion
from lms_domain.learning.ports import (
    AlreadyCompleted,
    AlreadyEnrolled,
    CompletionOutcome,
    CourseNotOpen,
    PrerequisitesNotMet,
    ReferenceGone,
)
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import LearnerProgress

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = ["MemoryCompletionRepository", "MemoryEnrollmentRepository", "MemoryLearnerProgress"]


def _counts(state: MemoryState, enrollment: Enrollment) -> tuple[int, int]:
    lessons = {i for i, v in state.lessons.items() if v.course_id == enrollment.course_id}
    done = sum(
        1
        for c in state.lesson_completions.values()
        if c.enrollment_id == enrollment.id and c.lesson_id in lessons
    )
    return done, len(lessons)


class MemoryEnrollmentRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def get(self, enrollment_id: UUID, *, for_update: bool = False) -> Enrollment | None:
        enrollment = self._state.enrollments.get(enrollment_id)  # the unit of work holds the state
        return copy.deepcopy(enrollment) if enrollment else None

    async def get_with_lesson(
        self, enrollment_id: UUID, lesson_id: UUID
    ) -> tuple[Enrollment | None, Lesson | None]:
        enrollment = await self.get(enrollment_id, for_update=True)
        found = copy.deepcopy(self._state.lessons.get(lesson_id)) if enrollment else None
        if found is not None:  # its rule lives beside it, as in SQL
            found.release_rule = self._state.release_rules.get(lesson_id)
        return enrollment, found

    async def lock_for_course(self, course_id: UUID) -> None:
        """Nothing to do: a memory unit of work holds the whole state."""

    async def complete_finished(self, course_id: UUID, at: datetime) -> Sequence[tuple[UUID, UUID]]:
        completed = []
        for enrollment in self._state.enrollments.values():
            if enrollment.course_id == course_id and enrollment.completed_at is None:
                done, total = _counts(self._state, enrollment)
                if total > 0 and done >= total:
                    enrollment.completed_at = at
                    completed.append((enrollment.id, enrollment.student_id))
        return completed

    async def is_enrolled(self, *, student_id: UUID, course_id: UUID) -> bool:
        return any(
            e.student_id == student_id and e.course_id == course_id for e in self._state.enrollments.values()
        )

    async def prerequisites_met(self, *, student_id: UUID, course_id: UUID) -> bool:
        done = {
            e.course_id
            for e in self._state.enrollments.values()
            if e.student_id == student_id and e.completed_at is not None
        }
        return all(p in done for p in self._state.course_prerequisites.get(course_id, ()))

    async def add(self, enrollment: Enrollment) -> None:
        if enrollment.course_id not in self._state.courses:
            raise ReferenceGone("no such course")  # a foreign key in SQL
        if await self.is_enrolled(student_id=enrollment.student_id, course_id=enrollment.course_id):
            raise AlreadyEnrolled(enrollment.course_id)
        self._state.enrollments[enrollment.id] = copy.deepcopy(enrollment)

    async def add_if_open(self, enrollment: Enrollment) -> None:
        course = self._state.courses.get(enrollment.course_id)
        if course is None or not course.is_published:
            raise CourseNotOpen(str(enrollment.course_id))
        if await self.is_enrolled(student_id=enrollment.student_id, course_id=enrollment.course_id):
            raise AlreadyEnrolled(enrollment.course_id)
        if not await self.prerequisites_met(student_id=enrollment.student_id, course_id=enrollment.course_id):
            raise PrerequisitesNotMet(str(enrollment.course_id))
        await self.add(enrollment)

    async def mark_completed(self, enrollment_id: UUID, at: datetime) -> datetime:
        enrollment = self._state.enrollments[enrollment_id]
        if enrollment.completed_at is None:
            enrollment.completed_at = at
        return enrollment.completed_at

    async def list_for_student(
        self, student_id: UUID, *, page: PageRequest
    ) -> tuple[Sequence[EnrollmentSummary], int]:
        mine = sorted(
            (e for e in self._state.enrollments.values() if e.student_id == student_id),
            key=lambda e: (e.enrolled_at, e.id),
            reverse=True,
        )
        rows = []
        for e in mine[page.offset : page.offset + page.page_size]:
            done, total = _counts(self._state, e)
            rows.append(
                EnrollmentSummary(
                    enrollment=copy.deepcopy(e),
                    course=copy.deepcopy(self._state.courses[e.course_id]),
                    completed_lessons=done,
                    total_lessons=total,
                )
            )
        return rows, len(mine)


class MemoryCompletionRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def add(self, completion: LessonCompletion) -> None:
        key = (completion.enrollment_id, completion.lesson_id)
        if key in self._state.lesson_completions:
            raise AlreadyCompleted(completion.lesson_id)
        if (
            completion.enrollment_id not in self._state.enrollments
            or completion.lesson_id not in self._state.lessons
        ):
            raise ReferenceGone("no such enrollment or lesson")  # foreign keys in SQL
        self._state.lesson_completions[key] = copy.deepcopy(completion)

    async def complete(self, completion: LessonCompletion) -> CompletionOutcome:
        try:
            await self.add(completion)
            stored, added = completion, True
        except AlreadyCompleted:
            stored, added = (
                self._state.lesson_completions[(completion.enrollment_id, completion.lesson_id)],
                False,
            )
        enrollment = self._state.enrollments[completion.enrollment_id]
        done, total = _counts(self._state, enrollment)
        finished = None
        if added and total > 0 and done >= total and enrollment.completed_at is None:
            enrollment.completed_at = finished = completion.completed_at
        return CompletionOutcome(
            completion=copy.deepcopy(stored),
            added=added,
            completed=done,
            total=total,
            course_completed_at=finished,
        )

    async def get(self, enrollment_id: UUID, lesson_id: UUID) -> LessonCompletion | None:
        found = self._state.lesson_completions.get((enrollment_id, lesson_id))
        return copy.deepcopy(found) if found else None

    async def completed_lesson_ids(self, enrollment_id: UUID) -> Sequence[UUID]:
        done = [
            self._state.lessons[c.lesson_id]
            for c in self._state.lesson_completions.values()
            if c.enrollment_id == enrollment_id and c.lesson_id in self._state.lessons
        ]
        return [v.id for v in sorted(done, key=lambda v: v.order)]

    async def counts(self, enrollment_id: UUID) -> tuple[int, int]:
        enrollment = self._state.enrollments.get(enrollment_id)
        return _counts(self._state, enrollment) if enrollment else (0, 0)


class MemoryLearnerProgress:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def of(
        self, *, student_id: UUID, course_id: UUID, quiz_ids: Collection[UUID] = ()
    ) -> LearnerProgress | None:
        enrollment = next(
            (
                e
                for e in self._state.enrollments.values()
                if e.student_id == student_id and e.course_id == course_id
            ),
            None,
        )
        if enrollment is None:
            return None
        completed = frozenset(
            c.lesson_id for c in self._state.lesson_completions.values() if c.enrollment_id == enrollment.id
        )
        best: dict[UUID, float] = {}
        for attempt in self._state.attempts.values():
            if attempt.student_id == student_id and attempt.quiz_id in quiz_ids and attempt.score is not None:
                best[attempt.quiz_id] = max(best.get(attempt.quiz_id, attempt.score), attempt.score)
        return LearnerProgress(completed_lesson_ids=completed, best_scores=best)

"""Enrollments and lesson completions, and the progress arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms_domain.catalog.entities import Course
from lms_domain.shared.actors import Actor
from lms_domain.shared.course_access import CourseAccess
from lms_domain.shared.progress import progress_percentage

__all__ = ["Enrollment", "EnrollmentSummary", "LessonCompletion", "progress_percentage"]


@dataclass(kw_only=True)
class Enrollment:
    id: UUID
    student_id: UUID
    course_id: UUID
    enrolled_at: datetime
    completed_at: datetime | None = None

    def is_visible_to(self, actor: Actor, course: CourseAccess) -> bool:
        """Its student, and the course's editors and teaching assistants (``course`` is the
        caller's access to the enrollment's course)."""
        return actor.user_id == self.student_id or course.reads_all


@dataclass(kw_only=True)
class LessonCompletion:
    id: UUID
    enrollment_id: UUID
    lesson_id: UUID
    completed_at: datetime


@dataclass(frozen=True, slots=True)
class EnrollmentSummary:
    """An enrollment with its course and lesson counts (one row of "my courses")."""

    enrollment: Enrollment
    course: Course
    completed_lessons: int
    total_lessons: int

    @property
    def progress_percentage(self) -> int:
        return progress_percentage(self.completed_lessons, self.total_lessons)

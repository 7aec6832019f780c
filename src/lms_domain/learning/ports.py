"""What learning needs from storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from lms_domain.catalog.ports import CourseRepository, LessonRepository
from lms_domain.learning.entities import Enrollment, EnrollmentSummary, LessonCompletion
from lms_domain.shared.pagination import PageRequest

__all__ = [
    "AlreadyCompleted",
    "AlreadyEnrolled",
    "CompletionRepository",
    "EnrollmentRepository",
    "LearningUnitOfWork",
    "ReferenceGone",
]


class AlreadyEnrolled(Exception):
    """Raised by ``EnrollmentRepository.add``: the student is enrolled already (a unique constraint)."""


class AlreadyCompleted(Exception):
    """Raised by ``CompletionRepository.add``: the lesson is completed already (a unique constraint)."""


class ReferenceGone(Exception):
    """Raised by ``add``: the course, lesson or enrollment it refers to no longer exists (a foreign
    key), e.g. deleted by a concurrent request after the use case read it."""


class EnrollmentRepository(Protocol):
    async def get(self, enrollment_id: UUID, *, for_update: bool = False) -> Enrollment | None:
        """``for_update`` locks the row until the unit of work ends: the enrollment is the root of
        its completions, so completing lessons of one enrollment at once runs one after another."""
        ...

    async def is_enrolled(self, *, student_id: UUID, course_id: UUID) -> bool: ...
    async def add(self, enrollment: Enrollment) -> None:
        """Insert; raises ``AlreadyEnrolled``."""
        ...

    async def mark_completed(self, enrollment_id: UUID, at: datetime) -> datetime:
        """Set ``completed_at`` unless already set; return the value it has afterwards."""
        ...

    async def list_for_student(
        self, student_id: UUID, *, page: PageRequest
    ) -> tuple[Sequence[EnrollmentSummary], int]:
        """Newest first, each with its course and lesson counts: a fixed number of statements."""
        ...


class CompletionRepository(Protocol):
    async def add(self, completion: LessonCompletion) -> None:
        """Insert; raises ``AlreadyCompleted``."""
        ...

    async def get(self, enrollment_id: UUID, lesson_id: UUID) -> LessonCompletion | None: ...
    async def completed_lesson_ids(self, enrollment_id: UUID) -> Sequence[UUID]:
        """The completed lessons of the enrollment, in course order."""
        ...

    async def counts(self, enrollment_id: UUID) -> tuple[int, int]:
        """(completed lessons, lessons of the course), counted by the store."""
        ...


class LearningUnitOfWork(Protocol):
    @property
    def courses(self) -> CourseRepository: ...
    @property
    def lessons(self) -> LessonRepository: ...
    @property
    def enrollments(self) -> EnrollmentRepository: ...
    @property
    def completions(self) -> CompletionRepository: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    async def commit(self) -> None: ...

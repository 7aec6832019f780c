"""What learning needs from storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms_domain.catalog.ports import CourseReader, LessonReader
from lms_domain.learning.entities import Enrollment, EnrollmentSummary, LessonCompletion
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.ports import ReadOnlyUnitOfWork, UnitOfWork
from lms_domain.shared.release import ProgressReader

__all__ = [
    "AlreadyCompleted",
    "AlreadyEnrolled",
    "CompletionReader",
    "CompletionRepository",
    "EnrollmentReader",
    "EnrollmentRepository",
    "LearningReader",
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


class EnrollmentReader(Protocol):
    async def get(self, enrollment_id: UUID) -> Enrollment | None: ...
    async def is_enrolled(self, *, student_id: UUID, course_id: UUID) -> bool: ...
    async def prerequisites_met(self, *, student_id: UUID, course_id: UUID) -> bool:
        """Whether the student has an enrollment with ``completed_at`` in every prerequisite of the
        course (deleted prerequisites are none): one statement."""
        ...

    async def list_for_student(
        self, student_id: UUID, *, page: PageRequest
    ) -> tuple[Sequence[EnrollmentSummary], int]:
        """Newest first, each with its course and lesson counts: a fixed number of statements."""
        ...


class EnrollmentRepository(EnrollmentReader, Protocol):
    async def get(self, enrollment_id: UUID, *, for_update: bool = False) -> Enrollment | None:
        """``for_update`` locks the row until the unit of work ends: the enrollment is the root of
        its completions, so completing lessons of one enrollment at once runs one after another."""
        ...

    async def add(self, enrollment: Enrollment) -> None:
        """Insert; raises ``AlreadyEnrolled``."""
        ...

    async def mark_completed(self, enrollment_id: UUID, at: datetime) -> datetime:
        """Set ``completed_at`` unless already set; return the value it has afterwards."""
        ...


class CompletionReader(Protocol):
    async def get(self, enrollment_id: UUID, lesson_id: UUID) -> LessonCompletion | None: ...
    async def completed_lesson_ids(self, enrollment_id: UUID) -> Sequence[UUID]:
        """The completed lessons of the enrollment, in course order."""
        ...

    async def counts(self, enrollment_id: UUID) -> tuple[int, int]:
        """(completed lessons, lessons of the course), counted by the store."""
        ...


class CompletionRepository(CompletionReader, Protocol):
    async def add(self, completion: LessonCompletion) -> None:
        """Insert; raises ``AlreadyCompleted``."""
        ...


class LearningReader(ReadOnlyUnitOfWork, Protocol):
    @property
    def courses(self) -> CourseReader: ...
    @property
    def lessons(self) -> LessonReader: ...
    @property
    def enrollments(self) -> EnrollmentReader: ...
    @property
    def completions(self) -> CompletionReader: ...
    @property
    def learner_progress(self) -> ProgressReader: ...


class LearningUnitOfWork(LearningReader, UnitOfWork, Protocol):
    """Learning writes enrollments and completions; courses and lessons it only reads."""

    @property
    def enrollments(self) -> EnrollmentRepository: ...
    @property
    def completions(self) -> CompletionRepository: ...

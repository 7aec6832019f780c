"""What learning needs from storage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms_domain.catalog.entities import Lesson
from lms_domain.catalog.ports import CourseReader, LessonReader
from lms_domain.learning.entities import Enrollment, EnrollmentSummary, LessonCompletion
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.ports import ReadOnlyUnitOfWork, UnitOfWork
from lms_domain.shared.release import ProgressReader

__all__ = [
    "AlreadyCompleted",
    "AlreadyEnrolled",
    "CompletionOutcome",
    "CompletionReader",
    "CompletionRepository",
    "CourseNotOpen",
    "EnrollmentReader",
    "EnrollmentRepository",
    "LearningReader",
    "LearningUnitOfWork",
    "PrerequisitesNotMet",
    "ReferenceGone",
]


class AlreadyEnrolled(Exception):
    """Raised by ``EnrollmentRepository.add``: the student is enrolled already (a unique constraint)."""


class AlreadyCompleted(Exception):
    """Raised by ``CompletionRepository.add``: the lesson is completed already (a unique constraint)."""


class CourseNotOpen(Exception):
    """Raised by ``EnrollmentRepository.add_if_open``: there is no published course of that id."""


class PrerequisitesNotMet(Exception):
    """Raised by ``EnrollmentRepository.add_if_open``: a prerequisite of the course is not completed."""


class ReferenceGone(Exception):
    """Raised by ``add``: the course, lesson or enrollment it refers to no longer exists (a foreign
    key), e.g. deleted by a concurrent request after the use case read it."""


@dataclass(frozen=True, slots=True)
class CompletionOutcome:
    """What ``CompletionRepository.complete`` did: the lesson's completion (``added``: made by this
    call; else the earlier one), the enrollment's progress afterwards, and ``course_completed_at``
    when this call completed the enrollment."""

    completion: LessonCompletion
    added: bool
    completed: int
    total: int
    course_completed_at: datetime | None = None


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

    async def get_with_lesson(
        self, enrollment_id: UUID, lesson_id: UUID
    ) -> tuple[Enrollment | None, Lesson | None]:
        """The enrollment locked as ``get(..., for_update=True)`` does, and the lesson (None when
        there is none, and with no enrollment): one statement."""
        ...

    async def add(self, enrollment: Enrollment) -> None:
        """Insert; raises ``AlreadyEnrolled``."""
        ...

    async def add_if_open(self, enrollment: Enrollment) -> None:
        """Insert when the course is published and the student has a completed enrollment in each
        of its prerequisites (one statement). Else, in this order, raises ``CourseNotOpen``,
        ``AlreadyEnrolled`` (met or not), ``ReferenceGone`` (the student is gone), or
        ``PrerequisitesNotMet`` (not met when the insert ran, even if met by the time the second
        statement asks which it was)."""
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

    async def complete(self, completion: LessonCompletion) -> CompletionOutcome:
        """Insert the completion unless the lesson is completed already (then nothing changes),
        count the enrollment's progress, and when the insert completed every lesson of the course
        set the enrollment's ``completed_at`` (unless set) to the completion's time. The caller holds
        the enrollment's lock (``get_with_lesson``). Raises ``ReferenceGone`` when the lesson or the
        enrollment no longer exists. On PostgreSQL one statement."""
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

"""What assessment needs from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from lms_domain.assessment.entities import Attempt, CourseRef, Question, Quiz
from lms_domain.assessment.views import QuizAudience, QuizDetail, QuizSummary
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.ports import ReadOnlyUnitOfWork, UnitOfWork
from lms_domain.shared.release import ProgressReader, ReleaseRule

__all__ = [
    "AssessmentReader",
    "AssessmentUnitOfWork",
    "AttemptOpen",
    "AttemptReader",
    "AttemptRepository",
    "CourseDirectory",
    "CourseRef",
    "QuizReader",
    "QuizRepository",
]


class AttemptOpen(Exception):
    """Raised by ``AttemptRepository.add`` when the student already has an open attempt of the quiz."""


class QuizReader(Protocol):
    async def get(self, quiz_id: UUID) -> Quiz | None: ...
    async def get_with_questions(self, quiz_id: UUID) -> QuizDetail | None:
        """The quiz and its questions ordered by (``order``, ``id``)."""
        ...

    async def list(
        self,
        *,
        page: PageRequest,
        audience: QuizAudience,
        course_id: UUID | None = None,
        lesson_id: UUID | None = None,
        published_only: bool = False,
    ) -> tuple[Sequence[QuizSummary], int]:
        """Quizzes ``audience`` may see, oldest first (``created_at``, ``id``), with question counts."""
        ...

    async def get_question(self, quiz_id: UUID, question_id: UUID) -> Question | None: ...
    async def count_questions(self, quiz_id: UUID) -> int: ...
    async def max_question_order(self, quiz_id: UUID) -> int:
        """The highest ``order`` among the quiz's questions, 0 when it has none."""
        ...


class QuizRepository(QuizReader, Protocol):
    async def get(self, quiz_id: UUID, *, for_update: bool = False) -> Quiz | None:
        """``for_update`` locks the row until the unit of work ends. The quiz is the root of its
        questions: every write of the quiz or its questions takes this lock first, and reads what
        it changes after it."""
        ...

    async def add(self, quiz: Quiz) -> None: ...
    async def update(self, quiz: Quiz) -> None:
        """Write the whole row: only for a quiz read with ``for_update=True`` in this unit."""
        ...

    async def delete(self, quiz_id: UUID) -> None:
        """Remove the quiz with its questions and attempts."""
        ...

    async def add_question(self, question: Question) -> None: ...
    async def update_question(self, question: Question) -> None: ...
    async def delete_question(self, question_id: UUID) -> None: ...


class AttemptReader(Protocol):
    async def get(self, attempt_id: UUID) -> Attempt | None: ...
    async def get_open(self, student_id: UUID, quiz_id: UUID) -> Attempt | None: ...
    async def count_submitted(self, student_id: UUID, quiz_id: UUID) -> int:
        """Finished attempts (submitted or expired) of the student on the quiz."""
        ...


class AttemptRepository(AttemptReader, Protocol):
    async def add(self, attempt: Attempt) -> None:
        """Insert an open attempt; raises ``AttemptOpen`` if the student has one open for the quiz
        already (a partial unique index decides, never a prior read)."""
        ...

    async def finish(self, attempt: Attempt) -> bool:
        """Store the closing of an attempt (status, ``ended_at``, answers, score, passed) only if it
        is still open; False when it was closed already (a conditional update: two concurrent
        submissions grade once)."""
        ...


class CourseDirectory(Protocol):
    """Read-only: what assessment needs from the catalog and enrollments."""

    async def course(self, course_id: UUID) -> CourseRef | None: ...
    async def lesson_course_id(self, lesson_id: UUID) -> UUID | None: ...
    async def is_enrolled(self, student_id: UUID, course_id: UUID) -> bool: ...
    async def release_rule(self, lesson_id: UUID) -> ReleaseRule | None:
        """The lesson's release rule (None without one, or for a lesson that does not exist)."""
        ...


class AssessmentReader(ReadOnlyUnitOfWork, Protocol):
    @property
    def quizzes(self) -> QuizReader: ...
    @property
    def attempts(self) -> AttemptReader: ...
    @property
    def course_directory(self) -> CourseDirectory: ...
    @property
    def learner_progress(self) -> ProgressReader: ...


class AssessmentUnitOfWork(AssessmentReader, UnitOfWork, Protocol):
    @property
    def quizzes(self) -> QuizRepository: ...
    @property
    def attempts(self) -> AttemptRepository: ...

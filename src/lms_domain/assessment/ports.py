"""What assessment needs from the outside world."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from lms_domain.assessment.entities import (
    Attempt,
    CourseRef,
    HistoryEntry,
    Pool,
    Question,
    QuestionBank,
    Quiz,
)
from lms_domain.assessment.views import AttemptStart, QuizAudience, QuizDetail, QuizSummary
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.ports import ReadOnlyUnitOfWork, UnitOfWork
from lms_domain.shared.release import ProgressReader, ReleaseRule

__all__ = [
    "AssessmentReader",
    "AssessmentUnitOfWork",
    "AttemptOpen",
    "AttemptReader",
    "AttemptRepository",
    "BankInUse",
    "BankLock",
    "BankSummary",
    "CourseDirectory",
    "CourseRef",
    "QuestionBankReader",
    "QuestionBankRepository",
    "QuizReader",
    "QuizRepository",
    "RulesStamp",
]


class AttemptOpen(Exception):
    """Raised by ``AttemptRepository.add`` when the student already has an open attempt of the quiz."""


class BankInUse(Exception):
    """Raised by ``QuestionBankRepository.delete`` when a quiz draws from the bank (the database's
    foreign key refuses, so a pool added meanwhile is seen too)."""


class BankLock(StrEnum):
    """Row locks on banks (PostgreSQL; SQLite's writers take turns anyway).

    ``WRITE``: every change of a bank or its questions (and a regrade of one). ``PUBLISH``: a quiz
    checking its pools against the banks (waits for writes; does not stop other publishers).
    ``DRAW``: an attempt drawing questions (waits only for writes: starts never queue on each
    other).
    """

    WRITE = "write"
    PUBLISH = "publish"
    DRAW = "draw"


@dataclass(frozen=True, slots=True)
class BankSummary:
    bank: QuestionBank
    question_count: int


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

    async def get_many(self, quiz_ids: Collection[UUID]) -> Mapping[UUID, Quiz]:
        """The quizzes among ``quiz_ids`` that exist, by id (one statement)."""
        ...

    async def get_question(self, quiz_id: UUID, question_id: UUID) -> Question | None: ...
    async def count_questions(self, quiz_id: UUID) -> int: ...
    async def max_question_order(self, quiz_id: UUID) -> int:
        """The highest ``order`` among the quiz's questions, 0 when it has none."""
        ...


class QuizRepository(QuizReader, Protocol):
    async def get(self, quiz_id: UUID, *, for_update: bool = False, exclusive: bool = False) -> Quiz | None:
        """``for_update`` locks the row until the unit of work ends. The quiz is the root of its
        questions: every write of the quiz or its questions takes this lock first, and reads what
        it changes after it. ``exclusive`` (a regrade) also keeps attempts from starting until the
        unit of work ends (``get_for_attempt`` waits for it)."""
        ...

    async def get_for_attempt(self, quiz_id: UUID) -> QuizDetail | None:
        """``get_with_questions`` for an attempt starting: waits for a regrade of the quiz in flight
        (never for ordinary edits or other starts), so no attempt starts with a key being replaced."""
        ...

    async def set_pools(self, quiz_id: UUID, pools: Sequence[Pool]) -> None:
        """Record which banks the quiz draws from (the quiz's ``question_pools`` is written by
        ``add`` and ``update``; this keeps the banks' side, which refuses a drawn bank's deletion)."""
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

    async def pending_review(self, quiz_id: UUID, *, page: PageRequest) -> tuple[Sequence[Attempt], int]:
        """The quiz's attempts awaiting a grader, oldest ``ended_at`` first (then id)."""
        ...

    async def history(self, attempt_id: UUID) -> Sequence[HistoryEntry]:
        """The attempt's history, newest first (``at``, then id)."""
        ...


class AttemptRepository(AttemptReader, Protocol):
    async def get_with_quiz(self, attempt_id: UUID) -> tuple[Attempt, Quiz, CourseRef] | None:
        """The attempt locked as ``get(..., for_update=True)`` locks it, with its quiz and course
        (None: no such attempt): one statement."""
        ...

    async def starting(self, quiz_id: UUID, student_id: UUID) -> AttemptStart | None:
        """What the student's attempt of the quiz starts from (None: no such quiz, or its course is
        gone), the quiz locked as ``QuizRepository.get_for_attempt`` locks it and its questions read
        once the lock is held: two statements."""
        ...

    async def add(self, attempt: Attempt) -> None:
        """Insert an open attempt; raises ``AttemptOpen`` if the student has one open for the quiz
        already (a partial unique index decides, never a prior read)."""
        ...

    async def get(self, attempt_id: UUID, *, for_update: bool = False) -> Attempt | None:
        """``for_update`` locks the attempt until the unit of work ends (submitting, hand grading
        and regrading one attempt take turns)."""
        ...

    async def finish(self, attempt: Attempt) -> bool:
        """Store the closing of an attempt (status, ``ended_at``, answers, score, passed, grading
        status) only if it is still open; False when it was closed already (a conditional update:
        two concurrent submissions grade once)."""
        ...

    async def save_grades(self, attempt: Attempt) -> None:
        """Store a finished attempt's answers, score, ``passed``, grading status and snapshot."""
        ...

    async def holding(self, question_id: UUID, *, after: UUID | None, limit: int) -> Sequence[Attempt]:
        """Up to ``limit`` attempts (any status) whose snapshot holds the question, with ids above
        ``after``, in id order, locked until the unit of work ends."""
        ...

    async def save_regrades(self, attempts: Sequence[Attempt]) -> None:
        """``save_grades`` for many attempts at once (one statement, not one per attempt)."""
        ...

    async def add_history(self, entries: Sequence[HistoryEntry]) -> None: ...


class QuestionBankReader(Protocol):
    async def get(self, bank_id: UUID) -> QuestionBank | None: ...
    async def list(self, *, course_id: UUID, page: PageRequest) -> tuple[Sequence[BankSummary], int]:
        """The course's banks, oldest first (``created_at``, id), with their question counts."""
        ...

    async def count_questions(self, bank_id: UUID) -> int: ...
    async def count_questions_of(self, bank_ids: Sequence[UUID]) -> Mapping[UUID, int]:
        """How many questions each of the banks has (0 for one without or unknown), one statement."""
        ...

    async def questions(self, bank_id: UUID, *, page: PageRequest) -> tuple[Sequence[Question], int]:
        """The bank's questions ordered by (``order``, id)."""
        ...

    async def get_question(self, bank_id: UUID, question_id: UUID) -> Question | None: ...
    async def max_question_order(self, bank_id: UUID) -> int:
        """The highest ``order`` among the bank's questions, 0 when it has none."""
        ...


class QuestionBankRepository(QuestionBankReader, Protocol):
    async def get(self, bank_id: UUID, *, for_update: bool = False) -> QuestionBank | None:
        """``for_update``: ``BankLock.WRITE`` on the bank until the unit of work ends."""
        ...

    async def lock(self, bank_ids: Sequence[UUID], mode: BankLock) -> Mapping[UUID, QuestionBank]:
        """The banks among ``bank_ids`` that exist, locked in ``mode`` (in id order)."""
        ...

    async def questions_of(self, bank_ids: Sequence[UUID]) -> Mapping[UUID, Sequence[Question]]:
        """Every question of each bank, ordered by (``order``, id)."""
        ...

    async def largest_published_draw(self, bank_id: UUID) -> int:
        """The most questions a published quiz draws from the bank in one pool (0: none does)."""
        ...

    async def add(self, bank: QuestionBank) -> None: ...
    async def update(self, bank: QuestionBank) -> None: ...
    async def delete(self, bank_id: UUID) -> None:
        """Remove the bank and its questions; raises ``BankInUse`` when a quiz draws from it."""
        ...

    async def add_question(self, question: Question) -> None: ...
    async def update_question(self, question: Question) -> None: ...
    async def delete_question(self, question_id: UUID) -> None: ...


class CourseDirectory(Protocol):
    """Read-only: what assessment needs from the catalog and enrollments."""

    async def course(self, course_id: UUID) -> CourseRef | None: ...
    async def lesson_course_id(self, lesson_id: UUID) -> UUID | None: ...
    async def is_enrolled(self, student_id: UUID, course_id: UUID) -> bool: ...
    async def release_rule(self, lesson_id: UUID) -> ReleaseRule | None:
        """The lesson's release rule (None without one, or for a lesson that does not exist)."""
        ...


class RulesStamp(Protocol):
    """The catalog's stamp (see ``lms_domain.catalog.ports.CatalogStamp``), renewed by a quiz's
    deletion: the deletion takes the quiz out of the release rules of the lessons that name it,
    which the catalog's copies (a course page's outline) hold."""

    async def renew(self) -> None: ...


class AssessmentReader(ReadOnlyUnitOfWork, Protocol):
    @property
    def quizzes(self) -> QuizReader: ...
    @property
    def attempts(self) -> AttemptReader: ...
    @property
    def course_directory(self) -> CourseDirectory: ...
    @property
    def learner_progress(self) -> ProgressReader: ...
    @property
    def banks(self) -> QuestionBankReader: ...


class AssessmentUnitOfWork(AssessmentReader, UnitOfWork, Protocol):
    @property
    def quizzes(self) -> QuizRepository: ...
    @property
    def attempts(self) -> AttemptRepository: ...
    @property
    def banks(self) -> QuestionBankRepository: ...

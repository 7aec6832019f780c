"""The course gradebook: one row per enrolled student, one cell per published quiz.

A read model, like analytics: the adapter aggregates attempts in the database (a fixed number of
statements whatever the class size or the number of quizzes) and the use cases put the rows
together. What counts:

- ``best_score``: the highest score of the student's *graded* attempts of the quiz (submitted and
  graded at once or by hand, or expired: graded with 0); attempts awaiting review and open ones
  never count; ``None`` without one.
- ``attempts``: the finished attempts (``submitted`` or ``expired``; never the open one), graded
  or awaiting review.
- ``passed``: whether any graded attempt passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms_domain.assessment.entities import CourseRef
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.ports import ReadOnlyUnitOfWork
from lms_domain.shared.progress import progress_percentage

__all__ = [
    "GradebookQuiz",
    "GradebookReader",
    "GradebookRow",
    "GradebookStudent",
    "GradebookUnit",
    "QuizGrade",
    "StudentGrade",
    "StudentPosition",
    "assemble",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class GradebookQuiz:
    """A column of the gradebook: a published quiz of the course."""

    quiz_id: UUID
    title: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StudentPosition:
    """Where a student sits in the gradebook's order (``full_name``, then ``student_id``): the
    key of a batch that starts after that student."""

    full_name: str
    student_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class GradebookStudent:
    """An enrolled student as the gradebook shows them (an erased account shows what is left of
    it: an empty name and the placeholder address)."""

    student_id: UUID
    full_name: str
    email: str
    completed_lessons: int
    total_lessons: int
    completed_at: datetime | None

    @property
    def position(self) -> StudentPosition:
        return StudentPosition(full_name=self.full_name, student_id=self.student_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class StudentGrade:
    """The aggregate of one student's finished attempts of one quiz, as the database counts it."""

    student_id: UUID
    quiz_id: UUID
    best_score: float | None
    attempts: int
    passed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class QuizGrade:
    quiz_id: UUID
    best_score: float | None
    attempts: int
    passed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class GradebookRow:
    student_id: UUID
    full_name: str
    email: str
    progress_percentage: int
    completed_at: datetime | None
    quizzes: tuple[QuizGrade, ...]


def assemble(
    students: Sequence[GradebookStudent], quizzes: Sequence[GradebookQuiz], grades: Sequence[StudentGrade]
) -> list[GradebookRow]:
    """One row per student, with one cell per quiz in the columns' order (an empty cell where the
    student has no finished attempt; aggregates of quizzes that are not columns are left out)."""
    found: Mapping[tuple[UUID, UUID], StudentGrade] = {(g.student_id, g.quiz_id): g for g in grades}
    rows = []
    for student in students:
        cells = []
        for quiz in quizzes:
            grade = found.get((student.student_id, quiz.quiz_id))
            cells.append(
                QuizGrade(quiz_id=quiz.quiz_id, best_score=None, attempts=0, passed=False)
                if grade is None
                else QuizGrade(
                    quiz_id=quiz.quiz_id,
                    best_score=grade.best_score,
                    attempts=grade.attempts,
                    passed=grade.passed,
                )
            )
        rows.append(
            GradebookRow(
                student_id=student.student_id,
                full_name=student.full_name,
                email=student.email,
                progress_percentage=progress_percentage(student.completed_lessons, student.total_lessons),
                completed_at=student.completed_at,
                quizzes=tuple(cells),
            )
        )
    return rows


class GradebookReader(Protocol):
    """Each method is a fixed number of statements, whatever the number of students and quizzes.
    Students come ordered by ``full_name`` then ``student_id``."""

    async def course(self, course_id: UUID) -> CourseRef | None:
        """The course with its owner and staff, or None when there is no such course."""
        ...

    async def quizzes(self, course_id: UUID) -> Sequence[GradebookQuiz]:
        """The course's published quizzes, oldest first (``created_at``, then id)."""
        ...

    async def students(self, course_id: UUID, *, page: PageRequest) -> tuple[Sequence[GradebookStudent], int]:
        """A page of the course's enrolled students, and how many there are in all."""
        ...

    async def students_after(
        self, course_id: UUID, *, after: StudentPosition | None, limit: int
    ) -> Sequence[GradebookStudent]:
        """Up to ``limit`` enrolled students following ``after`` (from the first when None)."""
        ...

    async def grades(self, course_id: UUID, student_ids: Sequence[UUID]) -> Sequence[StudentGrade]:
        """Per student and published quiz of the course, the aggregate of the student's finished
        attempts (none for a pair without one)."""
        ...


class GradebookUnit(ReadOnlyUnitOfWork, Protocol):
    @property
    def gradebook(self) -> GradebookReader: ...

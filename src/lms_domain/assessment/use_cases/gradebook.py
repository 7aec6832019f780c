"""The course gradebook: a page of students as JSON, or every student in batches for a CSV file.

Course editors and teaching assistants read it; anyone else who may see the course gets 403,
and one who may not even know it exists (a draft course of others, no such course) 404.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from uuid import UUID

from lms_domain.assessment.gradebook import (
    GradebookQuiz,
    GradebookRow,
    GradebookStudent,
    GradebookUnit,
    StudentPosition,
    assemble,
)
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import Forbidden, NotFound
from lms_domain.shared.pagination import Page, PageRequest

__all__ = ["EXPORT_BATCH", "ExportGradebook", "GetGradebook", "Gradebook", "GradebookExport"]

EXPORT_BATCH = 500
"""Students read per batch of an export (two statements each)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Gradebook:
    """A page of the gradebook, with its columns (the published quizzes, oldest first)."""

    quizzes: Sequence[GradebookQuiz]
    rows: Page[GradebookRow]


@dataclass(frozen=True, slots=True, kw_only=True)
class GradebookExport:
    """Every student of the course: ``batches()`` reads them batch by batch, each batch in a
    short read of its own, so a slow reader never holds a database connection for long."""

    course_id: UUID
    quizzes: Sequence[GradebookQuiz]
    unit: GradebookUnit
    batch_size: int

    async def batches(self) -> AsyncIterator[Sequence[GradebookRow]]:
        after: StudentPosition | None = None
        while True:
            async with self.unit as uow:
                students = await uow.gradebook.students_after(
                    self.course_id, after=after, limit=self.batch_size
                )
                if not students:
                    return
                rows = await _rows(uow, self.course_id, self.quizzes, students)
            yield rows
            if len(students) < self.batch_size:
                return
            after = students[-1].position


async def _readable(uow: GradebookUnit, actor: Actor, course_id: UUID) -> None:
    course = await uow.gradebook.course(course_id)
    if course is None:
        raise NotFound("Course not found")
    if not course.access(actor).reads_all:
        if course.is_published:
            raise Forbidden("Only the course's instructors, its staff or an admin can read its gradebook")
        raise NotFound("Course not found")


async def _rows(
    uow: GradebookUnit,
    course_id: UUID,
    quizzes: Sequence[GradebookQuiz],
    students: Sequence[GradebookStudent],
) -> list[GradebookRow]:
    if not students:
        return []
    grades = await uow.gradebook.grades(course_id, [s.student_id for s in students]) if quizzes else ()
    return assemble(students, quizzes, grades)


class GetGradebook:
    """A page of the course's enrolled students (by name, then id), with their progress and, per
    published quiz, their best graded score, finished attempts and whether they passed."""

    def __init__(self, uow: GradebookUnit) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, course_id: UUID, page: PageRequest) -> Gradebook:
        async with self._uow as uow:
            await _readable(uow, actor, course_id)
            quizzes = await uow.gradebook.quizzes(course_id)
            students, total = await uow.gradebook.students(course_id, page=page)
            rows = await _rows(uow, course_id, quizzes, students)
        return Gradebook(quizzes=quizzes, rows=Page.of(rows, total, page))


class ExportGradebook:
    """Every enrolled student of the course, for a file: the access check and the columns are read
    at once (so a refusal comes before any row), the rows when ``batches()`` is iterated."""

    def __init__(self, uow: GradebookUnit) -> None:
        self._uow = uow

    async def __call__(
        self, *, actor: Actor, course_id: UUID, batch_size: int = EXPORT_BATCH
    ) -> GradebookExport:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        async with self._uow as uow:
            await _readable(uow, actor, course_id)
            quizzes = await uow.gradebook.quizzes(course_id)
        return GradebookExport(course_id=course_id, quizzes=quizzes, unit=self._uow, batch_size=batch_size)

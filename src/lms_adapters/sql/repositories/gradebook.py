"""The gradebook in SQL: students and per-quiz aggregates counted by the database.

Statements, whatever the class size and the number of quizzes: the course (with its staff), the
published quizzes, a page of students with the total riding along (a count of its own only for a
page past the end), and the page's grades grouped by student and quiz. An export batch is a keyset
page of students (``(full_name, student_id) > (:name, :id)``) and its grades.

Indexes: enrollments by ``course_id`` (``ix_enrollments_course_covering``), users by primary key,
completions by ``(enrollment_id, lesson_id)``, lessons by ``(course_id, position)``, quizzes by
``(course_id, created_at)`` and attempts by ``(student_id, quiz_id)``. Sorting a course's
students by name needs the course's enrollments joined to their users (no index can hold a
column of each table), which is what a per-course list costs.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, case, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.paging import page_of, paged
from lms_adapters.sql.prebuilt import built_once
from lms_adapters.sql.repositories.assessment import SqlCourseDirectory
from lms_adapters.sql.tables import enrollments, lesson_completions, lessons, quiz_attempts, quizzes, users
from lms_domain.assessment.entities import CourseRef
from lms_domain.assessment.gradebook import GradebookQuiz, GradebookStudent, StudentGrade, StudentPosition
from lms_domain.shared.pagination import PageRequest

__all__ = ["SqlGradebookReader"]

_GRADED = "graded"
_OPEN = "open"


def _published_quizzes(course_id: Any) -> Any:
    return (
        select(quizzes.c.id, quizzes.c.title)
        .where(quizzes.c.course_id == course_id, quizzes.c.is_published)
        .order_by(quizzes.c.created_at, quizzes.c.id)
    )


def _students(course_id: Any) -> Any:
    """The course's enrolled students with their progress counts, in the gradebook's order."""
    done = (
        select(func.count())
        .select_from(lesson_completions)
        .where(lesson_completions.c.enrollment_id == enrollments.c.id)
        .scalar_subquery()
    )
    total = (
        select(func.count()).select_from(lessons).where(lessons.c.course_id == course_id).scalar_subquery()
    )
    return (
        select(
            enrollments.c.student_id,
            users.c.full_name,
            users.c.email,
            enrollments.c.completed_at,
            done.label("completed_lessons"),
            total.label("total_lessons"),
        )
        .join_from(enrollments, users, users.c.id == enrollments.c.student_id)
        .where(enrollments.c.course_id == course_id)
        .order_by(users.c.full_name, enrollments.c.student_id)
    )


def _page(course_id: Any) -> tuple[Any, Any]:
    count = select(func.count()).select_from(enrollments).where(enrollments.c.course_id == course_id)
    return paged(_students(course_id), count), count


def _first(course_id: Any, limit: Any) -> Any:
    return _students(course_id).limit(limit)


def _after(course_id: Any, after_name: Any, after_id: Any, limit: Any) -> Any:
    later = tuple_(users.c.full_name, enrollments.c.student_id) > tuple_(after_name, after_id)
    return _students(course_id).where(later).limit(limit)


def _grades(course_id: Any, student_ids: Any) -> Any:
    """Per student of ``student_ids`` and published quiz of the course, the finished attempts."""
    graded = quiz_attempts.c.grading_status == _GRADED
    return (
        select(
            quiz_attempts.c.student_id,
            quiz_attempts.c.quiz_id,
            func.max(case((graded, quiz_attempts.c.score))).label("best_score"),
            func.count().label("attempts"),
            func.max(case((and_(graded, quiz_attempts.c.passed.is_(True)), 1), else_=0)).label("passed"),
        )
        .join_from(quiz_attempts, quizzes, quizzes.c.id == quiz_attempts.c.quiz_id)
        .where(
            quiz_attempts.c.student_id.in_(student_ids),
            quiz_attempts.c.status != _OPEN,
            quizzes.c.course_id == course_id,
            quizzes.c.is_published,
        )
        .group_by(quiz_attempts.c.student_id, quiz_attempts.c.quiz_id)
    )


_QUIZZES = built_once(_published_quizzes)
_PAGE = built_once(_page)
_FIRST = built_once(_first)


@functools.cache
def _AFTER() -> Any:  # named like the statements built once
    """Typed by hand: a row value's parameters do not take their columns' types."""
    return _after(
        bindparam("course_id"),
        bindparam("after_name", type_=users.c.full_name.type),
        bindparam("after_id", type_=enrollments.c.student_id.type),
        bindparam("limit"),
    )


@functools.cache
def _GRADES() -> Any:
    """The page's ids as one expanding parameter."""
    ids = bindparam("student_ids", expanding=True, type_=quiz_attempts.c.student_id.type)
    return _grades(bindparam("course_id"), ids)


def _student(row: Any) -> GradebookStudent:
    return GradebookStudent(
        student_id=row.student_id,
        full_name=row.full_name,
        email=row.email,
        completed_lessons=int(row.completed_lessons),
        total_lessons=int(row.total_lessons),
        completed_at=row.completed_at,
    )


class SqlGradebookReader:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def course(self, course_id: UUID) -> CourseRef | None:
        return await SqlCourseDirectory(self._connection).course(course_id)

    async def quizzes(self, course_id: UUID) -> Sequence[GradebookQuiz]:
        rows = await self._connection.execute(_QUIZZES(), {"course_id": course_id})
        return [GradebookQuiz(quiz_id=r.id, title=r.title) for r in rows]

    async def students(self, course_id: UUID, *, page: PageRequest) -> tuple[Sequence[GradebookStudent], int]:
        statement, count = _PAGE()
        rows, total = await page_of(self._connection, statement, count, {"course_id": course_id}, page)
        return [_student(r) for r in rows], total

    async def students_after(
        self, course_id: UUID, *, after: StudentPosition | None, limit: int
    ) -> Sequence[GradebookStudent]:
        if after is None:
            rows = await self._connection.execute(_FIRST(), {"course_id": course_id, "limit": limit})
        else:
            rows = await self._connection.execute(
                _AFTER(),
                {
                    "course_id": course_id,
                    "after_name": after.full_name,
                    "after_id": after.student_id,
                    "limit": limit,
                },
            )
        return [_student(r) for r in rows]

    async def grades(self, course_id: UUID, student_ids: Sequence[UUID]) -> Sequence[StudentGrade]:
        if not student_ids:
            return []
        rows = await self._connection.execute(
            _GRADES(), {"course_id": course_id, "student_ids": list(student_ids)}
        )
        return [
            StudentGrade(
                student_id=r.student_id,
                quiz_id=r.quiz_id,
                best_score=None if r.best_score is None else float(r.best_score),
                attempts=int(r.attempts),
                passed=bool(r.passed),
            )
            for r in rows
        ]

"""Analytics in SQL: each report reads one snapshot, with the statements of ``statements``."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from lms_adapters.sql.analytics.statements import (
    COURSE,
    INSTRUCTOR_COURSES,
    INSTRUCTOR_TOTALS,
    STUDENT,
    SYSTEM_COUNTS,
    USERS_BY_ROLE,
)
from lms_adapters.sql.tables import course_staff, users
from lms_domain.analytics.views import (
    CourseAnalytics,
    InstructorAnalytics,
    InstructorCourseRow,
    LessonRow,
    QuizRow,
    StudentAnalytics,
    SystemAnalytics,
)
from lms_domain.shared.course_access import StaffRole
from lms_domain.shared.errors import Unavailable

__all__ = ["SqlAnalyticsQueries"]


def _counts(row: Any) -> dict[str, int]:
    """A row of counts labelled as the view's ``build`` names them (sums may come back as
    ``Decimal`` on PostgreSQL, so every value is made an ``int``)."""
    return {name: int(value) for name, value in row._mapping.items()}


class SqlAnalyticsQueries:
    """Every report reads one snapshot.

    A report of one statement is one snapshot by itself and runs alone (autocommit on PostgreSQL:
    no ``BEGIN``, no ``ROLLBACK``). A report of several statements first opens a read-only
    REPEATABLE READ transaction on PostgreSQL (``_snapshot``), so all of its figures come from the
    same moment. SQLite's transaction, opened on entry, is one snapshot already.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._postgres = engine.dialect.name == "postgresql"
        self._in_snapshot = False

    @property
    def connection(self) -> AsyncConnection:
        """The open report's connection."""
        if self._connection is None:
            raise RuntimeError("the analytics read is not open")
        return self._connection

    async def __aenter__(self) -> Self:
        try:
            connection = await self._engine.connect().start()
        except (OperationalError, OSError) as e:
            raise Unavailable("The database is not available") from e
        try:
            if self._postgres:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            else:
                await connection.begin()
        except (OperationalError, OSError) as e:
            await connection.close()
            raise Unavailable("The database is not available") from e
        self._connection, self._in_snapshot = connection, False
        return self

    async def _snapshot(self) -> None:
        """Make the following statements read one snapshot (PostgreSQL; SQLite already does)."""
        if self._postgres and not self._in_snapshot:
            await self.connection.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            self._in_snapshot = True

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if self._in_snapshot:
                await connection.exec_driver_sql("ROLLBACK")
            elif connection.in_transaction():
                await connection.rollback()
        except (OperationalError, DBAPIError):
            await connection.invalidate()  # the transaction's state is unknown: never reuse it
            raise
        finally:
            self._in_snapshot = False
            await connection.close()
        if isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
            raise Unavailable("The database is not available") from exc

    async def staff_role(self, course_id: UUID, user_id: UUID) -> StaffRole | None:
        role = await self.connection.scalar(
            select(course_staff.c.role).where(
                course_staff.c.course_id == course_id, course_staff.c.user_id == user_id
            )
        )
        return StaffRole(role) if role is not None else None

    async def user_exists(self, user_id: UUID) -> bool:
        return (
            await self.connection.scalar(
                select(users.c.id).where(users.c.id == user_id, users.c.erased_at.is_(None))
            )
        ) is not None

    async def student(self, user_id: UUID) -> StudentAnalytics:
        """One statement: enrollments, completed lessons with their minutes, and closed attempts,
        each an aggregate subquery of one row, joined side by side."""
        row = (await self.connection.execute(STUDENT(), {"user_id": user_id})).one()
        return StudentAnalytics.build(**_counts(row))

    async def instructor(self, instructor_id: UUID) -> InstructorAnalytics:
        """Two statements in one snapshot: the totals (scalar subqueries over the course and quiz
        counters, and the distinct students counted), and one row per own course."""
        await self._snapshot()
        totals = (await self.connection.execute(INSTRUCTOR_TOTALS(), {"instructor_id": instructor_id})).one()
        rows = await self._course_rows(instructor_id)
        return InstructorAnalytics.build(instructor_id=instructor_id, courses=rows, **_counts(totals))

    async def _course_rows(self, instructor_id: UUID) -> list[InstructorCourseRow]:
        """One statement: the own courses left-joined to their counters summed per course."""
        result = await self.connection.execute(INSTRUCTOR_COURSES(), {"instructor_id": instructor_id})
        return [InstructorCourseRow.build(**r._mapping) for r in result]

    async def course(self, course_id: UUID) -> CourseAnalytics | None:
        """One statement, so one snapshot: the course's counters, its lessons and its quizzes (each
        with its counters summed) as the three parts of a UNION ALL, told apart by a ``part``
        column and put in order by a ``place`` numbered within each part."""
        rows = (await self.connection.execute(COURSE(), {"course_id": course_id})).all()
        if not rows or rows[0].part != 0:  # the course is gone
            return None
        counts = rows[0]
        return CourseAnalytics.build(
            course_id=counts.id,
            instructor_id=counts.owner,
            enrollments=counts.a,
            completions=counts.b,
            lesson_count=counts.c,
            completed_lessons=counts.d,
            lessons=[LessonRow(lesson_id=r.id, title=r.title, completions=r.a) for r in rows if r.part == 1],
            quizzes=[
                QuizRow.build(
                    quiz_id=r.id, title=r.title, attempts=r.a, score_hundredths=int(r.b), passed=int(r.c)
                )
                for r in rows
                if r.part == 2
            ],
        )

    async def system(self, *, active_since: datetime) -> SystemAnalytics:
        """Two statements: the system counters (and the active users counted) as scalar
        subqueries, and the users-by-role counters."""
        await self._snapshot()
        counts = (await self.connection.execute(SYSTEM_COUNTS(), {"active_since": active_since})).one()
        by_role = await self.connection.execute(USERS_BY_ROLE())
        return SystemAnalytics.build(
            users_by_role={str(role): int(n) for role, n in by_role.all()}, **_counts(counts)
        )


if TYPE_CHECKING:  # mypy checks that the adapter satisfies the port
    from lms_domain.analytics.ports import AnalyticsQueries

    def _satisfies(engine: AsyncEngine) -> AnalyticsQueries:
        return SqlAnalyticsQueries(engine)

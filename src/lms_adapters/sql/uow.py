"""The unit of work: one connection, one transaction, every repository."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from lms_adapters.sql.repositories.assessment import (
    SqlAttemptRepository,
    SqlCourseDirectory,
    SqlQuizRepository,
)
from lms_adapters.sql.repositories.catalog import SqlCourseRepository, SqlLessonRepository
from lms_adapters.sql.repositories.credentials import SqlCertificateRepository, SqlCertificateSources
from lms_adapters.sql.repositories.files import SqlStoredFileRepository
from lms_adapters.sql.repositories.identity import SqlUserRepository
from lms_adapters.sql.repositories.learning import SqlCompletionRepository, SqlEnrollmentRepository
from lms_domain.shared.errors import Unavailable

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork:
    """Leaving without ``commit()`` rolls back. Repositories are created per entry.

    The repositories speak SQLAlchemy Core on the unit's ``AsyncConnection``: no ORM session sits
    between them and the driver (the tables are Core tables; a session would only add bookkeeping).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None

    @property
    def connection(self) -> AsyncConnection:
        """The open unit's connection."""
        if self._connection is None:
            raise RuntimeError("the unit of work is not open")
        return self._connection

    @property
    def users(self) -> SqlUserRepository:
        return SqlUserRepository(self.connection)

    # files
    @property
    def files(self) -> SqlStoredFileRepository:
        return SqlStoredFileRepository(self.connection)

    # catalog and learning
    @property
    def courses(self) -> SqlCourseRepository:
        return SqlCourseRepository(self.connection)

    @property
    def lessons(self) -> SqlLessonRepository:
        return SqlLessonRepository(self.connection)

    @property
    def enrollments(self) -> SqlEnrollmentRepository:
        return SqlEnrollmentRepository(self.connection)

    @property
    def completions(self) -> SqlCompletionRepository:
        return SqlCompletionRepository(self.connection)

    # credentials
    @property
    def certificates(self) -> SqlCertificateRepository:
        return SqlCertificateRepository(self.connection)

    @property
    def certificate_sources(self) -> SqlCertificateSources:
        return SqlCertificateSources(self.connection)

    # assessment
    @property
    def quizzes(self) -> SqlQuizRepository:
        return SqlQuizRepository(self.connection)

    @property
    def attempts(self) -> SqlAttemptRepository:
        return SqlAttemptRepository(self.connection)

    @property
    def course_directory(self) -> SqlCourseDirectory:
        return SqlCourseDirectory(self.connection)

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("the unit of work is already open")
        try:
            connection = await self._engine.connect().start()
        except (OperationalError, OSError) as e:
            raise Unavailable("The database is not available") from e
        try:
            await connection.begin()
        except (OperationalError, OSError) as e:
            await connection.close()
            raise Unavailable("The database is not available") from e
        self._connection = connection
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if connection.in_transaction():
                await connection.rollback()
        finally:
            await connection.close()
        if isinstance(exc, DBAPIError) and _sqlstate(exc) in _COLLISIONS:
            # PostgreSQL chose this transaction to end a deadlock (or a serialization failure): it
            # was rolled back whole, so the answer is a 503 that means "nothing was done"
            raise Unavailable(
                "The change collided with a concurrent change and was not made; try again"
            ) from exc
        if isinstance(exc, OperationalError | DBAPIError) and _is_connection_error(exc):
            raise Unavailable("The database is not available") from exc

    async def commit(self) -> None:
        await self.connection.commit()


_COLLISIONS = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def _is_connection_error(exc: BaseException) -> bool:
    return bool(getattr(exc, "connection_invalidated", False)) or isinstance(exc, OperationalError)


if TYPE_CHECKING:  # mypy checks that the unit of work satisfies the assessment ports
    from lms_domain.assessment.ports import AssessmentUnitOfWork

    def _satisfies_assessment(engine: AsyncEngine) -> AssessmentUnitOfWork:
        return SqlUnitOfWork(engine)

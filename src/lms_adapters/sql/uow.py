"""The unit of work: one session, one transaction, every repository."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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
    """Leaving without ``commit()`` rolls back. Repositories are created per entry."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    @property
    def users(self) -> SqlUserRepository:
        return SqlUserRepository(self.session)

    # files
    @property
    def files(self) -> SqlStoredFileRepository:
        return SqlStoredFileRepository(self.session)

    # catalog and learning
    @property
    def courses(self) -> SqlCourseRepository:
        return SqlCourseRepository(self.session)

    @property
    def lessons(self) -> SqlLessonRepository:
        return SqlLessonRepository(self.session)

    @property
    def enrollments(self) -> SqlEnrollmentRepository:
        return SqlEnrollmentRepository(self.session)

    @property
    def completions(self) -> SqlCompletionRepository:
        return SqlCompletionRepository(self.session)

    # credentials
    @property
    def certificates(self) -> SqlCertificateRepository:
        return SqlCertificateRepository(self.session)

    @property
    def certificate_sources(self) -> SqlCertificateSources:
        return SqlCertificateSources(self.session)

    # assessment
    @property
    def quizzes(self) -> SqlQuizRepository:
        return SqlQuizRepository(self.session)

    @property
    def attempts(self) -> SqlAttemptRepository:
        return SqlAttemptRepository(self.session)

    @property
    def course_directory(self) -> SqlCourseDirectory:
        return SqlCourseDirectory(self.session)

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("the unit of work is already open")
        self._session = self._sessionmaker()
        try:
            await self._session.begin()
        except (OperationalError, OSError) as e:
            await self._session.close()
            self._session = None
            raise Unavailable("The database is not available") from e
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            await session.rollback()
        finally:
            await session.close()
        if isinstance(exc, OperationalError | DBAPIError) and _is_connection_error(exc):
            raise Unavailable("The database is not available") from exc

    async def commit(self) -> None:
        await self.session.commit()


def _is_connection_error(exc: BaseException) -> bool:
    return bool(getattr(exc, "connection_invalidated", False)) or isinstance(exc, OperationalError)


if TYPE_CHECKING:  # mypy checks that the unit of work satisfies the assessment ports
    from lms_domain.assessment.ports import AssessmentUnitOfWork

    def _satisfies_assessment(sessionmaker: async_sessionmaker[AsyncSession]) -> AssessmentUnitOfWork:
        return SqlUnitOfWork(sessionmaker)

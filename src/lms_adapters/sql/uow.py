"""Units of work: one connection, one transaction, every repository; and the readers' kind."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Self
from uuid import UUID

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from lms_adapters.sql.engine import make_read_engine
from lms_adapters.sql.repositories.assessment import SqlCourseDirectory, SqlQuizRepository
from lms_adapters.sql.repositories.attempts import SqlAttemptRepository
from lms_adapters.sql.repositories.audit import SqlAuditLog, SqlAuditReader
from lms_adapters.sql.repositories.banks import SqlQuestionBankRepository
from lms_adapters.sql.repositories.catalog import (
    SqlCourseRepository,
    SqlCourseStaffRepository,
    SqlLessonRepository,
    SqlQuizPlacements,
)
from lms_adapters.sql.repositories.credentials import SqlCertificateRepository, SqlCertificateSources
from lms_adapters.sql.repositories.erasure import SqlBlobDeletions, SqlErasureStore
from lms_adapters.sql.repositories.files import SqlStoredFileRepository
from lms_adapters.sql.repositories.gradebook import SqlGradebookReader
from lms_adapters.sql.repositories.identity import SqlUserRepository
from lms_adapters.sql.repositories.integrations import (
    Outbox,
    SqlDeliveryRepository,
    SqlEventLog,
    SqlWebhookRepository,
)
from lms_adapters.sql.repositories.learning import (
    SqlCompletionRepository,
    SqlEnrollmentRepository,
    SqlLearnerProgress,
)
from lms_adapters.sql.repositories.mail import SqlEmailTokenRepository, SqlMailOutbox
from lms_adapters.sql.repositories.personal_data import SqlPersonalData
from lms_domain.shared.errors import Unavailable

__all__ = ["Committed", "SqlReadUnitOfWork", "SqlUnitOfWork"]

_log = logging.getLogger("lms.events")

# called after a commit with the ids of the deliveries it made, to queue their tries
Committed = Callable[[Sequence[UUID]], Awaitable[None]]


class SqlReadUnitOfWork:
    """A unit of work without ``commit()``, for use cases that only read.

    Built on the read engine (``make_read_engine``), its PostgreSQL connection runs in autocommit:
    no ``BEGIN`` and no ``ROLLBACK`` round trip. Leaving it rolls back whatever is open (on SQLite,
    the transaction every connection begins). The repositories speak SQLAlchemy Core on the unit's
    ``AsyncConnection``: no ORM session sits between them and the driver.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._outbox = Outbox()

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
    def audit_entries(self) -> SqlAuditReader:
        return SqlAuditReader(self.connection)

    @property
    def course_staff(self) -> SqlCourseStaffRepository:
        return SqlCourseStaffRepository(self.connection)

    @property
    def lessons(self) -> SqlLessonRepository:
        return SqlLessonRepository(self.connection)

    @property
    def enrollments(self) -> SqlEnrollmentRepository:
        return SqlEnrollmentRepository(self.connection)

    @property
    def completions(self) -> SqlCompletionRepository:
        return SqlCompletionRepository(self.connection)

    @property
    def learner_progress(self) -> SqlLearnerProgress:
        """What release rules look at: completions and best graded scores."""
        return SqlLearnerProgress(self.connection)

    @property
    def quiz_placements(self) -> SqlQuizPlacements:
        return SqlQuizPlacements(self.connection)

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

    @property
    def banks(self) -> SqlQuestionBankRepository:
        return SqlQuestionBankRepository(self.connection)

    @property
    def gradebook(self) -> SqlGradebookReader:
        """A read model: students and their per-quiz aggregates, counted by the database."""
        return SqlGradebookReader(self.connection)

    # integrations
    @property
    def webhooks(self) -> SqlWebhookRepository:
        return SqlWebhookRepository(self.connection)

    @property
    def deliveries(self) -> SqlDeliveryRepository:
        return SqlDeliveryRepository(self.connection, self._outbox)

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


class SqlUnitOfWork(SqlReadUnitOfWork):
    """One transaction: leaving without ``commit()`` rolls back. Repositories are created per entry.

    ``reader()`` gives a unit of the same database for use cases that only read; its engine is
    ``read_engine`` (built from ``engine`` when not given).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        read_engine: AsyncEngine | None = None,
        *,
        xapi: bool = False,
        committed: Committed | None = None,
    ) -> None:
        super().__init__(engine)
        self._read_engine = read_engine
        self._xapi, self._committed = xapi, committed

    @property
    def personal_data(self) -> SqlPersonalData:
        """Read for an export, in the unit that records the export."""
        return SqlPersonalData(self.connection)

    @property
    def erasure(self) -> SqlErasureStore:
        return SqlErasureStore(self.connection)

    @property
    def blob_deletions(self) -> SqlBlobDeletions:
        return SqlBlobDeletions(self.connection)

    @property
    def audit(self) -> SqlAuditLog:
        """The audit log: an entry recorded here commits with the change it tells about."""
        return SqlAuditLog(self.connection)

    @property
    def events(self) -> SqlEventLog:
        """The outbox: events recorded here commit with the change, deliveries and all."""
        return SqlEventLog(self.connection, self._outbox)

    @property
    def mail(self) -> SqlMailOutbox:
        """Messages queued here are sent once the change commits (never when it rolls back)."""
        return SqlMailOutbox(self.connection, self._outbox.made)

    @property
    def email_tokens(self) -> SqlEmailTokenRepository:
        return SqlEmailTokenRepository(self.connection)

    async def __aenter__(self) -> Self:
        self._outbox = Outbox(xapi=self._xapi)
        return await super().__aenter__()

    def reader(self) -> SqlReadUnitOfWork:
        if self._read_engine is None:
            self._read_engine = make_read_engine(self._engine)
        return SqlReadUnitOfWork(self._read_engine)

    async def commit(self) -> None:
        await self.connection.commit()
        made, self._outbox.made = self._outbox.made, []
        if made and self._committed is not None:
            try:
                await self._committed(made)
            except Exception:  # the change is made; the sweep queues what could not be queued now
                _log.exception("could not queue the tries of %d deliveries", len(made))


_COLLISIONS = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def _is_connection_error(exc: BaseException) -> bool:
    return bool(getattr(exc, "connection_invalidated", False)) or isinstance(exc, OperationalError)


if TYPE_CHECKING:  # mypy checks that the units of work satisfy the assessment ports
    from lms_domain.assessment.ports import AssessmentReader, AssessmentUnitOfWork

    def _satisfies_assessment(engine: AsyncEngine) -> AssessmentUnitOfWork:
        return SqlUnitOfWork(engine)

    def _reads_assessment(engine: AsyncEngine) -> AssessmentReader:
        return SqlReadUnitOfWork(engine)

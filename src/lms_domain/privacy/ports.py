"""What an export reads: one narrow port over every area's storage, answering JSON-ready rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms_domain.identity.ports import UserRepository
from lms_domain.shared.ports import UnitOfWork

__all__ = [
    "BlobDeletions",
    "BlobPurgeJobs",
    "ErasureStore",
    "ErasureUnitOfWork",
    "PendingBlob",
    "PersonalDataReader",
    "PrivacyUnitOfWork",
    "Row",
]

Row = Mapping[str, object]
"""A JSON-ready record: ids and times as strings."""


class PersonalDataReader(Protocol):
    """Each method is a fixed number of statements, whatever the person's amount of data; rows
    come oldest first."""

    async def profile(self, user_id: UUID) -> Row | None:
        """The account without its credentials (no password hash, MFA secret or tokens); None for
        an unknown user."""
        ...

    async def enrollments(self, user_id: UUID) -> Sequence[Row]:
        """With ``course_title``, ``total_lessons`` and ``completed_lesson_ids``."""
        ...

    async def attempts(self, user_id: UUID) -> Sequence[Row]:
        """With their ``answers`` as graded."""
        ...

    async def certificates(self, user_id: UUID) -> Sequence[Row]: ...
    async def files(self, user_id: UUID) -> Sequence[Row]:
        """Metadata only."""
        ...

    async def staff_roles(self, user_id: UUID) -> Sequence[Row]: ...
    async def audit_entries(self, user_id: UUID) -> Sequence[Row]:
        """The entries whose actor or target is the user."""
        ...


class PrivacyUnitOfWork(UnitOfWork, Protocol):
    @property
    def personal_data(self) -> PersonalDataReader: ...


class ErasureStore(Protocol):
    """What erasing an account removes beyond the user's own row, in the erasure's transaction."""

    async def owns_courses(self, user_id: UUID) -> bool: ...

    async def erase(self, user_id: UUID, *, at: datetime) -> int:
        """Removes the user from every course's staff; deletes their email tokens, used MFA codes,
        mail not yet sent to them and their files' rows; takes the name off their certificates
        and their PDFs' keys; and lists every stored key of those files and PDFs in the blob
        deletions (due ``at``). Answers how many keys it listed. A fixed number of statements."""
        ...


@dataclass(frozen=True, slots=True)
class PendingBlob:
    key: str
    attempts: int


class BlobDeletions(Protocol):
    """Stored bytes still to delete, kept until the storage has deleted them."""

    async def due(self, *, now: datetime, limit: int) -> Sequence[PendingBlob]:
        """Those due by ``now``, oldest due first."""
        ...

    async def done(self, key: str) -> None: ...

    async def postpone(self, key: str, *, attempts: int, until: datetime) -> None: ...


class ErasureUnitOfWork(UnitOfWork, Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def erasure(self) -> ErasureStore: ...

    @property
    def blob_deletions(self) -> BlobDeletions: ...


class BlobPurgeJobs(Protocol):
    async def purge_blobs(self) -> None:
        """Have the due blob deletions worked off soon, in the background; raises ``Unavailable``
        when the job queue cannot take it (the periodic sweep does it then)."""
        ...

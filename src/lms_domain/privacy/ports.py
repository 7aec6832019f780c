"""What an export reads: one narrow port over every area's storage, answering JSON-ready rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol
from uuid import UUID

from lms_domain.shared.ports import UnitOfWork

__all__ = ["PersonalDataReader", "PrivacyUnitOfWork", "Row"]

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

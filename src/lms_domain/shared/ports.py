"""Ports every area uses: time, identifiers, and the two kinds of unit of work."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from lms_domain.shared.audit import AuditLog
from lms_domain.shared.events import EventLog

__all__ = ["Clock", "IdGenerator", "ReadOnlyUnitOfWork", "UnitOfWork"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> UUID: ...


class ReadOnlyUnitOfWork(Protocol):
    """``async with`` it to read; it has no ``commit``, and each area's reader offers only the
    reading half of its repositories, so a use case handed one cannot write (a write is a type
    error, never a silent autocommit). Adapters may read without a transaction."""

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class UnitOfWork(ReadOnlyUnitOfWork, Protocol):
    """One transaction: leaving the ``async with`` without ``commit()`` rolls back. ``events`` is
    the outbox: an event recorded there commits or rolls back with the change it describes; so does
    an entry of the audit log recorded through ``audit``."""

    @property
    def events(self) -> EventLog: ...

    @property
    def audit(self) -> AuditLog: ...

    async def commit(self) -> None: ...

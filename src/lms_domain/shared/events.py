"""Events: a change other systems may want to hear about, recorded with the change itself.

A use case records its event through its unit of work's ``events`` (an :class:`EventLog`), so the
event commits or rolls back with the change it describes; delivery happens after the commit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

__all__ = ["Event", "EventLog", "EventType", "enrollment_completed", "time_ordered_id"]


class EventType(StrEnum):
    USER_REGISTERED = "user.registered"
    COURSE_PUBLISHED = "course.published"
    ENROLLMENT_CREATED = "enrollment.created"
    LESSON_COMPLETED = "lesson.completed"
    ENROLLMENT_COMPLETED = "enrollment.completed"
    ATTEMPT_GRADED = "attempt.graded"
    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_REVOKED = "certificate.revoked"
    USER_ERASED = "user.erased"
    WEBHOOK_TEST = "webhook.test"


def time_ordered_id() -> UUID:
    """A UUID of version 7 (RFC 9562): the Unix time in milliseconds, then 74 random bits. Events
    are written in the order they happen, so their ids land at the end of the outbox's primary key
    instead of on a random page of it for every write."""
    value = (time.time_ns() // 1_000_000 & (1 << 48) - 1) << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # the RFC's variant
    return UUID(int=value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """``{"id", "type", "occurred_at", "data"}``: ``data`` holds JSON values only (ids and times as
    strings), exactly as receivers get it."""

    type: EventType
    occurred_at: datetime
    data: Mapping[str, object]
    id: UUID = field(default_factory=time_ordered_id)

    @classmethod
    def of(cls, type_: EventType, *, at: datetime, **data: object) -> Event:
        """An event whose ``data`` values are made JSON-ready: UUIDs and datetimes become strings."""
        return cls(type=type_, occurred_at=at, data={key: _json_ready(value) for key, value in data.items()})

    def to_json(self) -> dict[str, object]:
        return {
            "id": str(self.id),
            "type": str(self.type),
            "occurred_at": _json_ready(self.occurred_at),
            "data": dict(self.data),
        }


def _json_ready(value: object) -> object:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


class EventLog(Protocol):
    """The outbox: ``record`` writes the event in the unit of work's transaction."""

    async def record(self, event: Event) -> None: ...


def enrollment_completed(enrollment_id: UUID, course_id: UUID, student_id: UUID, at: datetime) -> Event:
    """Sent by completing a course's last lesson, and by deleting the only lesson a student lacked."""
    return Event.of(
        EventType.ENROLLMENT_COMPLETED,
        at=at,
        enrollment_id=enrollment_id,
        course_id=course_id,
        student_id=student_id,
        completed_at=at,
    )

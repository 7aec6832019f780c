"""Events: a change other systems may want to hear about, recorded with the change itself.

A use case records its event through its unit of work's ``events`` (an :class:`EventLog`), so the
event commits or rolls back with the change it describes; delivery happens after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from lms_domain.shared.ids import time_ordered_id

__all__ = ["Event", "EventLog", "EventType", "enrollment_completed", "json_ready"]


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
        return cls(type=type_, occurred_at=at, data={key: json_ready(value) for key, value in data.items()})

    def to_json(self) -> dict[str, object]:
        return {
            "id": str(self.id),
            "type": str(self.type),
            "occurred_at": json_ready(self.occurred_at),
            "data": dict(self.data),
        }


def json_ready(value: object) -> object:
    """A value as JSON carries it: UUIDs and times (UTC, ``Z``) as strings, the rest as it is."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


class EventLog(Protocol):
    """The outbox: ``record`` writes the event in the unit of work's transaction."""

    async def record(self, event: Event) -> None: ...
    async def record_many(self, batch: Sequence[Event]) -> None:
        """``record`` for many events at once: a fixed number of statements, however many."""
        ...


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

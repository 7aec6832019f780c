"""Webhooks and deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from lms_domain.shared.events import EventType

__all__ = ["XAPI_EVENT_TYPES", "Delivery", "DeliveryStatus", "Sink", "TryOutcome", "Webhook"]

# the events a learning record store hears about, as xAPI statements
XAPI_EVENT_TYPES = frozenset(
    {
        EventType.ENROLLMENT_CREATED,
        EventType.LESSON_COMPLETED,
        EventType.ENROLLMENT_COMPLETED,
        EventType.ATTEMPT_GRADED,
    }
)


@dataclass(kw_only=True)
class Webhook:
    id: UUID
    url: str
    events: Sequence[EventType]
    description: str
    secret: str
    is_active: bool
    created_at: datetime
    updated_at: datetime

    def wants(self, event_type: EventType) -> bool:
        return self.is_active and event_type in self.events


class Sink(StrEnum):
    """Where a delivery goes: a webhook, or the learning record store (xAPI)."""

    WEBHOOK = "webhook"
    XAPI = "xapi"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # will be tried again
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class TryOutcome:
    """What one try got: a status code (when the receiver answered) and an error (when it failed)."""

    status_code: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


@dataclass(kw_only=True)
class Delivery:
    id: UUID
    event_id: UUID
    event_type: EventType
    sink: Sink
    webhook_id: UUID | None
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None

    def record_try(self, outcome: TryOutcome, *, now: datetime, schedule: Sequence[float]) -> None:
        """Count a try: success ends it; a failure waits for the schedule's next delay, and after
        the last one the delivery is dead."""
        self.attempts += 1
        self.last_status_code = outcome.status_code
        if outcome.succeeded:
            self.status, self.last_error = DeliveryStatus.SUCCEEDED, None
            self.delivered_at, self.next_attempt_at = now, None
            return
        self.last_error = outcome.error or f"The receiver answered {outcome.status_code}"
        if self.attempts - 1 < len(schedule):
            self.status = DeliveryStatus.FAILED
            self.next_attempt_at = now + timedelta(seconds=schedule[self.attempts - 1])
        else:
            self.status, self.next_attempt_at = DeliveryStatus.DEAD, None

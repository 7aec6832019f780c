"""Webhooks and deliveries."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from lms_domain.integrations.values import check_description, check_events, check_url
from lms_domain.shared.changes import UNCHANGED, Unchanged
from lms_domain.shared.events import Event, EventType

__all__ = [
    "XAPI_EVENT_TYPES",
    "Delivery",
    "DeliveryStatus",
    "NewWebhook",
    "Sink",
    "TryOutcome",
    "Webhook",
    "WebhookChanges",
]

# the events a learning record store hears about, as xAPI statements
XAPI_EVENT_TYPES = frozenset(
    {
        EventType.ENROLLMENT_CREATED,
        EventType.LESSON_COMPLETED,
        EventType.ENROLLMENT_COMPLETED,
        EventType.ATTEMPT_GRADED,
    }
)


@dataclass(frozen=True, slots=True)
class NewWebhook:
    url: str
    events: Sequence[EventType]
    description: str = ""


@dataclass(frozen=True, slots=True)
class WebhookChanges:
    """A partial update (``apply_changes``): fields left ``UNCHANGED`` keep their value."""

    url: str | Unchanged = UNCHANGED
    events: Sequence[EventType] | Unchanged = UNCHANGED
    description: str | Unchanged = UNCHANGED
    is_active: bool | Unchanged = UNCHANGED


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

    @classmethod
    def create(cls, data: NewWebhook, *, id: UUID, secret: str, at: datetime) -> Webhook:
        """A new, active webhook."""
        return cls(
            id=id,
            url=data.url,
            events=data.events,
            description=data.description,
            secret=secret,
            is_active=True,
            created_at=at,
            updated_at=at,
        ).validated()

    def validated(self) -> Webhook:
        """Its URL's form (not yet whether its host may receive: see ``AddressCheck``), its
        description, and its events: known types, at least one, each once in the order given."""
        check_url(self.url)
        check_description(self.description)
        return dataclasses.replace(self, events=check_events(self.events))

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

    @classmethod
    def pending(cls, event: Event, *, id: UUID, sink: Sink, webhook_id: UUID | None) -> Delivery:
        """A new delivery of ``event``, due at once."""
        return cls(
            id=id,
            event_id=event.id,
            event_type=event.type,
            sink=sink,
            webhook_id=webhook_id,
            status=DeliveryStatus.PENDING,
            attempts=0,
            last_status_code=None,
            last_error=None,
            next_attempt_at=event.occurred_at,
            created_at=event.occurred_at,
            delivered_at=None,
        )

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

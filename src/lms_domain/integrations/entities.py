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
from lms_domain.shared.outcomes import TryOutcome

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
    """Where a delivery goes: a webhook, the learning record store (xAPI), or a mail message's
    recipient (through the mail system)."""

    WEBHOOK = "webhook"
    XAPI = "xapi"
    MAIL = "mail"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # will be tried again
    DEAD = "dead"


@dataclass(kw_only=True)
class Delivery:
    """A delivery of an event (to a webhook or the learning record store) or of a mail message
    (``sink`` is ``MAIL``: no event, the message is stored with the delivery)."""

    id: UUID
    event_id: UUID | None
    event_type: EventType | None
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

    @classmethod
    def mail(cls, *, id: UUID, at: datetime) -> Delivery:
        """A new delivery of a mail message, due at once."""
        return cls(
            id=id,
            event_id=None,
            event_type=None,
            sink=Sink.MAIL,
            webhook_id=None,
            status=DeliveryStatus.PENDING,
            attempts=0,
            last_status_code=None,
            last_error=None,
            next_attempt_at=at,
            created_at=at,
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

"""Ports of the integrations area: webhooks and deliveries stored, jobs that make tries, and the
outgoing side (sending a request, judging an address, naming activities for xAPI)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms_domain.integrations.entities import Delivery, DeliveryStatus, TryOutcome, Webhook
from lms_domain.mail.entities import MailMessage
from lms_domain.shared.events import Event, EventLog
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.ports import ReadOnlyUnitOfWork, UnitOfWork

__all__ = [
    "ActivityNames",
    "AddressCheck",
    "ClaimedTry",
    "DeliveryJobs",
    "DeliveryRepository",
    "EventReader",
    "IntegrationsReader",
    "IntegrationsUnitOfWork",
    "Sender",
    "WebhookRepository",
]


class WebhookRepository(Protocol):
    async def get(self, webhook_id: UUID, *, for_update: bool = False) -> Webhook | None: ...
    async def list(self, *, page: PageRequest) -> tuple[Sequence[Webhook], int]: ...
    async def add(self, webhook: Webhook) -> None: ...
    async def update(self, webhook: Webhook) -> None: ...
    async def delete(self, webhook_id: UUID) -> None:
        """Deletes the webhook and its delivery log."""
        ...


@dataclass(frozen=True, slots=True)
class ClaimedTry:
    """A delivery claimed for one try, with what the try needs: the event, and for a webhook its
    URL and secret (``None`` for the learning record store); for mail, the message (no event)."""

    delivery: Delivery
    event: Event | None
    url: str | None
    secret: str | None
    mail: MailMessage | None = None


class DeliveryRepository(Protocol):
    async def get(self, webhook_id: UUID, delivery_id: UUID) -> Delivery | None: ...
    async def list_for_webhook(
        self, webhook_id: UUID, *, status: DeliveryStatus | None, page: PageRequest
    ) -> tuple[Sequence[Delivery], int]: ...
    async def add(self, delivery: Delivery) -> None: ...
    async def claim(
        self, delivery_id: UUID, *, now: datetime, until: datetime, force: bool
    ) -> ClaimedTry | None:
        """Takes the delivery for one try, or answers ``None`` when it is not to be tried now: it
        is succeeded or dead (unless ``force``), not yet due (unless ``force``), already claimed
        by another try whose claim has not run out, or its webhook is gone or inactive. Two
        callers racing for one delivery: exactly one gets it."""
        ...

    async def live_claim(self, delivery_id: UUID, *, now: datetime) -> datetime | None:
        """When the claim of a try now running on the delivery runs out; ``None`` when no try is."""
        ...

    async def finish(self, delivery: Delivery) -> None:
        """Writes a claimed delivery's result back and ends its claim. A mail message's content
        (which may carry a one-time token) is erased once it is sent or dead."""
        ...

    async def due(self, *, now: datetime, limit: int) -> Sequence[tuple[UUID, datetime]]:
        """Deliveries waiting for a try (pending or failed, unclaimed or with a claim run out):
        ids and when they are due, soonest first."""
        ...


class EventReader(EventLog, Protocol):
    async def get(self, event_id: UUID) -> Event | None: ...
    async def store(self, event: Event) -> None:
        """The event alone, with no delivery made for it (a webhook's test event)."""
        ...


class IntegrationsReader(ReadOnlyUnitOfWork, Protocol):
    @property
    def webhooks(self) -> WebhookRepository: ...
    @property
    def deliveries(self) -> DeliveryRepository: ...


class IntegrationsUnitOfWork(UnitOfWork, Protocol):
    @property
    def webhooks(self) -> WebhookRepository: ...
    @property
    def deliveries(self) -> DeliveryRepository: ...
    @property
    def events(self) -> EventReader: ...


class DeliveryJobs(Protocol):
    """The job engine's side: a try of a delivery queued to run at ``at`` (now when ``None``)."""

    async def try_delivery(
        self, delivery_id: UUID, *, at: datetime | None = None, force: bool = False
    ) -> None: ...


class Sender(Protocol):
    async def send(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> TryOutcome:
        """POSTs ``body``; never raises for the receiver's failures, which are the outcome."""
        ...


class AddressCheck(Protocol):
    async def refusal(self, url: str) -> str | None:
        """``None`` when the URL may receive deliveries; otherwise why it may not."""
        ...


class ActivityNames(Protocol):
    """Titles of the courses, lessons and quizzes xAPI statements name (``None`` when gone)."""

    async def title(self, kind: str, activity_id: UUID) -> str | None: ...

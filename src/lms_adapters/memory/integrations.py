"""The outbox, webhooks and deliveries over the memory state, with the SQL adapter's rules."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from lms_domain.integrations.entities import XAPI_EVENT_TYPES, Delivery, DeliveryStatus, Sink, Webhook
from lms_domain.integrations.ports import ClaimedTry
from lms_domain.shared.events import Event
from lms_domain.shared.ids import time_ordered_id
from lms_domain.shared.pagination import PageRequest

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = ["MemoryActivityNames", "MemoryDeliveryRepository", "MemoryEventLog", "MemoryWebhookRepository"]

_WAITING = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


def _new_delivery(event: Event, *, sink: Sink, webhook_id: UUID | None) -> Delivery:
    return Delivery.pending(event, id=time_ordered_id(), sink=sink, webhook_id=webhook_id)


class MemoryEventLog:
    def __init__(self, state: MemoryState, *, xapi: bool, made: list[UUID]) -> None:
        self._state, self._xapi, self._made = state, xapi, made

    async def record(self, event: Event) -> None:
        await self.store(event)
        made = [
            _new_delivery(event, sink=Sink.WEBHOOK, webhook_id=hook.id)
            for hook in self._state.webhooks.values()
            if hook.wants(event.type)
        ]
        if self._xapi and event.type in XAPI_EVENT_TYPES:
            made.append(_new_delivery(event, sink=Sink.XAPI, webhook_id=None))
        for delivery in made:
            self._state.deliveries[delivery.id] = delivery
            self._made.append(delivery.id)

    async def record_many(self, batch: Sequence[Event]) -> None:
        for event in batch:
            await self.record(event)

    async def store(self, event: Event) -> None:
        self._state.events[event.id] = event

    async def get(self, event_id: UUID) -> Event | None:
        return self._state.events.get(event_id)


def _stored(webhook: Webhook) -> Webhook:
    """A copy subscribed to each of its events once, in the order first given (as in SQL, where
    a subscription is a row keyed by webhook and event type)."""
    stored = copy.deepcopy(webhook)
    stored.events = list(dict.fromkeys(stored.events))
    return stored


class MemoryWebhookRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def get(self, webhook_id: UUID, *, for_update: bool = False) -> Webhook | None:
        hook = self._state.webhooks.get(webhook_id)
        return copy.deepcopy(hook) if hook else None

    async def list(self, *, page: PageRequest) -> tuple[Sequence[Webhook], int]:
        found = sorted(self._state.webhooks.values(), key=lambda h: (-h.created_at.timestamp(), h.id))
        chosen = found[page.offset : page.offset + page.page_size]
        return [copy.deepcopy(h) for h in chosen], len(found)

    async def add(self, webhook: Webhook) -> None:
        self._state.webhooks[webhook.id] = _stored(webhook)

    async def update(self, webhook: Webhook) -> None:
        self._state.webhooks[webhook.id] = _stored(webhook)
        if not webhook.is_active:
            for delivery in self._state.deliveries.values():
                if delivery.webhook_id == webhook.id and delivery.status in _WAITING:
                    delivery.status, delivery.next_attempt_at = DeliveryStatus.DEAD, None
                    delivery.last_error = "The webhook was deactivated"

    async def delete(self, webhook_id: UUID) -> None:
        self._state.webhooks.pop(webhook_id, None)
        for delivery_id in [d.id for d in self._state.deliveries.values() if d.webhook_id == webhook_id]:
            del self._state.deliveries[delivery_id]


class MemoryDeliveryRepository:
    def __init__(self, state: MemoryState, *, made: list[UUID]) -> None:
        self._state, self._made = state, made

    async def get(self, webhook_id: UUID, delivery_id: UUID) -> Delivery | None:
        delivery = self._state.deliveries.get(delivery_id)
        return copy.deepcopy(delivery) if delivery and delivery.webhook_id == webhook_id else None

    async def list_for_webhook(
        self, webhook_id: UUID, *, status: DeliveryStatus | None, page: PageRequest
    ) -> tuple[Sequence[Delivery], int]:
        found = [
            d
            for d in self._state.deliveries.values()
            if d.webhook_id == webhook_id and (status is None or d.status == status)
        ]
        found.sort(key=lambda d: (-d.created_at.timestamp(), d.id))
        return [copy.deepcopy(d) for d in found[page.offset : page.offset + page.page_size]], len(found)

    async def add(self, delivery: Delivery) -> None:
        self._state.deliveries[delivery.id] = copy.deepcopy(delivery)
        self._made.append(delivery.id)

    def _open(self, delivery: Delivery, now: datetime) -> bool:
        claim = self._state.delivery_claims.get(delivery.id)
        if claim is not None and claim >= now:
            return False
        if delivery.webhook_id is None:
            return True
        hook = self._state.webhooks.get(delivery.webhook_id)
        return hook is not None and hook.is_active

    async def claim(
        self, delivery_id: UUID, *, now: datetime, until: datetime, force: bool
    ) -> ClaimedTry | None:
        delivery = self._state.deliveries.get(delivery_id)
        if delivery is None or not self._open(delivery, now):
            return None
        due = delivery.next_attempt_at is not None and delivery.next_attempt_at <= now
        if not force and (delivery.status not in _WAITING or not due):
            return None
        if delivery.sink is Sink.MAIL:
            message = self._state.mail_messages.get(delivery_id)
            if message is None:
                return None
            self._state.delivery_claims[delivery_id] = until
            return ClaimedTry(copy.deepcopy(delivery), None, None, None, mail=message)
        if delivery.event_id is None:  # pragma: no cover - only mail has no event
            return None
        self._state.delivery_claims[delivery_id] = until
        hook = self._state.webhooks.get(delivery.webhook_id) if delivery.webhook_id else None
        return ClaimedTry(
            delivery=copy.deepcopy(delivery),
            event=self._state.events[delivery.event_id],
            url=hook.url if hook else None,
            secret=hook.secret if hook else None,
        )

    async def live_claim(self, delivery_id: UUID, *, now: datetime) -> datetime | None:
        claim = self._state.delivery_claims.get(delivery_id)
        return claim if claim is not None and claim >= now else None

    async def finish(self, delivery: Delivery) -> None:
        if delivery.id in self._state.deliveries:
            self._state.deliveries[delivery.id] = copy.deepcopy(delivery)
        self._state.delivery_claims.pop(delivery.id, None)
        if delivery.sink is Sink.MAIL and delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD):
            self._state.mail_messages.pop(delivery.id, None)

    async def due(self, *, now: datetime, limit: int) -> Sequence[tuple[UUID, datetime]]:
        found = [
            (d.id, d.next_attempt_at)
            for d in self._state.deliveries.values()
            if d.status in _WAITING and d.next_attempt_at is not None and self._open(d, now)
        ]
        found.sort(key=lambda pair: pair[1])
        return found[:limit]


class MemoryActivityNames:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def title(self, kind: str, activity_id: UUID) -> str | None:
        found: dict[str, Any] = {
            "course": self._state.courses,
            "lesson": self._state.lessons,
            "quiz": self._state.quizzes,
        }
        item = found[kind].get(activity_id)
        return None if item is None else str(item.title)

"""Webhooks: registering, reading, changing and removing them, their secret, their test event, and
their delivery log (admins only; every other role gets ``Forbidden``).

A URL's host is checked (``AddressCheck``) before the transaction opens: the check may look the
host up in DNS, which no transaction should wait for. Deliveries a use case adds are queued by the
unit of work once it commits; a redelivery of an existing one is queued here, after the checks.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from lms_domain.integrations.entities import (
    Delivery,
    DeliveryStatus,
    NewWebhook,
    Sink,
    Webhook,
    WebhookChanges,
)
from lms_domain.integrations.ports import (
    AddressCheck,
    DeliveryJobs,
    IntegrationsReader,
    IntegrationsUnitOfWork,
    WebhookRepository,
)
from lms_domain.integrations.values import check_url
from lms_domain.shared.actors import Actor
from lms_domain.shared.audit import AuditAction, entry_by
from lms_domain.shared.changes import UNCHANGED, apply_changes
from lms_domain.shared.errors import Conflict, Forbidden, InvalidField, NotFound
from lms_domain.shared.events import Event, EventType
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = [
    "CreateWebhook",
    "DeleteWebhook",
    "GetWebhook",
    "ListDeliveries",
    "ListWebhooks",
    "Redeliver",
    "RotateSecret",
    "SecretSource",
    "SendTestEvent",
    "UpdateWebhook",
]

SecretSource = Callable[[], str]
"""Makes a new webhook secret (``whsec_`` + base64 of random bytes)."""


def _ensure_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can manage webhooks")


async def _receivable(addresses: AddressCheck, url: str) -> None:
    """``InvalidField`` on ``url`` unless it is an http(s) URL whose host may receive deliveries."""
    check_url(url)
    if (why := await addresses.refusal(url)) is not None:
        raise InvalidField("url", f"url is refused: {why}", "value_error.url")


async def _existing(webhooks: WebhookRepository, webhook_id: UUID, *, for_update: bool = False) -> Webhook:
    webhook = await webhooks.get(webhook_id, for_update=for_update)
    if webhook is None:
        raise NotFound("Webhook not found")
    return webhook


class CreateWebhook:
    """Register a webhook; the answer is the only one (with ``RotateSecret``'s) showing its secret."""

    def __init__(
        self,
        uow: IntegrationsUnitOfWork,
        addresses: AddressCheck,
        clock: Clock,
        ids: IdGenerator,
        secrets: SecretSource,
    ) -> None:
        self._uow, self._addresses, self._clock, self._ids = uow, addresses, clock, ids
        self._secrets = secrets

    async def __call__(self, *, actor: Actor, data: NewWebhook) -> Webhook:
        _ensure_admin(actor)
        webhook = Webhook.create(data, id=self._ids.new_id(), secret=self._secrets(), at=self._clock.now())
        await _receivable(self._addresses, webhook.url)
        async with self._uow as uow:
            await uow.webhooks.add(webhook)
            await uow.audit.record(
                entry_by(actor, AuditAction.WEBHOOK_CREATED, at=webhook.created_at, target_id=webhook.id)
            )
            await uow.commit()
        return webhook


class ListWebhooks:
    def __init__(self, uow: IntegrationsReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, page: PageRequest) -> Page[Webhook]:
        _ensure_admin(actor)
        async with self._uow as uow:
            items, total = await uow.webhooks.list(page=page)
        return Page.of(items, total, page)


class GetWebhook:
    def __init__(self, uow: IntegrationsReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, webhook_id: UUID) -> Webhook:
        _ensure_admin(actor)
        async with self._uow as uow:
            return await _existing(uow.webhooks, webhook_id)


class UpdateWebhook:
    """Change a webhook's URL (checked again), events, description or active flag. Deactivating it
    ends its waiting deliveries: it gets nothing more."""

    def __init__(self, uow: IntegrationsUnitOfWork, addresses: AddressCheck, clock: Clock) -> None:
        self._uow, self._addresses, self._clock = uow, addresses, clock

    async def __call__(self, *, actor: Actor, webhook_id: UUID, changes: WebhookChanges) -> Webhook:
        _ensure_admin(actor)
        if changes.url is not UNCHANGED:
            await _receivable(self._addresses, changes.url)
        async with self._uow as uow:
            stored = await _existing(uow.webhooks, webhook_id, for_update=True)
            webhook = apply_changes(stored, changes, updated_at=self._clock.now())
            await uow.webhooks.update(webhook)
            await uow.audit.record(
                entry_by(actor, AuditAction.WEBHOOK_UPDATED, at=webhook.updated_at, target_id=webhook.id)
            )
            await uow.commit()
        return webhook


class DeleteWebhook:
    """Remove a webhook with its delivery log."""

    def __init__(self, uow: IntegrationsUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, *, actor: Actor, webhook_id: UUID) -> None:
        _ensure_admin(actor)
        async with self._uow as uow:
            await _existing(uow.webhooks, webhook_id, for_update=True)
            await uow.webhooks.delete(webhook_id)
            await uow.audit.record(
                entry_by(actor, AuditAction.WEBHOOK_DELETED, at=self._clock.now(), target_id=webhook_id)
            )
            await uow.commit()


class RotateSecret:
    """Give a webhook a new secret; from the commit on, only the new one signs (no grace period)."""

    def __init__(self, uow: IntegrationsUnitOfWork, clock: Clock, secrets: SecretSource) -> None:
        self._uow, self._clock, self._secrets = uow, clock, secrets

    async def __call__(self, *, actor: Actor, webhook_id: UUID) -> Webhook:
        _ensure_admin(actor)
        async with self._uow as uow:
            stored = await _existing(uow.webhooks, webhook_id, for_update=True)
            webhook = apply_changes(
                stored, WebhookChanges(), secret=self._secrets(), updated_at=self._clock.now()
            )
            await uow.webhooks.update(webhook)
            await uow.audit.record(
                entry_by(
                    actor, AuditAction.WEBHOOK_SECRET_ROTATED, at=webhook.updated_at, target_id=webhook.id
                )
            )
            await uow.commit()
        return webhook


class SendTestEvent:
    """A ``webhook.test`` event for this webhook only, whatever the types it hears; the answer is
    the event's id. The delivery is queued once the transaction commits."""

    def __init__(self, uow: IntegrationsUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, *, actor: Actor, webhook_id: UUID) -> UUID:
        _ensure_admin(actor)
        async with self._uow as uow:
            # locked: a deactivation or a deletion waits for this test (or this test for it)
            webhook = await _existing(uow.webhooks, webhook_id, for_update=True)
            if not webhook.is_active:
                raise Conflict("The webhook is not active")
            now = self._clock.now()
            event = Event.of(EventType.WEBHOOK_TEST, at=now, webhook_id=webhook.id)
            await uow.events.store(event)  # stored alone: no delivery to the webhooks that hear the type
            await uow.deliveries.add(
                Delivery.pending(event, id=self._ids.new_id(), sink=Sink.WEBHOOK, webhook_id=webhook.id)
            )
            await uow.commit()
        return event.id


class ListDeliveries:
    def __init__(self, uow: IntegrationsReader) -> None:
        self._uow = uow

    async def __call__(
        self, *, actor: Actor, webhook_id: UUID, page: PageRequest, status: DeliveryStatus | None = None
    ) -> Page[Delivery]:
        _ensure_admin(actor)
        async with self._uow as uow:
            await _existing(uow.webhooks, webhook_id)
            items, total = await uow.deliveries.list_for_webhook(webhook_id, status=status, page=page)
        return Page.of(items, total, page)


class Redeliver:
    """Send a delivery again, whatever its status (same event, same ``webhook-id``): one more try,
    counted in its ``attempts``. The answer is the delivery as it was when the try was queued."""

    def __init__(self, uow: IntegrationsReader, jobs: DeliveryJobs) -> None:
        self._uow, self._jobs = uow, jobs

    async def __call__(self, *, actor: Actor, webhook_id: UUID, delivery_id: UUID) -> Delivery:
        _ensure_admin(actor)
        async with self._uow as uow:
            webhook = await _existing(uow.webhooks, webhook_id)
            delivery = await uow.deliveries.get(webhook_id, delivery_id)
            if delivery is None:
                raise NotFound("Delivery not found")
            if not webhook.is_active:
                raise Conflict("The webhook is not active")
        await self._jobs.try_delivery(delivery.id, force=True)
        return delivery

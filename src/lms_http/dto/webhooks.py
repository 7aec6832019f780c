"""Bodies of the webhook endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from lms_domain.integrations.entities import (
    Delivery,
    DeliveryStatus,
    NewWebhook,
    Webhook,
    WebhookChanges,
)
from lms_domain.integrations.values import DESCRIPTION_MAX
from lms_domain.shared.events import EventType
from lms_domain.shared.pagination import Page
from lms_http.dto.catalog import Url
from lms_http.dto.pages import PageOut, page_fields
from lms_http.dto.partial import unchanged_if_unset

__all__ = [
    "DeliveryOut",
    "DeliveryPage",
    "TestEventOut",
    "WebhookCreate",
    "WebhookOut",
    "WebhookPage",
    "WebhookSecretOut",
    "WebhookUpdate",
]

# every type at most once (repeats are dropped, keeping the first), so no more items than types
EventTypes = Annotated[
    list[EventType],
    Meta(
        min_length=1,
        max_length=len(EventType),
        description="The event types this webhook receives (at least one)",
    ),
]
Description = Annotated[str, Meta(max_length=DESCRIPTION_MAX)]


class WebhookCreate(msgspec.Struct, kw_only=True):
    url: Url
    events: EventTypes
    description: Description = ""

    def to_domain(self) -> NewWebhook:
        return NewWebhook(url=self.url, events=self.events, description=self.description)


class WebhookUpdate(msgspec.Struct, kw_only=True):
    """Fields left out keep their value."""

    url: Url | UnsetType = UNSET
    events: EventTypes | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET

    def to_domain(self) -> WebhookChanges:
        return WebhookChanges(
            url=unchanged_if_unset(self.url),
            events=unchanged_if_unset(self.events),
            description=unchanged_if_unset(self.description),
            is_active=unchanged_if_unset(self.is_active),
        )


class WebhookOut(msgspec.Struct, kw_only=True):
    """A webhook; its secret is shown only when it is created and when it is rotated."""

    id: UUID
    url: str
    events: list[EventType]
    description: str
    is_active: bool
    created_at: datetime

    @classmethod
    def of(cls, webhook: Webhook) -> WebhookOut:
        return cls(
            id=webhook.id,
            url=webhook.url,
            events=list(webhook.events),
            description=webhook.description,
            is_active=webhook.is_active,
            created_at=webhook.created_at,
        )


class WebhookSecretOut(WebhookOut, kw_only=True):
    """The webhook with its secret (``whsec_`` + base64), which signs every delivery."""

    secret: str

    @classmethod
    def of_secret(cls, webhook: Webhook) -> WebhookSecretOut:
        base = WebhookOut.of(webhook)
        return cls(**{f: getattr(base, f) for f in WebhookOut.__struct_fields__}, secret=webhook.secret)


class WebhookPage(PageOut, kw_only=True):
    items: list[WebhookOut]

    @classmethod
    def of(cls, page: Page[Webhook]) -> WebhookPage:
        return cls(items=[WebhookOut.of(w) for w in page.items], **page_fields(page))


class TestEventOut(msgspec.Struct, kw_only=True):
    event_id: UUID


class DeliveryOut(msgspec.Struct, kw_only=True):
    """One event's delivery to a webhook: ``failed`` will be tried again at ``next_attempt_at``;
    ``dead`` will not."""

    id: UUID
    event_id: UUID
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        """A webhook's delivery (only mail has no event, and no webhook lists mail)."""
        if delivery.event_id is None or delivery.event_type is None:
            raise ValueError(f"delivery {delivery.id} is not of an event")
        return cls(
            id=delivery.id,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            status=delivery.status,
            attempts=delivery.attempts,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at,
            created_at=delivery.created_at,
            delivered_at=delivery.delivered_at,
        )


class DeliveryPage(PageOut, kw_only=True):
    items: list[DeliveryOut]

    @classmethod
    def of(cls, page: Page[Delivery]) -> DeliveryPage:
        return cls(items=[DeliveryOut.of(d) for d in page.items], **page_fields(page))

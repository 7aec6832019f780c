"""A delivery as a row of ``deliveries`` and back."""

from __future__ import annotations

from typing import Any

from lms_domain.integrations.entities import Delivery, DeliveryStatus, Sink
from lms_domain.shared.events import EventType

__all__ = ["delivery_from_row", "delivery_row"]


def delivery_row(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "event_type": None if delivery.event_type is None else delivery.event_type.value,
        "sink": delivery.sink.value,
        "webhook_id": delivery.webhook_id,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
    }


def delivery_from_row(row: Any) -> Delivery:
    m = row._mapping
    return Delivery(
        id=m["id"],
        event_id=m["event_id"],
        event_type=None if m["event_type"] is None else EventType(m["event_type"]),
        sink=Sink(m["sink"]),
        webhook_id=m["webhook_id"],
        status=DeliveryStatus(m["status"]),
        attempts=m["attempts"],
        last_status_code=m["last_status_code"],
        last_error=m["last_error"],
        next_attempt_at=m["next_attempt_at"],
        created_at=m["created_at"],
        delivered_at=m["delivered_at"],
    )

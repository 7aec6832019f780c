"""Delivering events: one try of a delivery, and the sweep that queues what is waiting.

A try claims its delivery in a short transaction, sends outside any transaction, and writes the
outcome in another: the claim (``claimed_until``) keeps every other process off the delivery, so
each try is made once however many servers and workers run. A failed try queues the next one at
the schedule's next delay; the sweep queues deliveries whose job was lost (a process stopped
after its commit, or a job engine that keeps jobs in memory).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from lms_domain.integrations.entities import Delivery, DeliveryStatus, TryOutcome
from lms_domain.integrations.ports import (
    ActivityNames,
    ClaimedTry,
    DeliveryJobs,
    IntegrationsUnitOfWork,
    Sender,
)
from lms_domain.integrations.signing import webhook_headers
from lms_domain.integrations.xapi import statement, xapi_headers
from lms_domain.mail.ports import Mailer
from lms_domain.shared.events import Event
from lms_domain.shared.ports import Clock

__all__ = ["DeliveryPolicy", "Sinks", "SweepDeliveries", "TryDelivery", "XapiTarget", "event_body"]

DEFAULT_SCHEDULE = (5.0, 30.0, 120.0, 600.0, 1800.0, 7200.0, 21600.0, 86400.0)


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """``schedule``: the delays, in seconds, after each failed try (then the delivery is dead);
    ``timeout_seconds``: how long a receiver has to answer. A claim outlives the timeout by
    ``claim_margin_seconds``, so a try still running is never taken by another process, and one
    whose process died is free again soon after."""

    schedule: Sequence[float] = DEFAULT_SCHEDULE
    timeout_seconds: float = 10.0
    claim_margin_seconds: float = 30.0

    @property
    def claim(self) -> timedelta:
        return timedelta(seconds=self.timeout_seconds + self.claim_margin_seconds)


@dataclass(frozen=True, slots=True)
class XapiTarget:
    """The learning record store: ``endpoint`` is its base URL (ending in ``/``); statements name
    activities under ``public_url``."""

    endpoint: str
    public_url: str
    username: str | None = None
    password: str | None = None


def event_body(event: Event) -> bytes:
    return json.dumps(event.to_json(), separators=(",", ":")).encode()


class Sinks:
    """Where deliveries go: a webhook's URL through ``sender``, signed; the learning record store
    (when ``xapi`` is configured) as an xAPI statement naming activities by their titles; a mail
    message through ``mailer``."""

    def __init__(
        self,
        sender: Sender,
        clock: Clock,
        names: ActivityNames,
        *,
        mailer: Mailer | None = None,
        xapi: XapiTarget | None = None,
        xapi_sender: Sender | None = None,
    ) -> None:
        self._sender, self._clock, self._names, self._mailer = sender, clock, names, mailer
        self._xapi, self._xapi_sender = xapi, xapi_sender or sender

    async def send(self, claimed: ClaimedTry) -> TryOutcome:
        if claimed.mail is not None:
            if self._mailer is None:
                return TryOutcome(None, "No mailer is configured")
            return await self._mailer.send(claimed.mail)
        event = claimed.event
        if event is None:  # pragma: no cover - a claim of an event's delivery always has its event
            return TryOutcome(None, "The delivery has neither an event nor a message")
        if claimed.url is not None and claimed.secret is not None:
            body = event_body(event)
            headers = webhook_headers(
                claimed.secret,
                message_id=str(event.id),
                timestamp=int(self._clock.now().timestamp()),
                body=body,
            )
            return await self._sender.send(claimed.url, body=body, headers=headers)
        if self._xapi is None:
            return TryOutcome(None, "No learning record store is configured (LMS_XAPI_ENDPOINT)")
        document = await statement(event, public_url=self._xapi.public_url, names=self._names)
        return await self._xapi_sender.send(
            self._xapi.endpoint + "statements",
            body=json.dumps(document, separators=(",", ":")).encode(),
            headers=xapi_headers(username=self._xapi.username, password=self._xapi.password),
        )


class TryDelivery:
    """Makes one try of a delivery, when it is to be tried now (or whatever its state, ``force``)."""

    def __init__(
        self,
        uow: IntegrationsUnitOfWork,
        sinks: Sinks,
        jobs: DeliveryJobs,
        clock: Clock,
        policy: DeliveryPolicy,
    ) -> None:
        self._uow, self._sinks, self._jobs, self._clock, self._policy = uow, sinks, jobs, clock, policy

    async def __call__(self, *, delivery_id: UUID, force: bool = False) -> Delivery | None:
        now = self._clock.now()
        async with self._uow as uow:
            claimed = await uow.deliveries.claim(
                delivery_id, now=now, until=now + self._policy.claim, force=force
            )
            running = None if claimed or not force else await uow.deliveries.live_claim(delivery_id, now=now)
            await uow.commit()
        if running is not None:  # redelivered while a try runs: one more try once that one is over
            await self._jobs.try_delivery(delivery_id, at=running, force=True)
        if claimed is None:
            return None
        outcome = await self._sinks.send(claimed)
        delivery = claimed.delivery
        delivery.record_try(outcome, now=self._clock.now(), schedule=self._policy.schedule)
        async with self._uow as uow:
            await uow.deliveries.finish(delivery)
            await uow.commit()
        if delivery.status is DeliveryStatus.FAILED:
            await self._jobs.try_delivery(delivery.id, at=delivery.next_attempt_at)
        return delivery


class SweepDeliveries:
    """Queues a try for every delivery waiting to be tried (``everything``: also those due later,
    as a process does when it starts, since a job engine may have lost their jobs); answers how
    many it queued."""

    def __init__(
        self, uow: IntegrationsUnitOfWork, jobs: DeliveryJobs, clock: Clock, *, limit: int = 1000
    ) -> None:
        self._uow, self._jobs, self._clock, self._limit = uow, jobs, clock, limit

    async def __call__(self, *, everything: bool = False) -> int:
        now = self._clock.now()
        async with self._uow as uow:
            waiting = await uow.deliveries.due(now=now, limit=self._limit)
        queued = 0
        for delivery_id, due_at in waiting:
            if due_at <= now:
                await self._jobs.try_delivery(delivery_id)
            elif everything:
                await self._jobs.try_delivery(delivery_id, at=due_at)
            else:
                continue
            queued += 1
        return queued

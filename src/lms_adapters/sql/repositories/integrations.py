"""The outbox, webhooks and deliveries in SQL.

Recording an event also makes its deliveries, in the same transaction: one per active webhook
subscribed to its type and one for the learning record store when one is configured. The ids of
the deliveries a unit of work made are kept (``Outbox.made``) so that, once it commits, their tries
can be queued.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import (
    Table,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from lms_adapters.sql.driver import rows_on_driver
from lms_adapters.sql.paging import page_of, paged
from lms_adapters.sql.prebuilt import built_once
from lms_adapters.sql.repositories.delivery_rows import delivery_from_row, delivery_row
from lms_adapters.sql.repositories.mail import mail_message
from lms_adapters.sql.tables import (
    courses,
    deliveries,
    events,
    lessons,
    mail_messages,
    quizzes,
    webhook_subscriptions,
    webhooks,
)
from lms_domain.integrations.entities import (
    XAPI_EVENT_TYPES,
    Delivery,
    DeliveryStatus,
    Sink,
    Webhook,
)
from lms_domain.integrations.ports import ClaimedTry
from lms_domain.shared.events import Event, EventType
from lms_domain.shared.ids import time_ordered_id
from lms_domain.shared.pagination import PageRequest

__all__ = [
    "Outbox",
    "SqlActivityNames",
    "SqlDeliveryRepository",
    "SqlEventLog",
    "SqlWebhookRepository",
]

_WAITING = (DeliveryStatus.PENDING.value, DeliveryStatus.FAILED.value)
_OVER = (DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD)


@dataclass
class Outbox:
    """A unit of work's outbox settings and what it made: ``xapi`` says whether events of the xAPI
    types get a delivery to the learning record store; ``made`` collects new deliveries' ids."""

    xapi: bool = False
    made: list[UUID] = field(default_factory=list)


def _event(row: Any) -> Event:
    return Event(id=row.id, type=EventType(row.type), occurred_at=row.occurred_at, data=dict(row.data))


def new_delivery(event: Event, *, sink: Sink, webhook_id: UUID | None) -> Delivery:
    return Delivery.pending(event, id=time_ordered_id(), sink=sink, webhook_id=webhook_id)


_INSERT_EVENT = built_once(
    lambda id, type, occurred_at, data: insert(events).values(
        id=id, type=type, occurred_at=occurred_at, data=data
    )
)
_SUBSCRIBERS_OF_TYPES = (
    select(webhook_subscriptions.c.webhook_id, webhook_subscriptions.c.event_type)
    .join(webhooks, webhooks.c.id == webhook_subscriptions.c.webhook_id)
    .where(
        webhook_subscriptions.c.event_type.in_(bindparam("event_types", expanding=True)), webhooks.c.is_active
    )
    .order_by(webhook_subscriptions.c.webhook_id)
)
_EVENT_BY_ID = built_once(lambda event_id: select(events).where(events.c.id == event_id))


# The event and its deliveries in one round trip (PostgreSQL: data-modifying CTEs; the foreign key
# from the deliveries to the event is checked at the statement's end), in the driver's own
# parameter style: it runs on the driver's connection (``_record_on_driver``).
_RECORD_PG = """
WITH event AS (
    INSERT INTO events (id, type, occurred_at, data) VALUES (%(id)s, %(type)s, %(at)s, %(data)s)
), made AS (
    INSERT INTO deliveries (id, event_id, event_type, sink, webhook_id, status, attempts,
                            next_attempt_at, created_at)
    SELECT gen_random_uuid(), %(id)s, %(type)s, 'webhook', s.webhook_id, 'pending', 0, %(at)s, %(at)s
    FROM webhook_subscriptions AS s JOIN webhooks AS w ON w.id = s.webhook_id
    WHERE s.event_type = %(type)s AND w.is_active
    UNION ALL
    SELECT gen_random_uuid(), %(id)s, %(type)s, 'xapi', NULL, 'pending', 0, %(at)s, %(at)s
    WHERE %(xapi)s
    RETURNING id
)
SELECT id FROM made
"""


async def _record_on_driver(connection: AsyncConnection, event: Event, *, xapi: bool) -> list[UUID]:
    """``_RECORD_PG`` for ``event`` on the psycopg connection under ``connection``, in its
    transaction; the new deliveries' ids."""
    params = {
        "id": event.id,
        "type": event.type.value,
        "at": event.occurred_at.astimezone(UTC),
        "data": json.dumps(dict(event.data)),
        "xapi": xapi,
    }
    return [row[0] for row in await rows_on_driver(connection, _RECORD_PG, params)]


class SqlEventLog:
    def __init__(self, connection: AsyncConnection, outbox: Outbox) -> None:
        self._connection, self._outbox = connection, outbox

    async def record(self, event: Event) -> None:
        """The event, and a delivery for each of its receivers. On PostgreSQL one statement (the
        event, then its deliveries made by the database from the subscriptions) sent on the
        driver's connection: every write that changes something records an event, and SQLAlchemy's
        way to the driver costs a write more than the insert itself does (``docs/benchmarks.md``,
        "The cost of events"). Elsewhere the event, a read of the subscribers, and an insert of
        the deliveries when there are any."""
        if self._connection.dialect.name == "postgresql":
            xapi = self._outbox.xapi and event.type in XAPI_EVENT_TYPES
            self._outbox.made.extend(await _record_on_driver(self._connection, event, xapi=xapi))
            return
        await self.record_many([event])

    async def record_many(self, batch: Sequence[Event]) -> None:
        """Three statements on both databases, however many events: the events, one read of the
        subscribers of their types, and the deliveries."""
        if not batch:
            return
        await self._connection.execute(
            insert(events),
            [
                {"id": e.id, "type": e.type.value, "occurred_at": e.occurred_at, "data": dict(e.data)}
                for e in batch
            ],
        )
        types = sorted({e.type.value for e in batch})
        subscribers: dict[str, list[UUID]] = {}
        for row in await self._connection.execute(_SUBSCRIBERS_OF_TYPES, {"event_types": types}):
            subscribers.setdefault(row.event_type, []).append(row.webhook_id)
        made: list[Delivery] = []
        for event in batch:
            made.extend(
                new_delivery(event, sink=Sink.WEBHOOK, webhook_id=hook)
                for hook in subscribers.get(event.type.value, ())
            )
            if self._outbox.xapi and event.type in XAPI_EVENT_TYPES:
                made.append(new_delivery(event, sink=Sink.XAPI, webhook_id=None))
        if made:
            await self._connection.execute(insert(deliveries), [delivery_row(d) for d in made])
            self._outbox.made.extend(d.id for d in made)

    async def store(self, event: Event) -> None:
        """The event alone, with no delivery."""
        values = {"id": event.id, "type": event.type.value, "occurred_at": event.occurred_at}
        await self._connection.execute(_INSERT_EVENT(), {**values, "data": dict(event.data)})

    async def get(self, event_id: UUID) -> Event | None:
        row = (await self._connection.execute(_EVENT_BY_ID(), {"event_id": event_id})).first()
        return _event(row) if row else None


def _webhook_row(webhook: Webhook) -> dict[str, Any]:
    return {
        "id": webhook.id,
        "url": webhook.url,
        "description": webhook.description,
        "secret": webhook.secret,
        "is_active": webhook.is_active,
        "created_at": webhook.created_at,
        "updated_at": webhook.updated_at,
    }


class SqlWebhookRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def _types(self, ids: Sequence[UUID]) -> dict[UUID, list[EventType]]:
        found: dict[UUID, list[EventType]] = {webhook_id: [] for webhook_id in ids}
        if not ids:
            return found
        rows = await self._connection.execute(
            select(webhook_subscriptions.c.webhook_id, webhook_subscriptions.c.event_type)
            .where(webhook_subscriptions.c.webhook_id.in_(ids))
            .order_by(webhook_subscriptions.c.webhook_id, webhook_subscriptions.c.position)
        )
        for row in rows:
            found[row.webhook_id].append(EventType(row.event_type))
        return found

    @staticmethod
    def _webhook(row: Any, types: Sequence[EventType]) -> Webhook:
        return Webhook(
            id=row.id,
            url=row.url,
            events=list(types),
            description=row.description,
            secret=row.secret,
            is_active=row.is_active,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def get(self, webhook_id: UUID, *, for_update: bool = False) -> Webhook | None:
        statement = select(webhooks).where(webhooks.c.id == webhook_id)
        if for_update:
            statement = statement.with_for_update(key_share=True)
        row = (await self._connection.execute(statement)).first()
        if row is None:
            return None
        return self._webhook(row, (await self._types([row.id]))[row.id])

    async def list(self, *, page: PageRequest) -> tuple[Sequence[Webhook], int]:
        statement = paged(
            select(webhooks).order_by(webhooks.c.created_at.desc(), webhooks.c.id),
            select(func.count()).select_from(webhooks),
        )
        rows, total = await page_of(
            self._connection, statement, select(func.count()).select_from(webhooks), {}, page
        )
        types = await self._types([row.id for row in rows])
        return [self._webhook(row, types[row.id]) for row in rows], total

    async def add(self, webhook: Webhook) -> None:
        await self._connection.execute(insert(webhooks).values(**_webhook_row(webhook)))
        await self._subscribe(webhook)

    async def _subscribe(self, webhook: Webhook) -> None:
        await self._connection.execute(
            insert(webhook_subscriptions),
            [
                {"webhook_id": webhook.id, "event_type": t.value, "position": i}
                for i, t in enumerate(dict.fromkeys(webhook.events))
            ],
        )

    async def update(self, webhook: Webhook) -> None:
        row = _webhook_row(webhook)
        del row["id"], row["created_at"]
        await self._connection.execute(update(webhooks).where(webhooks.c.id == webhook.id).values(**row))
        await self._connection.execute(
            delete(webhook_subscriptions).where(webhook_subscriptions.c.webhook_id == webhook.id)
        )
        await self._subscribe(webhook)
        if not webhook.is_active:
            await self._connection.execute(
                update(deliveries)
                .where(deliveries.c.webhook_id == webhook.id, deliveries.c.status.in_(_WAITING))
                .values(
                    status=DeliveryStatus.DEAD.value,
                    next_attempt_at=None,
                    last_error="The webhook was deactivated",
                )
            )

    async def delete(self, webhook_id: UUID) -> None:
        await self._connection.execute(delete(webhooks).where(webhooks.c.id == webhook_id))


_ACTIVE_TARGET = or_(
    deliveries.c.webhook_id.is_(None),
    exists().where(webhooks.c.id == deliveries.c.webhook_id, webhooks.c.is_active),
)


class SqlDeliveryRepository:
    def __init__(self, connection: AsyncConnection, outbox: Outbox) -> None:
        self._connection, self._outbox = connection, outbox

    async def get(self, webhook_id: UUID, delivery_id: UUID) -> Delivery | None:
        row = (
            await self._connection.execute(
                select(deliveries).where(
                    deliveries.c.id == delivery_id, deliveries.c.webhook_id == webhook_id
                )
            )
        ).first()
        return delivery_from_row(row) if row else None

    async def list_for_webhook(
        self, webhook_id: UUID, *, status: DeliveryStatus | None, page: PageRequest
    ) -> tuple[Sequence[Delivery], int]:
        where = [deliveries.c.webhook_id == webhook_id]
        if status is not None:
            where.append(deliveries.c.status == status.value)
        statement = select(deliveries).where(*where).order_by(deliveries.c.created_at.desc(), deliveries.c.id)
        count = select(func.count()).select_from(deliveries).where(*where)
        rows, total = await page_of(self._connection, paged(statement, count), count, {}, page)
        return [delivery_from_row(row) for row in rows], total

    async def add(self, delivery: Delivery) -> None:
        await self._connection.execute(insert(deliveries).values(**delivery_row(delivery)))
        self._outbox.made.append(delivery.id)

    async def claim(
        self, delivery_id: UUID, *, now: datetime, until: datetime, force: bool
    ) -> ClaimedTry | None:
        conditions = [
            deliveries.c.id == delivery_id,
            or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < now),
            _ACTIVE_TARGET,
        ]
        if not force:
            conditions += [deliveries.c.status.in_(_WAITING), deliveries.c.next_attempt_at <= now]
        claimed = (
            await self._connection.execute(
                update(deliveries).where(*conditions).values(claimed_until=until).returning(*deliveries.c)
            )
        ).first()
        if claimed is None:
            return None
        delivery = delivery_from_row(claimed)
        if delivery.sink is Sink.MAIL:
            message = await mail_message(self._connection, delivery.id)
            return None if message is None else ClaimedTry(delivery, None, None, None, mail=message)
        row = (await self._connection.execute(_EVENT_BY_ID(), {"event_id": delivery.event_id})).first()
        if row is None:  # the event cascades away only with its deliveries
            return None
        url = secret = None
        if delivery.webhook_id is not None:
            hook = (
                await self._connection.execute(
                    select(webhooks.c.url, webhooks.c.secret).where(webhooks.c.id == delivery.webhook_id)
                )
            ).first()
            if hook is None:
                return None
            url, secret = hook.url, hook.secret
        return ClaimedTry(delivery=delivery, event=_event(row), url=url, secret=secret)

    async def live_claim(self, delivery_id: UUID, *, now: datetime) -> datetime | None:
        found = await self._connection.execute(
            select(deliveries.c.claimed_until).where(
                deliveries.c.id == delivery_id, deliveries.c.claimed_until >= now
            )
        )
        value: datetime | None = found.scalar_one_or_none()
        return value

    async def finish(self, delivery: Delivery) -> None:
        row = delivery_row(delivery)
        del row["id"], row["event_id"], row["event_type"], row["sink"], row["webhook_id"], row["created_at"]
        await self._connection.execute(
            update(deliveries).where(deliveries.c.id == delivery.id).values(**row, claimed_until=None)
        )
        if delivery.sink is Sink.MAIL and delivery.status in _OVER:
            await self._connection.execute(
                delete(mail_messages).where(mail_messages.c.delivery_id == delivery.id)
            )

    async def due(self, *, now: datetime, limit: int) -> Sequence[tuple[UUID, datetime]]:
        rows = await self._connection.execute(
            select(deliveries.c.id, deliveries.c.next_attempt_at)
            .where(
                deliveries.c.status.in_(_WAITING),
                deliveries.c.next_attempt_at.is_not(None),
                or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < now),
                _ACTIVE_TARGET,
            )
            .order_by(deliveries.c.next_attempt_at)
            .limit(limit)
        )
        return [(row.id, row.next_attempt_at) for row in rows]


class SqlActivityNames:
    """Titles of courses, lessons and quizzes for xAPI statements: one short read each."""

    _TABLES: ClassVar[dict[str, Table]] = {"course": courses, "lesson": lessons, "quiz": quizzes}

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def title(self, kind: str, activity_id: UUID) -> str | None:
        table = self._TABLES[kind]
        async with self._engine.connect() as connection:
            found = await connection.execute(select(table.c.title).where(table.c.id == activity_id))
            value: str | None = found.scalar_one_or_none()
        return value

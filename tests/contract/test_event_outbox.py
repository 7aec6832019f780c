"""The outbox (``events``), WebhookRepository and DeliveryRepository on memory, SQLite and PostgreSQL.

Recording an event writes it and its deliveries in the unit of work's transaction (one per active
webhook subscribed to its type, one for the learning record store when the unit is built with
``xapi=True`` and the type is an xAPI one); the ``committed`` hook hears of the new deliveries once
the unit commits. Deliveries are claimed for one try, finished, and swept; a claim is taken by
exactly one of any number of units racing for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.uow import Committed, SqlUnitOfWork
from lms_domain.integrations.entities import (
    XAPI_EVENT_TYPES,
    Delivery,
    DeliveryStatus,
    Sink,
    TryOutcome,
    Webhook,
)
from lms_domain.integrations.ports import ClaimedTry
from lms_domain.shared.events import Event, EventType
from lms_domain.shared.pagination import PageRequest
from tests.conftest import needs_pg
from tests.contract.catalog_data import NOW, at

CLAIM = timedelta(seconds=40)
ALL = PageRequest(page_size=100)
LATER = NOW + timedelta(days=365)


@dataclass(frozen=True)
class Units:
    """Units of work over one fresh store, built with the outbox options (``xapi``, ``committed``)."""

    backend: str
    make: Callable[..., Any]

    def __call__(self, *, xapi: bool = False, committed: Committed | None = None) -> Any:
        return self.make(xapi=xapi, committed=committed)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=needs_pg)])
async def units(request: pytest.FixtureRequest) -> AsyncIterator[Units]:
    if request.param == "memory":
        state = MemoryState()
        yield Units("memory", lambda **options: MemoryUnitOfWork(state, **options))
        return
    url: str = request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")
    engine = make_engine(url)
    yield Units(request.param, lambda **options: SqlUnitOfWork(engine, **options))
    await engine.dispose()


@dataclass
class Hook:
    """A ``committed`` hook that keeps each call's ids, and which of them another unit saw then."""

    units: Units | None = None
    calls: list[list[uuid.UUID]] = field(default_factory=list)
    visible: list[set[uuid.UUID]] = field(default_factory=list)

    async def __call__(self, ids: Sequence[uuid.UUID]) -> None:
        self.calls.append(list(ids))
        if self.units is not None:  # what is committed is there for any other unit to read
            async with self.units() as uow:
                self.visible.append({found for found, _ in await uow.deliveries.due(now=LATER, limit=100)})


def webhook(*events: EventType, active: bool = True, offset: int = 0) -> Webhook:
    hook_id = uuid.uuid4()
    return Webhook(
        id=hook_id,
        url=f"https://receiver.example/{hook_id.hex}",
        events=list(events or [EventType.ENROLLMENT_CREATED]),
        description="a receiver",
        secret=f"whsec_{hook_id.hex}",
        is_active=active,
        created_at=at(offset),
        updated_at=at(offset),
    )


def event(type_: EventType = EventType.ENROLLMENT_CREATED, offset: int = 0) -> Event:
    return Event.of(type_, at=at(offset), enrollment_id=uuid.uuid4(), course_id=uuid.uuid4())


def delivery(
    of: Event,
    webhook_id: uuid.UUID | None,
    *,
    status: DeliveryStatus = DeliveryStatus.PENDING,
    due: datetime | None = NOW,
    created: datetime = NOW,
    attempts: int = 0,
) -> Delivery:
    return Delivery(
        id=uuid.uuid4(),
        event_id=of.id,
        event_type=of.type,
        sink=Sink.WEBHOOK if webhook_id else Sink.XAPI,
        webhook_id=webhook_id,
        status=status,
        attempts=attempts,
        last_status_code=200 if status is DeliveryStatus.SUCCEEDED else None,
        last_error="The receiver answered 500"
        if status in (DeliveryStatus.FAILED, DeliveryStatus.DEAD)
        else None,
        next_attempt_at=due,
        created_at=created,
        delivered_at=created if status is DeliveryStatus.SUCCEEDED else None,
    )


async def added(units: Units, *hooks: Webhook) -> None:
    async with units() as uow:
        for hook in hooks:
            await uow.webhooks.add(hook)
        await uow.commit()


async def with_deliveries(units: Units, of: Event, *made: Delivery) -> None:
    """The event alone (``store``), and deliveries of it written as given."""
    async with units() as uow:
        await uow.events.store(of)
        for d in made:
            await uow.deliveries.add(d)
        await uow.commit()


async def recorded(units: Units, *events: Event, xapi: bool = False) -> None:
    async with units(xapi=xapi) as uow:
        for e in events:
            await uow.events.record(e)
        await uow.commit()


async def of_webhook(units: Units, hook: Webhook) -> list[Delivery]:
    async with units() as uow:
        found, total = await uow.deliveries.list_for_webhook(hook.id, status=None, page=ALL)
    assert total == len(found)
    return list(found)


async def waiting(units: Units, now: datetime = LATER) -> list[uuid.UUID]:
    async with units() as uow:
        return [found for found, _ in await uow.deliveries.due(now=now, limit=100)]


async def claim(
    units: Units, delivery_id: uuid.UUID, now: datetime, *, force: bool = False
) -> ClaimedTry | None:
    """One claim in its own unit of work, committed."""
    async with units() as uow:
        claimed: ClaimedTry | None = await uow.deliveries.claim(
            delivery_id, now=now, until=now + CLAIM, force=force
        )
        await uow.commit()
    return claimed


async def finish(units: Units, done: Delivery) -> None:
    async with units() as uow:
        await uow.deliveries.finish(done)
        await uow.commit()


# recording


async def test_a_recorded_event_reads_back_equal_with_its_json_values(units: Units) -> None:
    data: dict[str, object] = {
        "text": "Ünïcode — \"quoted\" \\ and 'single'",
        "sql": "'); DROP TABLE events; -- 100% {braces} %(id)s $1 \n\t\x00 ''",
        "empty": "",
        "int": 42,
        "negative": -7,
        "big": 2**53 + 1,
        "float": 0.1,
        "zero": 0,
        "true": True,
        "false": False,
        "none": None,
        "list": [1, "two", None, False, {"deep": None}],
        "nested": {"a": {"b": None, "c": [], "d": {}}, "score": 87.5},
    }
    first = Event(type=EventType.ATTEMPT_GRADED, occurred_at=NOW + timedelta(microseconds=123456), data=data)
    second = Event.of(EventType.USER_ERASED, at=at(5), user_id=uuid.uuid4())
    async with units() as uow:
        await uow.events.record(first)
        await uow.events.record(second)
        await uow.commit()
    async with units() as uow:
        got = await uow.events.get(first.id)
        other = await uow.events.get(second.id)
        assert await uow.events.get(uuid.uuid4()) is None
    assert got == first
    assert got is not None and got.data == data and got.to_json() == first.to_json()
    assert [type(got.data[key]) for key in data] == [type(value) for value in data.values()]
    assert other == second
    assert other is not None and other.occurred_at.utcoffset() == timedelta(0)
    assert isinstance(other.data["user_id"], str)


async def test_an_event_that_cannot_be_written_undoes_its_whole_unit(units: Units) -> None:
    """A write of the outbox that fails (here an event id already taken) fails the unit of work:
    nothing of the unit stays, and the committed hook hears nothing (on PostgreSQL the event is
    written on the driver's connection: its error is SQLAlchemy's, as any other statement's)."""
    if units.backend == "memory":
        pytest.skip("the memory outbox keeps events by id without a uniqueness rule to break")
    taken = event()
    await recorded(units, taken)
    hook, committed = webhook(EventType.ENROLLMENT_CREATED), Hook()

    async def the_unit() -> None:
        async with units(committed=committed) as uow:
            await uow.webhooks.add(hook)
            await uow.events.record(event())
            await uow.events.record(dataclasses.replace(event(), id=taken.id))
            await uow.commit()

    with pytest.raises(DBAPIError):
        await the_unit()
    async with units() as uow:
        assert await uow.webhooks.get(hook.id) is None
    assert committed.calls == []


@pytest.mark.parametrize("how", ["no commit", "an error"])
async def test_a_rolled_back_unit_leaves_no_event_no_delivery_and_calls_nothing(
    units: Units, how: str
) -> None:
    hook = webhook(EventType.ENROLLMENT_CREATED)
    await added(units, hook)
    committed = Hook()
    lost = event(EventType.ENROLLMENT_CREATED)
    with pytest.raises(RuntimeError) if how == "an error" else contextlib.nullcontext():
        async with units(xapi=True, committed=committed) as uow:
            await uow.events.record(lost)
            await uow.events.store(event(EventType.USER_REGISTERED))
            if how == "an error":
                raise RuntimeError("the use case failed")
    async with units() as uow:
        assert await uow.events.get(lost.id) is None
    assert await of_webhook(units, hook) == []
    assert await waiting(units) == []
    assert committed.calls == []


async def test_committed_hears_exactly_the_new_deliveries_once_committed(units: Units) -> None:
    one, two = (
        webhook(EventType.ENROLLMENT_CREATED),
        webhook(EventType.ENROLLMENT_CREATED, EventType.USER_ERASED),
    )
    await added(units, one, two)
    committed = Hook(units)
    enrolled, erased, alone = event(EventType.ENROLLMENT_CREATED), event(EventType.USER_ERASED), event()
    extra = delivery(alone, one.id)
    async with units(xapi=True, committed=committed) as uow:
        await uow.events.record(enrolled)  # one, two and the learning record store
        await uow.events.record(erased)  # two
        await uow.events.store(alone)
        await uow.deliveries.add(extra)  # a delivery made by hand counts too
        await uow.events.record(event(EventType.COURSE_PUBLISHED))  # nobody listens
        await uow.commit()
        # SQL calls the hook in commit(), memory when the unit is left: both after the commit
    made = set(await waiting(units))
    assert len(made) == 5
    assert len(committed.calls) == 1
    assert sorted(committed.calls[0]) == sorted(made)
    assert committed.visible == [made]

    async with units(xapi=True, committed=committed) as uow:  # deliveries made by nothing
        await uow.events.record(event(EventType.COURSE_PUBLISHED))
        await uow.events.record(event(EventType.WEBHOOK_TEST))
        await uow.events.store(event(EventType.ENROLLMENT_CREATED))
        await uow.commit()
    async with units(xapi=True, committed=committed) as uow:  # a commit with no change at all
        await uow.commit()
    assert len(committed.calls) == 1

    later = event(EventType.USER_ERASED, offset=60)
    async with units(committed=committed) as uow:
        await uow.events.record(later)
        await uow.commit()
    fresh = [d.id for d in await of_webhook(units, two) if d.event_id == later.id]
    assert committed.calls[1:] == [fresh]


async def test_only_active_webhooks_subscribed_to_the_type_get_a_delivery(units: Units) -> None:
    wants = webhook(EventType.LESSON_COMPLETED, EventType.ENROLLMENT_CREATED)
    also = webhook(EventType.ENROLLMENT_CREATED)
    other_type = webhook(EventType.LESSON_COMPLETED, EventType.ENROLLMENT_COMPLETED)
    inactive = webhook(EventType.ENROLLMENT_CREATED, active=False)
    await added(units, wants, also, other_type, inactive)
    enrolled = event(EventType.ENROLLMENT_CREATED, offset=30)
    await recorded(units, enrolled)
    assert await of_webhook(units, other_type) == []
    assert await of_webhook(units, inactive) == []
    made = [*(await of_webhook(units, wants)), *(await of_webhook(units, also))]
    assert [(d.webhook_id, d.sink) for d in made] == [(wants.id, Sink.WEBHOOK), (also.id, Sink.WEBHOOK)]
    for d in made:
        assert (d.event_id, d.event_type, d.status, d.attempts) == (
            enrolled.id,
            EventType.ENROLLMENT_CREATED,
            DeliveryStatus.PENDING,
            0,
        )
        assert (d.last_status_code, d.last_error, d.delivered_at) == (None, None, None)
        assert d.next_attempt_at is not None and d.next_attempt_at <= enrolled.occurred_at
    # due as soon as the event occurred
    assert sorted(await waiting(units, enrolled.occurred_at)) == sorted(d.id for d in made)


@pytest.mark.parametrize("xapi", [False, True])
async def test_an_xapi_delivery_only_with_xapi_and_only_for_its_four_types(units: Units, xapi: bool) -> None:
    assert {str(t) for t in XAPI_EVENT_TYPES} == {
        "enrollment.created",
        "lesson.completed",
        "enrollment.completed",
        "attempt.graded",
    }
    events = {t: event(t) for t in EventType}
    await recorded(units, *events.values(), xapi=xapi)
    found: dict[EventType, ClaimedTry] = {}
    for delivery_id in await waiting(units):
        claimed = await claim(units, delivery_id, NOW, force=True)
        assert claimed is not None and claimed.event is not None
        found[claimed.event.type] = claimed
    assert set(found) == (set(XAPI_EVENT_TYPES) if xapi else set())
    for type_, claimed in found.items():
        assert claimed.delivery.sink is Sink.XAPI and claimed.delivery.webhook_id is None
        assert claimed.delivery.event_id == events[type_].id
        assert claimed.event == events[type_]


async def test_record_many_stores_each_event_with_a_delivery_per_active_subscriber(units: Units) -> None:
    wants = webhook(EventType.ENROLLMENT_CREATED, EventType.USER_ERASED)
    also = webhook(EventType.ENROLLMENT_CREATED)
    other_type = webhook(EventType.LESSON_COMPLETED)
    inactive = webhook(EventType.ENROLLMENT_CREATED, EventType.USER_ERASED, active=False)
    await added(units, wants, also, other_type, inactive)
    batch = [
        event(EventType.ENROLLMENT_CREATED, offset=10),
        event(EventType.USER_ERASED, offset=11),
        event(EventType.ENROLLMENT_CREATED, offset=12),
        event(EventType.COURSE_PUBLISHED, offset=13),  # nobody listens
    ]
    committed = Hook(units)
    async with units(committed=committed) as uow:
        await uow.events.record_many(batch)
        await uow.commit()
    async with units() as uow:
        assert [await uow.events.get(e.id) for e in batch] == batch
    assert await of_webhook(units, other_type) == []
    assert await of_webhook(units, inactive) == []
    got = {hook.id: await of_webhook(units, hook) for hook in (wants, also)}
    assert sorted(str(d.event_id) for d in got[wants.id]) == sorted(str(e.id) for e in batch[:3])
    assert sorted(str(d.event_id) for d in got[also.id]) == sorted(str(e.id) for e in (batch[0], batch[2]))
    by_id = {e.id: e for e in batch}
    made = [*got[wants.id], *got[also.id]]
    for d in made:
        assert d.event_id is not None
        occurred = by_id[d.event_id]
        assert (d.sink, d.event_type, d.status, d.attempts) == (
            Sink.WEBHOOK,
            occurred.type,
            DeliveryStatus.PENDING,
            0,
        )
        assert (d.last_status_code, d.last_error, d.delivered_at) == (None, None, None)
        assert d.next_attempt_at is not None and d.next_attempt_at <= occurred.occurred_at
    assert sorted(await waiting(units)) == sorted(d.id for d in made)
    assert len(committed.calls) == 1
    assert sorted(committed.calls[0]) == sorted(d.id for d in made)
    assert committed.visible == [{d.id for d in made}]


@pytest.mark.parametrize("xapi", [False, True])
async def test_record_many_makes_xapi_deliveries_only_with_xapi_for_its_types(
    units: Units, xapi: bool
) -> None:
    events = {t: event(t) for t in EventType}
    async with units(xapi=xapi) as uow:
        await uow.events.record_many(list(events.values()))
        await uow.commit()
    found: dict[EventType, ClaimedTry] = {}
    for delivery_id in await waiting(units):
        claimed = await claim(units, delivery_id, NOW, force=True)
        assert claimed is not None and claimed.event is not None
        assert claimed.event.type not in found  # one per event
        found[claimed.event.type] = claimed
    assert set(found) == (set(XAPI_EVENT_TYPES) if xapi else set())
    for type_, claimed in found.items():
        assert claimed.delivery.sink is Sink.XAPI and claimed.delivery.webhook_id is None
        assert claimed.event == events[type_]


async def test_record_many_of_nothing_does_nothing(units: Units) -> None:
    everything = webhook(*EventType)
    await added(units, everything)
    committed = Hook()
    async with units(xapi=True, committed=committed) as uow:
        await uow.events.record_many([])
        await uow.commit()
    assert await of_webhook(units, everything) == []
    assert await waiting(units) == []
    assert committed.calls == []


async def test_store_writes_the_event_and_makes_no_delivery(units: Units) -> None:
    everything = webhook(*EventType)
    await added(units, everything)
    committed = Hook()
    stored = [event(t) for t in EventType]
    async with units(xapi=True, committed=committed) as uow:
        for e in stored:
            await uow.events.store(e)
        await uow.commit()
    async with units() as uow:
        assert [await uow.events.get(e.id) for e in stored] == stored
    assert await of_webhook(units, everything) == []
    assert await waiting(units) == []
    assert committed.calls == []


# webhooks


async def test_webhook_add_and_get(units: Units) -> None:
    hook = webhook(EventType.CERTIFICATE_ISSUED, EventType.USER_REGISTERED, EventType.ATTEMPT_GRADED)
    quiet = webhook(EventType.USER_ERASED, active=False)
    await added(units, hook, quiet)
    async with units() as uow:
        assert await uow.webhooks.get(hook.id) == hook
        assert await uow.webhooks.get(hook.id, for_update=True) == hook
        assert await uow.webhooks.get(quiet.id) == quiet
        assert await uow.webhooks.get(uuid.uuid4()) is None
    async with units() as uow:  # not committed: not there
        await uow.webhooks.add(webhook())
        gone = webhook()
        await uow.webhooks.add(gone)
    async with units() as uow:
        assert await uow.webhooks.get(gone.id) is None


async def test_webhook_list_is_newest_first_with_paging_and_total(units: Units) -> None:
    async with units() as uow:
        assert await uow.webhooks.list(page=PageRequest()) == ([], 0)
    hooks = [webhook(offset=n) for n in range(5)]
    tied = sorted([webhook(offset=2), hooks[2]], key=lambda h: h.id)  # same time: by id
    hooks[2] = tied[0]
    hooks.append(tied[1])
    await added(units, *hooks)
    async with units() as uow:
        first, total = await uow.webhooks.list(page=PageRequest(page=1, page_size=4))
        rest, rest_total = await uow.webhooks.list(page=PageRequest(page=2, page_size=4))
        past = await uow.webhooks.list(page=PageRequest(page=3, page_size=4))
    assert (total, rest_total, past) == (6, 6, ([], 6))
    expected = [hooks[4], hooks[3], tied[0], tied[1], hooks[1], hooks[0]]
    assert [*first, *rest] == expected


async def test_webhook_update_replaces_fields_and_events_in_order_each_once(units: Units) -> None:
    hook = webhook(EventType.USER_REGISTERED, EventType.COURSE_PUBLISHED)
    other = webhook(EventType.USER_REGISTERED)
    await added(units, hook, other)
    changed = dataclasses.replace(
        hook,
        url="https://elsewhere.example/in",
        events=[EventType.CERTIFICATE_REVOKED, EventType.USER_REGISTERED, EventType.CERTIFICATE_REVOKED],
        description="moved",
        secret="whsec_rotated",
        updated_at=at(90),
    )
    async with units() as uow:
        await uow.webhooks.update(changed)
        await uow.commit()
    expected = dataclasses.replace(changed, events=[EventType.CERTIFICATE_REVOKED, EventType.USER_REGISTERED])
    async with units() as uow:
        assert await uow.webhooks.get(hook.id) == expected
        assert await uow.webhooks.get(other.id) == other
        listed, _ = await uow.webhooks.list(page=ALL)
    assert expected in listed
    # the new events are what it receives
    published, revoked = event(EventType.COURSE_PUBLISHED), event(EventType.CERTIFICATE_REVOKED)
    await recorded(units, published, revoked)
    assert [d.event_id for d in await of_webhook(units, hook)] == [revoked.id]


async def test_deleting_a_webhook_deletes_its_deliveries(units: Units) -> None:
    gone, kept = webhook(), webhook()
    await added(units, gone, kept)
    first, second = event(offset=1), event(offset=2)
    await recorded(units, first, second)
    doomed = await of_webhook(units, gone)
    assert len(doomed) == 2
    async with units() as uow:
        await uow.webhooks.delete(gone.id)
        await uow.webhooks.delete(uuid.uuid4())  # nothing to delete: no error
        await uow.commit()
    async with units() as uow:
        assert await uow.webhooks.get(gone.id) is None
        assert await uow.deliveries.list_for_webhook(gone.id, status=None, page=ALL) == ([], 0)
        assert await uow.deliveries.get(gone.id, doomed[0].id) is None
        assert await uow.events.get(first.id) == first  # the events stay
    assert len(await of_webhook(units, kept)) == 2
    assert sorted(await waiting(units)) == sorted(d.id for d in await of_webhook(units, kept))
    for d in doomed:
        assert await claim(units, d.id, LATER, force=True) is None


async def test_deactivating_a_webhook_kills_its_waiting_deliveries(units: Units) -> None:
    hook, bystander = webhook(), webhook()
    await added(units, hook, bystander)
    happened = event()
    pending = delivery(happened, hook.id, created=at(1))
    failed = delivery(happened, hook.id, status=DeliveryStatus.FAILED, due=at(60), attempts=2, created=at(2))
    succeeded = delivery(
        happened, hook.id, status=DeliveryStatus.SUCCEEDED, due=None, attempts=1, created=at(3)
    )
    dead = delivery(happened, hook.id, status=DeliveryStatus.DEAD, due=None, attempts=9, created=at(4))
    untouched = delivery(happened, bystander.id)
    await with_deliveries(units, happened, pending, failed, succeeded, dead, untouched)
    async with units() as uow:
        await uow.webhooks.update(dataclasses.replace(hook, is_active=False, updated_at=at(100)))
        await uow.commit()
    after = {d.id: d for d in await of_webhook(units, hook)}
    for before in (pending, failed):
        now = after[before.id]
        assert now.status is DeliveryStatus.DEAD
        assert now.last_error and now.last_error != before.last_error
        assert now.next_attempt_at is None
        assert (now.attempts, now.last_status_code, now.delivered_at) == (
            before.attempts,
            before.last_status_code,
            before.delivered_at,
        )
    assert after[succeeded.id] == succeeded
    assert after[dead.id] == dead
    assert await of_webhook(units, bystander) == [untouched]
    assert await waiting(units) == [untouched.id]
    # active again: what died stays dead
    async with units() as uow:
        await uow.webhooks.update(dataclasses.replace(hook, is_active=True, updated_at=at(200)))
        await uow.commit()
    assert {d.id: d.status for d in await of_webhook(units, hook)}[pending.id] is DeliveryStatus.DEAD
    assert await waiting(units) == [untouched.id]


# deliveries: claims


async def test_a_claim_carries_the_delivery_the_event_and_the_webhooks_address(units: Units) -> None:
    hook = webhook()
    await added(units, hook)
    happened = event()
    await recorded(units, happened, xapi=True)
    [made] = await of_webhook(units, hook)
    claimed = await claim(units, made.id, at(1))
    assert claimed == ClaimedTry(delivery=made, event=happened, url=hook.url, secret=hook.secret)
    assert len(await waiting(units, at(2))) == 1  # the claimed one waits no more; the xAPI one does
    assert made.id not in await waiting(units, at(2))
    assert await claim(units, made.id, at(2)) is None


async def test_an_xapi_delivery_is_claimed_without_an_address(units: Units) -> None:
    happened = event(EventType.LESSON_COMPLETED)
    await recorded(units, happened, xapi=True)
    [xapi_id] = await waiting(units)
    claimed = await claim(units, xapi_id, at(1))
    assert claimed is not None
    assert (claimed.url, claimed.secret, claimed.event) == (None, None, happened)
    assert (claimed.delivery.id, claimed.delivery.sink, claimed.delivery.webhook_id) == (
        xapi_id,
        Sink.XAPI,
        None,
    )


async def test_a_delivery_not_yet_due_is_claimed_only_when_forced(units: Units) -> None:
    hook = webhook()
    await added(units, hook)
    happened = event()
    later = delivery(happened, hook.id, status=DeliveryStatus.FAILED, due=at(60), attempts=1)
    await with_deliveries(units, happened, later)
    assert await claim(units, later.id, at(59)) is None
    claimed = await claim(units, later.id, at(59), force=True)
    assert claimed is not None and claimed.delivery == later


async def test_a_due_delivery_is_claimed_at_or_after_its_time(units: Units) -> None:
    hook = webhook()
    await added(units, hook)
    happened = event()
    exactly, after = delivery(happened, hook.id, due=at(60)), delivery(happened, hook.id, due=at(10))
    failed = delivery(happened, hook.id, status=DeliveryStatus.FAILED, due=at(30), attempts=3)
    await with_deliveries(units, happened, exactly, after, failed)
    for d in (exactly, after, failed):
        claimed = await claim(units, d.id, at(60))
        assert claimed is not None and claimed.delivery == d


@pytest.mark.parametrize("status", [DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD])
async def test_a_finished_delivery_is_claimed_only_when_forced(units: Units, status: DeliveryStatus) -> None:
    hook = webhook()
    await added(units, hook)
    happened = event()
    over = delivery(happened, hook.id, status=status, due=None, attempts=4)
    over_but_dated = delivery(happened, hook.id, status=status, due=NOW, attempts=4)
    await with_deliveries(units, happened, over, over_but_dated)
    for d in (over, over_but_dated):
        assert await claim(units, d.id, at(10)) is None
        claimed = await claim(units, d.id, at(10), force=True)
        assert claimed is not None and claimed.delivery == d


@pytest.mark.parametrize("force", [False, True])
async def test_a_live_claim_keeps_everyone_else_off_until_it_runs_out(units: Units, force: bool) -> None:
    hook = webhook()
    await added(units, hook)
    happened = event()
    d = delivery(happened, hook.id)
    await with_deliveries(units, happened, d)
    assert await claim(units, d.id, at(0)) is not None  # until at(0) + CLAIM
    expires = at(0) + CLAIM
    assert await claim(units, d.id, at(1), force=force) is None
    assert await claim(units, d.id, expires - timedelta(milliseconds=1), force=force) is None
    assert await claim(units, d.id, expires, force=force) is None
    claimed = await claim(units, d.id, expires + timedelta(milliseconds=1), force=force)
    assert claimed is not None and claimed.delivery == d


async def test_a_claim_is_part_of_its_unit_of_work(units: Units) -> None:
    hook = webhook()
    await added(units, hook)
    happened = event()
    d = delivery(happened, hook.id)
    await with_deliveries(units, happened, d)
    async with units() as uow:  # claimed, then rolled back: free again
        assert await uow.deliveries.claim(d.id, now=at(1), until=at(1) + CLAIM, force=False) is not None
    assert await waiting(units) == [d.id]
    assert await claim(units, d.id, at(1)) is not None


async def test_no_claim_for_an_inactive_or_deleted_webhook_or_an_unknown_delivery(units: Units) -> None:
    quiet, gone = webhook(), webhook()
    await added(units, quiet, gone)
    happened = event()
    await recorded(units, happened)
    [quiets], [gones] = await of_webhook(units, quiet), await of_webhook(units, gone)
    async with units() as uow:
        await uow.webhooks.update(dataclasses.replace(quiet, is_active=False))
        await uow.webhooks.delete(gone.id)
        await uow.commit()
    # a pending delivery of an inactive webhook (made after it was deactivated): still not claimed
    stray = delivery(happened, quiet.id)
    async with units() as uow:
        await uow.deliveries.add(stray)
        await uow.commit()
    for d in (quiets.id, stray.id, gones.id, uuid.uuid4()):
        assert await claim(units, d, at(5)) is None
        assert await claim(units, d, at(5), force=True) is None


async def test_live_claim_tells_until_when_a_running_try_holds_the_delivery(units: Units) -> None:
    hook = webhook()
    await added(units, hook)
    happened = event()
    d, free = delivery(happened, hook.id), delivery(happened, hook.id)
    await with_deliveries(units, happened, d, free)
    expires = at(1) + CLAIM
    claimed = await claim(units, d.id, at(1))
    assert claimed is not None
    async with units() as uow:
        assert await uow.deliveries.live_claim(d.id, now=at(2)) == expires
        assert await uow.deliveries.live_claim(d.id, now=expires) == expires  # claim() refuses then too
        assert await uow.deliveries.live_claim(d.id, now=expires + timedelta(milliseconds=1)) is None
        assert await uow.deliveries.live_claim(free.id, now=at(2)) is None
        assert await uow.deliveries.live_claim(uuid.uuid4(), now=at(2)) is None
    claimed.delivery.record_try(TryOutcome(200, None), now=at(3), schedule=())
    await finish(units, claimed.delivery)
    async with units() as uow:
        assert await uow.deliveries.live_claim(d.id, now=at(4)) is None


# deliveries: finishing a try


async def test_finish_writes_the_try_and_ends_the_claim(units: Units) -> None:
    hook = webhook()
    await added(units, hook)
    happened = event()
    await recorded(units, happened)
    [made] = await of_webhook(units, hook)
    claimed = await claim(units, made.id, at(1))
    assert claimed is not None
    tried = claimed.delivery
    tried.record_try(TryOutcome(503, None), now=at(2), schedule=(5,))
    await finish(units, tried)
    [stored] = await of_webhook(units, hook)
    assert stored == tried
    assert (stored.status, stored.attempts, stored.last_status_code) == (DeliveryStatus.FAILED, 1, 503)
    assert (stored.last_error, stored.next_attempt_at, stored.delivered_at) == (
        "The receiver answered 503",
        at(7),
        None,
    )
    # the claim (until at(1) + CLAIM) is over: the failed delivery is due again at(7)
    assert await waiting(units, at(7)) == [made.id]
    assert await claim(units, made.id, at(6)) is None
    again = await claim(units, made.id, at(7))
    assert again is not None and again.delivery == stored

    again.delivery.record_try(TryOutcome(204, None), now=at(8), schedule=(5,))
    await finish(units, again.delivery)
    [done] = await of_webhook(units, hook)
    assert (done.status, done.attempts, done.last_status_code, done.last_error) == (
        DeliveryStatus.SUCCEEDED,
        2,
        204,
        None,
    )
    assert (done.next_attempt_at, done.delivered_at) == (None, at(8))
    assert await waiting(units) == []
    assert await claim(units, made.id, at(9)) is None  # succeeded
    redelivered = await claim(units, made.id, at(9), force=True)  # the claim at(7) ended with finish
    assert redelivered is not None and redelivered.delivery == done

    redelivered.delivery.record_try(TryOutcome(None, "connection refused"), now=at(10), schedule=())
    await finish(units, redelivered.delivery)
    [dead] = await of_webhook(units, hook)
    assert (dead.status, dead.attempts, dead.last_status_code, dead.last_error) == (
        DeliveryStatus.DEAD,
        3,
        None,
        "connection refused",
    )
    assert (dead.next_attempt_at, dead.delivered_at) == (None, at(8))
    assert await claim(units, made.id, at(11), force=True) is not None


# deliveries: the sweep's list, the webhook's list, one delivery


async def test_due_lists_waiting_unclaimed_deliveries_of_active_targets_soonest_first(units: Units) -> None:
    hook, quiet = webhook(), webhook()
    await added(units, hook, quiet)
    happened = event()
    soon = delivery(happened, hook.id, due=at(10))
    retry = delivery(happened, hook.id, status=DeliveryStatus.FAILED, due=at(20), attempts=1)
    future = delivery(happened, hook.id, due=at(3600))  # listed: the sweep decides what is due now
    xapi = delivery(happened, None, due=at(15))
    done = delivery(happened, hook.id, status=DeliveryStatus.SUCCEEDED, due=None)
    dead = delivery(happened, hook.id, status=DeliveryStatus.DEAD, due=None)
    claimed = delivery(happened, hook.id, due=at(1))
    lapsed = delivery(happened, hook.id, due=at(2))
    await with_deliveries(units, happened, soon, retry, future, xapi, done, dead, claimed, lapsed)
    async with units() as uow:
        assert await uow.deliveries.claim(claimed.id, now=at(30), until=at(200), force=False)
        assert await uow.deliveries.claim(lapsed.id, now=at(30), until=at(40), force=False)
        await uow.webhooks.update(dataclasses.replace(quiet, is_active=False))
        await uow.deliveries.add(delivery(happened, quiet.id, due=at(0)))  # inactive webhook
        await uow.commit()
    async with units() as uow:
        listed = await uow.deliveries.due(now=at(100), limit=100)
        first_two = await uow.deliveries.due(now=at(100), limit=2)
        after_the_claim = await uow.deliveries.due(now=at(201), limit=100)
    expected = [
        (lapsed.id, at(2)),
        (soon.id, at(10)),
        (xapi.id, at(15)),
        (retry.id, at(20)),
        (future.id, at(3600)),
    ]
    assert list(listed) == expected
    assert list(first_two) == expected[:2]
    assert list(after_the_claim) == sorted([*expected, (claimed.id, at(1))], key=lambda pair: pair[1])


async def test_list_for_webhook_is_newest_first_with_status_and_paging(units: Units) -> None:
    hook, other = webhook(), webhook()
    await added(units, hook, other)
    happened = event()
    statuses = [
        DeliveryStatus.PENDING,
        DeliveryStatus.FAILED,
        DeliveryStatus.SUCCEEDED,
        DeliveryStatus.FAILED,
        DeliveryStatus.DEAD,
        DeliveryStatus.FAILED,
    ]
    made = [
        delivery(happened, hook.id, status=s, created=at(n), due=None if n in (2, 4) else at(n))
        for n, s in enumerate(statuses)
    ]
    await with_deliveries(units, happened, *made, delivery(happened, other.id), delivery(happened, None))
    newest_first = made[::-1]
    async with units() as uow:
        repo = uow.deliveries
        first, total = await repo.list_for_webhook(hook.id, status=None, page=PageRequest(page_size=4))
        rest, rest_total = await repo.list_for_webhook(
            hook.id, status=None, page=PageRequest(page=2, page_size=4)
        )
        failed, failed_total = await repo.list_for_webhook(
            hook.id, status=DeliveryStatus.FAILED, page=PageRequest(page_size=2)
        )
        failed_rest = await repo.list_for_webhook(
            hook.id, status=DeliveryStatus.FAILED, page=PageRequest(page=2, page_size=2)
        )
        past = await repo.list_for_webhook(
            hook.id, status=DeliveryStatus.FAILED, page=PageRequest(page=3, page_size=2)
        )
        none_yet = await repo.list_for_webhook(
            hook.id, status=DeliveryStatus.PENDING, page=PageRequest(page=2)
        )
        nobody = await repo.list_for_webhook(uuid.uuid4(), status=None, page=ALL)
    assert (total, rest_total, [*first, *rest]) == (6, 6, newest_first)
    assert failed_total == 3
    assert [*failed, *failed_rest[0]] == [made[5], made[3], made[1]]
    assert failed_rest[1] == 3
    assert (past, none_yet, nobody) == (([], 3), ([], 1), ([], 0))


async def test_get_is_scoped_by_webhook(units: Units) -> None:
    hook, other = webhook(), webhook()
    await added(units, hook, other)
    happened = event()
    mine, xapi = delivery(happened, hook.id), delivery(happened, None)
    await with_deliveries(units, happened, mine, xapi)
    async with units() as uow:
        assert await uow.deliveries.get(hook.id, mine.id) == mine
        assert await uow.deliveries.get(other.id, mine.id) is None
        assert await uow.deliveries.get(hook.id, uuid.uuid4()) is None
        assert await uow.deliveries.get(hook.id, xapi.id) is None


# the race

RACERS = 20
ROUNDS = {"postgres": 5, "sqlite": 2, "memory": 5}  # SQLite's queued units wait in its busy handler


async def test_exactly_one_of_many_racing_claims_wins(units: Units) -> None:
    """Each round, ``RACERS`` units claim one delivery at once (on PostgreSQL each with its
    transaction open before any claims; SQLite and memory units take their write lock on entry,
    so there they queue); exactly one gets it. ``finish`` frees it for the next round."""
    hook = webhook()
    await added(units, hook)
    happened = event()
    await recorded(units, happened, xapi=True)
    targets = await waiting(units)
    assert len(targets) == 2  # the webhook's and the learning record store's

    async def round_of(target: uuid.UUID, now: datetime, force: bool) -> list[ClaimedTry]:
        ready, go = 0, asyncio.Event()
        gate = units.backend == "postgres"

        async def racer() -> ClaimedTry | None:
            nonlocal ready
            async with units() as uow:
                if gate:
                    ready += 1
                    if ready == RACERS:
                        go.set()
                    await asyncio.wait_for(go.wait(), 10)
                got: ClaimedTry | None = await uow.deliveries.claim(
                    target, now=now, until=now + CLAIM, force=force
                )
                if gate:
                    await asyncio.sleep(0.01)  # hold the claimed row a moment: the others wait on it
                await uow.commit()
            return got

        results = await asyncio.gather(*(racer() for _ in range(RACERS)))
        return [r for r in results if r is not None]

    rounds = ROUNDS[units.backend]
    for n in range(rounds):
        now = at(n * 100 + 1)
        for target in targets:
            winners = await round_of(target, now, force=n % 2 == 1)
            assert len(winners) == 1, f"round {n}: {len(winners)} claims of one delivery"
            [won] = winners
            assert won.delivery.id == target and won.event == happened
            won.delivery.record_try(TryOutcome(500, None), now=now, schedule=[0.0] * rounds)
            await finish(units, won.delivery)
    for target in targets:
        final = await claim(units, target, LATER, force=True)
        assert final is not None and final.delivery.attempts == rounds

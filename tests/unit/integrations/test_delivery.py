"""Tries of deliveries over the memory adapters: outcomes, the retry schedule, claims, the sweep."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest
from standardwebhooks import Webhook as Verifier

from lms_adapters.memory.integrations import MemoryActivityNames
from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_domain.integrations.delivery import DeliveryPolicy, Sinks, SweepDeliveries, TryDelivery
from lms_domain.integrations.entities import DeliveryStatus, Sink, TryOutcome, Webhook
from lms_domain.integrations.signing import new_secret
from lms_domain.shared.events import Event, EventType
from tests.builders import FixedClock


@dataclass
class Receiver:
    """A sender that answers what it is told to, and keeps what it was sent."""

    answers: list[TryOutcome] = field(default_factory=list)
    sent: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0

    async def send(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> TryOutcome:
        self.sent.append((url, body, dict(headers)))
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.answers.pop(0) if self.answers else TryOutcome(200, None)


@dataclass
class Jobs:
    queued: list[tuple[UUID, datetime | None, bool]] = field(default_factory=list)

    async def try_delivery(
        self, delivery_id: UUID, *, at: datetime | None = None, force: bool = False
    ) -> None:
        self.queued.append((delivery_id, at, force))


SCHEDULE: Sequence[float] = (5, 30)


@dataclass
class World:
    state: MemoryState = field(default_factory=MemoryState)
    clock: FixedClock = field(default_factory=FixedClock)
    receiver: Receiver = field(default_factory=Receiver)
    jobs: Jobs = field(default_factory=Jobs)

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.state)

    def try_delivery(self) -> TryDelivery:
        return self.tries(DeliveryPolicy(schedule=SCHEDULE, timeout_seconds=1))

    def tries(self, policy: DeliveryPolicy) -> TryDelivery:
        sinks = Sinks(self.receiver, self.clock, MemoryActivityNames(self.state))
        return TryDelivery(self.uow(), sinks, self.jobs, self.clock, policy)

    def webhook(self, *, events: Sequence[EventType] = (EventType.ENROLLMENT_CREATED,)) -> Webhook:
        hook = Webhook(
            id=uuid4(),
            url="https://receiver.example/hook",
            events=list(events),
            description="",
            secret=new_secret(),
            is_active=True,
            created_at=self.clock.now(),
            updated_at=self.clock.now(),
        )
        self.state.webhooks[hook.id] = hook
        return hook

    async def event(self, type_: EventType = EventType.ENROLLMENT_CREATED) -> Event:
        event = Event.of(
            type_, at=self.clock.now(), enrollment_id=uuid4(), course_id=uuid4(), student_id=uuid4()
        )
        async with self.uow() as uow:
            await uow.events.record(event)
            await uow.commit()
        return event

    def only_delivery(self) -> UUID:
        [delivery_id] = self.state.deliveries
        return delivery_id


async def test_an_event_makes_a_delivery_per_subscribed_active_webhook() -> None:
    w = World()
    wanted, other = w.webhook(), w.webhook(events=[EventType.COURSE_PUBLISHED])
    w.webhook().is_active = False
    await w.event()
    [delivery] = w.state.deliveries.values()
    assert delivery.webhook_id == wanted.id and delivery.status is DeliveryStatus.PENDING
    assert other.id not in {d.webhook_id for d in w.state.deliveries.values()}


async def test_the_unit_of_work_queues_tries_after_its_commit_only() -> None:
    queued: list[Sequence[UUID]] = []

    async def queue(ids: Sequence[UUID]) -> None:
        queued.append(list(ids))

    w = World()
    w.webhook()
    event = Event.of(EventType.ENROLLMENT_CREATED, at=w.clock.now())
    async with MemoryUnitOfWork(w.state, committed=queue) as uow:  # rolled back
        await uow.events.record(event)
    assert queued == [] and w.state.deliveries == {}
    async with MemoryUnitOfWork(w.state, committed=queue) as uow:
        await uow.events.record(event)
        await uow.commit()
    assert queued == [[w.only_delivery()]]


async def test_a_successful_try_is_signed_and_ends_the_delivery() -> None:
    w = World()
    hook = w.webhook()
    event = await w.event()
    delivery = await w.try_delivery()(delivery_id=w.only_delivery())
    assert delivery is not None and delivery.status is DeliveryStatus.SUCCEEDED
    assert (delivery.attempts, delivery.last_status_code, delivery.delivered_at) == (1, 200, w.clock.now())
    [(url, body, headers)] = w.receiver.sent
    assert url == hook.url
    payload = Verifier(hook.secret).verify(body, headers)
    assert payload["id"] == str(event.id) and payload["type"] == "enrollment.created"
    assert headers["webhook-id"] == str(event.id)
    assert w.jobs.queued == []
    assert await w.try_delivery()(delivery_id=delivery.id) is None  # succeeded: not tried again


async def test_failures_follow_the_schedule_then_the_delivery_is_dead() -> None:
    w = World()
    w.webhook()
    await w.event()
    delivery_id = w.only_delivery()
    w.receiver.answers = [
        TryOutcome(500, None),
        TryOutcome(None, "Timed out after 1 s"),
        TryOutcome(503, None),
    ]
    first = await w.try_delivery()(delivery_id=delivery_id)
    assert first is not None and first.status is DeliveryStatus.FAILED
    assert first.next_attempt_at == w.clock.now() + timedelta(seconds=5)
    assert first.last_error == "The receiver answered 500"
    assert w.jobs.queued == [(delivery_id, first.next_attempt_at, False)]
    assert await w.try_delivery()(delivery_id=delivery_id) is None  # not due yet
    w.clock.advance(seconds=5)
    second = await w.try_delivery()(delivery_id=delivery_id)
    assert second is not None and second.status is DeliveryStatus.FAILED
    assert (second.attempts, second.last_status_code, second.last_error) == (2, None, "Timed out after 1 s")
    w.clock.advance(seconds=30)
    third = await w.try_delivery()(delivery_id=delivery_id)
    assert third is not None and third.status is DeliveryStatus.DEAD and third.next_attempt_at is None
    assert third.attempts == 3 and len(w.jobs.queued) == 2


async def test_a_forced_try_makes_one_more_whatever_the_status() -> None:
    w = World()
    w.webhook()
    await w.event()
    done = await w.try_delivery()(delivery_id=w.only_delivery())
    assert done is not None
    again = await w.try_delivery()(delivery_id=done.id, force=True)
    assert again is not None and again.attempts == 2 and again.status is DeliveryStatus.SUCCEEDED
    assert (
        len(w.receiver.sent) == 2
        and w.receiver.sent[0][2]["webhook-id"] == w.receiver.sent[1][2]["webhook-id"]
    )


async def test_two_tries_at_once_make_one() -> None:
    w = World()
    w.webhook()
    await w.event()
    w.receiver.delay = 0.05
    results = await asyncio.gather(*(w.try_delivery()(delivery_id=w.only_delivery()) for _ in range(5)))
    assert sum(r is not None for r in results) == 1
    assert len(w.receiver.sent) == 1


async def test_an_inactive_or_deleted_webhook_gets_nothing_more() -> None:
    w = World()
    hook = w.webhook()
    await w.event()
    w.state.webhooks[hook.id].is_active = False
    assert await w.try_delivery()(delivery_id=w.only_delivery()) is None
    assert await w.try_delivery()(delivery_id=w.only_delivery(), force=True) is None
    del w.state.webhooks[hook.id]
    assert await w.try_delivery()(delivery_id=w.only_delivery()) is None
    assert w.receiver.sent == []


async def test_an_xapi_delivery_without_a_store_fails_with_a_reason() -> None:
    w = World()
    event = Event.of(EventType.ENROLLMENT_CREATED, at=w.clock.now(), course_id=uuid4(), student_id=uuid4())
    async with MemoryUnitOfWork(w.state, xapi=True) as uow:
        await uow.events.record(event)
        await uow.commit()
    [delivery] = w.state.deliveries.values()
    assert delivery.sink is Sink.XAPI
    tried = await w.try_delivery()(delivery_id=delivery.id)
    assert tried is not None and tried.status is DeliveryStatus.FAILED
    assert tried.last_error is not None and "LMS_XAPI_ENDPOINT" in tried.last_error


async def test_the_sweep_queues_what_is_due_and_at_start_everything_waiting() -> None:
    w = World()
    w.webhook()
    await w.event()
    w.receiver.answers = [TryOutcome(500, None)]
    await w.try_delivery()(delivery_id=w.only_delivery())  # failed: due in 5 s
    await w.event()
    sweep = SweepDeliveries(w.uow(), w.jobs, w.clock)
    w.jobs.queued.clear()
    assert await sweep() == 1  # the new one, due now
    w.jobs.queued.clear()
    assert await sweep(everything=True) == 2
    assert sorted(at is None for _, at, _ in w.jobs.queued) == [False, True]


@pytest.mark.parametrize("schedule_length", [0, 1, 3])
async def test_the_number_of_tries_is_the_schedule_plus_one(schedule_length: int) -> None:
    w = World()
    w.webhook()
    await w.event()
    policy = DeliveryPolicy(schedule=[1.0] * schedule_length, timeout_seconds=1)
    tries = 0
    while True:
        w.receiver.answers = [TryOutcome(500, None)]
        result = await w.tries(policy)(delivery_id=w.only_delivery())
        assert result is not None
        tries += 1
        if result.status is DeliveryStatus.DEAD:
            break
        w.clock.advance(seconds=1)
    assert tries == schedule_length + 1


async def test_a_redelivery_while_a_try_runs_is_made_after_it() -> None:
    w = World()
    w.webhook()
    await w.event()
    delivery_id = w.only_delivery()
    w.receiver.delay = 0.05
    first = asyncio.ensure_future(w.try_delivery()(delivery_id=delivery_id))
    await asyncio.sleep(0.01)  # the first try holds its claim now
    assert await w.try_delivery()(delivery_id=delivery_id, force=True) is None
    [(queued_id, at, force)] = w.jobs.queued
    assert (queued_id, force) == (delivery_id, True)
    assert at is not None and at > w.clock.now()
    done = await first
    assert done is not None and done.status is DeliveryStatus.SUCCEEDED
    again = await w.try_delivery()(delivery_id=delivery_id, force=True)  # the queued job, once run
    assert again is not None and again.attempts == 2


async def test_a_queue_that_fails_after_the_commit_leaves_the_change_made() -> None:
    async def broken(ids: Sequence[UUID]) -> None:
        raise ConnectionError("the queue is down")

    w = World()
    w.webhook()
    async with MemoryUnitOfWork(w.state, committed=broken) as uow:
        await uow.events.record(Event.of(EventType.ENROLLMENT_CREATED, at=w.clock.now()))
        await uow.commit()
    assert len(w.state.events) == 1 and len(w.state.deliveries) == 1  # the sweep will queue its try
    assert await SweepDeliveries(w.uow(), w.jobs, w.clock)() == 1

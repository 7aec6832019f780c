"""Webhook use cases on in-memory adapters: admins only, URL and events rules, the secret, the test
event, deactivation, the delivery log and redelivery."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_domain.integrations import webhooks as uc
from lms_domain.integrations.entities import DeliveryStatus, NewWebhook, Webhook, WebhookChanges
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.errors import Conflict, Forbidden, InvalidField, NotFound
from lms_domain.shared.events import Event, EventType
from lms_domain.shared.pagination import PageRequest
from tests.builders import FixedClock, SequentialIds, actor

PUBLIC = "https://93.184.215.14/hook"


class RefusingCheck:
    """The address rule: hosts named in ``refused`` may not receive, with that reason."""

    def __init__(self, refused: dict[str, str] | None = None) -> None:
        self.refused = refused or {"127.0.0.1": "127.0.0.1 is a loopback address"}
        self.asked: list[str] = []

    async def refusal(self, url: str) -> str | None:
        self.asked.append(url)
        return next((why for host, why in self.refused.items() if f"//{host}" in url), None)


@dataclass
class RecordingJobs:
    tries: list[tuple[UUID, datetime | None, bool]] = field(default_factory=list)

    async def try_delivery(
        self, delivery_id: UUID, *, at: datetime | None = None, force: bool = False
    ) -> None:
        self.tries.append((delivery_id, at, force))


@dataclass
class Hooks:
    state: MemoryState = field(default_factory=MemoryState)
    clock: FixedClock = field(default_factory=FixedClock)
    ids: SequentialIds = field(default_factory=SequentialIds)
    addresses: RefusingCheck = field(default_factory=RefusingCheck)
    jobs: RecordingJobs = field(default_factory=RecordingJobs)
    queued: list[UUID] = field(default_factory=list)  # deliveries queued by a commit
    _secrets: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def secret(self) -> str:
        return f"whsec_secret{next(self._secrets)}"

    async def _committed(self, delivery_ids: Sequence[UUID]) -> None:
        self.queued.extend(delivery_ids)

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.state, committed=self._committed)

    @property
    def create(self) -> uc.CreateWebhook:
        return uc.CreateWebhook(self.uow(), self.addresses, self.clock, self.ids, self.secret)

    @property
    def list(self) -> uc.ListWebhooks:
        return uc.ListWebhooks(self.uow())

    @property
    def get(self) -> uc.GetWebhook:
        return uc.GetWebhook(self.uow())

    @property
    def update(self) -> uc.UpdateWebhook:
        return uc.UpdateWebhook(self.uow(), self.addresses, self.clock)

    @property
    def delete(self) -> uc.DeleteWebhook:
        return uc.DeleteWebhook(self.uow(), self.clock)

    @property
    def rotate(self) -> uc.RotateSecret:
        return uc.RotateSecret(self.uow(), self.clock, self.secret)

    @property
    def send_test(self) -> uc.SendTestEvent:
        return uc.SendTestEvent(self.uow(), self.clock, self.ids)

    @property
    def deliveries(self) -> uc.ListDeliveries:
        return uc.ListDeliveries(self.uow())

    @property
    def redeliver(self) -> uc.Redeliver:
        return uc.Redeliver(self.uow(), self.jobs)

    async def hook(self, *events: EventType, url: str = PUBLIC, description: str = "") -> Webhook:
        data = NewWebhook(
            url=url, events=list(events or [EventType.COURSE_PUBLISHED]), description=description
        )
        return await self.create(actor=admin(), data=data)

    async def record(self, event_type: EventType = EventType.COURSE_PUBLISHED) -> Event:
        """An event of some change, recorded as a use case records it (deliveries and all)."""
        event = Event.of(event_type, at=self.clock.now(), course_id=uuid4())
        async with self.uow() as uow:
            await uow.events.record(event)
            await uow.commit()
        return event


def admin() -> Actor:
    return actor(Role.ADMIN)


NOT_ADMINS = [pytest.param(Role.STUDENT, id="student"), pytest.param(Role.INSTRUCTOR, id="instructor")]


# --- admins only ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_ADMINS)
async def test_only_admins_do_anything_with_webhooks(role: Role) -> None:
    hooks = Hooks()
    hook = await hooks.hook()
    await hooks.send_test(actor=admin(), webhook_id=hook.id)
    (delivery_id,) = hooks.queued
    other = actor(role)
    calls: list[Any] = [
        hooks.create(actor=other, data=NewWebhook(url=PUBLIC, events=[EventType.USER_REGISTERED])),
        hooks.list(actor=other, page=PageRequest()),
        hooks.get(actor=other, webhook_id=hook.id),
        hooks.update(actor=other, webhook_id=hook.id, changes=WebhookChanges(is_active=False)),
        hooks.delete(actor=other, webhook_id=hook.id),
        hooks.rotate(actor=other, webhook_id=hook.id),
        hooks.send_test(actor=other, webhook_id=hook.id),
        hooks.deliveries(actor=other, webhook_id=hook.id, page=PageRequest()),
        hooks.redeliver(actor=other, webhook_id=hook.id, delivery_id=delivery_id),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            await call
    assert list(hooks.state.webhooks.values()) == [hook]
    assert len(hooks.state.deliveries) == 1 and hooks.jobs.tries == []


async def test_a_non_admin_is_refused_before_anything_is_looked_up() -> None:
    hooks = Hooks()
    with pytest.raises(Forbidden):
        await hooks.create(actor=actor(Role.STUDENT), data=NewWebhook(url="http://127.0.0.1/", events=[]))
    with pytest.raises(Forbidden):
        await hooks.get(actor=actor(Role.STUDENT), webhook_id=uuid4())
    assert hooks.addresses.asked == []


# --- create: the URL, the events, the description ------------------------------------------------


async def test_a_new_webhook_is_active_with_a_fresh_secret() -> None:
    hooks = Hooks()
    hook = await hooks.hook(EventType.ENROLLMENT_CREATED, description="CRM")
    assert (hook.url, list(hook.events), hook.description, hook.is_active) == (
        PUBLIC,
        [EventType.ENROLLMENT_CREATED],
        "CRM",
        True,
    )
    assert hook.secret == "whsec_secret1"
    assert hook.created_at == hook.updated_at == hooks.clock.now()
    assert hooks.state.webhooks[hook.id] == hook
    assert hooks.addresses.asked == [PUBLIC]


async def test_events_are_kept_once_each_in_the_order_given() -> None:
    hooks = Hooks()
    hook = await hooks.hook(
        EventType.LESSON_COMPLETED,
        EventType.USER_REGISTERED,
        EventType.LESSON_COMPLETED,
        EventType.USER_REGISTERED,
    )
    assert list(hook.events) == [EventType.LESSON_COMPLETED, EventType.USER_REGISTERED]
    assert list(hooks.state.webhooks[hook.id].events) == list(hook.events)


async def test_a_refused_address_is_422_on_url_with_the_reason() -> None:
    hooks = Hooks()
    with pytest.raises(InvalidField) as refused:
        await hooks.hook(url="http://127.0.0.1:8080/hook")
    assert refused.value.field == "url"
    assert "127.0.0.1 is a loopback address" in refused.value.message
    assert hooks.state.webhooks == {}


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/hook", "example.com/hook", "https:///nohost", "https://exa mple.com/", "x" * 3000],
)
async def test_a_url_that_is_not_http_or_https_is_refused_without_asking_the_address_rule(url: str) -> None:
    hooks = Hooks()
    with pytest.raises(InvalidField) as refused:
        await hooks.hook(url=url)
    assert refused.value.field == "url"
    assert hooks.addresses.asked == [] and hooks.state.webhooks == {}


async def test_events_must_name_at_least_one_known_type() -> None:
    hooks = Hooks()
    with pytest.raises(InvalidField) as empty:
        await hooks.create(actor=admin(), data=NewWebhook(url=PUBLIC, events=[]))
    assert empty.value.field == "events"
    unknown: Any = ["course.published", "course.deleted"]
    with pytest.raises(InvalidField) as wrong:
        await hooks.create(actor=admin(), data=NewWebhook(url=PUBLIC, events=unknown))
    assert (wrong.value.field, wrong.value.message) == ("events", "'course.deleted' is not an event type")
    assert hooks.state.webhooks == {}


async def test_a_description_over_1000_characters_is_refused() -> None:
    hooks = Hooks()
    await hooks.hook(description="d" * 1000)
    with pytest.raises(InvalidField) as long:
        await hooks.hook(description="d" * 1001)
    assert long.value.field == "description"


# --- list, get -----------------------------------------------------------------------------------


async def test_the_list_is_newest_first_in_pages() -> None:
    hooks = Hooks()
    made = []
    for _ in range(5):
        made.append(await hooks.hook())
        hooks.clock.advance(seconds=1)
    first = await hooks.list(actor=admin(), page=PageRequest(page=1, page_size=2))
    last = await hooks.list(actor=admin(), page=PageRequest(page=3, page_size=2))
    assert [h.id for h in first.items] == [made[4].id, made[3].id]
    assert [h.id for h in last.items] == [made[0].id]
    assert (first.total, first.pages) == (5, 3)


async def test_an_unknown_webhook_is_404_everywhere() -> None:
    hooks, missing = Hooks(), uuid4()
    calls: list[Any] = [
        hooks.get(actor=admin(), webhook_id=missing),
        hooks.update(actor=admin(), webhook_id=missing, changes=WebhookChanges(description="x")),
        hooks.delete(actor=admin(), webhook_id=missing),
        hooks.rotate(actor=admin(), webhook_id=missing),
        hooks.send_test(actor=admin(), webhook_id=missing),
        hooks.deliveries(actor=admin(), webhook_id=missing, page=PageRequest()),
        hooks.redeliver(actor=admin(), webhook_id=missing, delivery_id=uuid4()),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            await call


# --- update --------------------------------------------------------------------------------------


async def test_an_update_changes_only_the_fields_given() -> None:
    hooks = Hooks()
    hook = await hooks.hook(EventType.USER_REGISTERED, description="before")
    hooks.clock.advance(minutes=1)
    changed = await hooks.update(
        actor=admin(),
        webhook_id=hook.id,
        changes=WebhookChanges(events=[EventType.CERTIFICATE_ISSUED, EventType.CERTIFICATE_ISSUED]),
    )
    assert list(changed.events) == [EventType.CERTIFICATE_ISSUED]
    assert (changed.url, changed.description, changed.secret, changed.is_active) == (
        PUBLIC,
        "before",
        hook.secret,
        True,
    )
    assert changed.updated_at == hooks.clock.now() != hook.updated_at
    assert hooks.state.webhooks[hook.id] == changed


async def test_a_changed_url_is_checked_again() -> None:
    hooks = Hooks()
    hook = await hooks.hook()
    with pytest.raises(InvalidField) as refused:
        await hooks.update(
            actor=admin(),
            webhook_id=hook.id,
            changes=WebhookChanges(url="http://127.0.0.1/x", description="y"),
        )
    assert refused.value.field == "url"
    assert hooks.state.webhooks[hook.id] == hook
    moved = await hooks.update(
        actor=admin(), webhook_id=hook.id, changes=WebhookChanges(url="https://93.184.215.15/new")
    )
    assert moved.url == "https://93.184.215.15/new"
    assert hooks.addresses.asked[-1] == "https://93.184.215.15/new"


async def test_an_update_without_the_url_does_not_ask_the_address_rule() -> None:
    hooks = Hooks()
    hook = await hooks.hook()
    await hooks.update(actor=admin(), webhook_id=hook.id, changes=WebhookChanges(description="new"))
    assert hooks.addresses.asked == [PUBLIC]


async def test_events_cannot_be_emptied() -> None:
    hooks = Hooks()
    hook = await hooks.hook()
    with pytest.raises(InvalidField) as empty:
        await hooks.update(actor=admin(), webhook_id=hook.id, changes=WebhookChanges(events=[]))
    assert empty.value.field == "events"
    assert hooks.state.webhooks[hook.id] == hook


async def test_deactivation_turns_waiting_deliveries_dead_and_keeps_finished_ones() -> None:
    hooks = Hooks()
    hook = await hooks.hook(EventType.COURSE_PUBLISHED)
    done, failed, waiting = [await hooks.record() for _ in range(3)]
    by_event = {d.event_id: d for d in hooks.state.deliveries.values()}
    by_event[done.id].status = DeliveryStatus.SUCCEEDED
    by_event[failed.id].status = DeliveryStatus.FAILED
    assert by_event[waiting.id].status is DeliveryStatus.PENDING
    await hooks.update(actor=admin(), webhook_id=hook.id, changes=WebhookChanges(is_active=False))
    after = {d.event_id: d for d in hooks.state.deliveries.values()}
    assert after[done.id].status is DeliveryStatus.SUCCEEDED
    for event in (failed, waiting):
        assert (after[event.id].status, after[event.id].next_attempt_at) == (DeliveryStatus.DEAD, None)
        assert after[event.id].last_error
    await hooks.record()  # an inactive webhook hears nothing more
    assert len(hooks.state.deliveries) == 3


async def test_a_reactivated_webhook_hears_events_again() -> None:
    hooks = Hooks()
    hook = await hooks.hook(EventType.COURSE_PUBLISHED)
    await hooks.update(actor=admin(), webhook_id=hook.id, changes=WebhookChanges(is_active=False))
    back = await hooks.update(actor=admin(), webhook_id=hook.id, changes=WebhookChanges(is_active=True))
    assert back.is_active
    await hooks.record()
    assert [d.status for d in hooks.state.deliveries.values()] == [DeliveryStatus.PENDING]


# --- delete --------------------------------------------------------------------------------------


async def test_delete_removes_the_webhook_and_its_delivery_log() -> None:
    hooks = Hooks()
    gone, kept = await hooks.hook(), await hooks.hook()
    await hooks.record()
    assert len(hooks.state.deliveries) == 2
    await hooks.delete(actor=admin(), webhook_id=gone.id)
    assert list(hooks.state.webhooks) == [kept.id]
    assert [d.webhook_id for d in hooks.state.deliveries.values()] == [kept.id]
    with pytest.raises(NotFound):
        await hooks.get(actor=admin(), webhook_id=gone.id)


# --- the secret ----------------------------------------------------------------------------------


async def test_rotation_replaces_the_secret_and_nothing_else() -> None:
    hooks = Hooks()
    hook = await hooks.hook(description="kept")
    hooks.clock.advance(seconds=5)
    rotated = await hooks.rotate(actor=admin(), webhook_id=hook.id)
    assert rotated.secret == "whsec_secret2" != hook.secret
    assert hooks.state.webhooks[hook.id].secret == rotated.secret  # only the new one signs from now
    assert (rotated.url, list(rotated.events), rotated.description, rotated.is_active) == (
        hook.url,
        list(hook.events),
        "kept",
        True,
    )
    assert rotated.updated_at == hooks.clock.now()
    again = await hooks.rotate(actor=admin(), webhook_id=hook.id)
    assert again.secret not in (hook.secret, rotated.secret)


# --- the test event ------------------------------------------------------------------------------


async def test_a_test_event_goes_to_that_webhook_only_whatever_its_events() -> None:
    hooks = Hooks()
    target = await hooks.hook(EventType.USER_REGISTERED)
    also_hears_tests = await hooks.hook(EventType.WEBHOOK_TEST)
    event_id = await hooks.send_test(actor=admin(), webhook_id=target.id)
    event = hooks.state.events[event_id]
    assert (event.type, dict(event.data)) == (EventType.WEBHOOK_TEST, {"webhook_id": str(target.id)})
    (delivery,) = hooks.state.deliveries.values()
    assert (delivery.webhook_id, delivery.event_id, delivery.event_type) == (
        target.id,
        event_id,
        EventType.WEBHOOK_TEST,
    )
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert hooks.queued == [delivery.id]  # its try is queued once the transaction commits
    assert also_hears_tests.id not in {d.webhook_id for d in hooks.state.deliveries.values()}


async def test_an_inactive_webhook_gets_no_test_event() -> None:
    hooks = Hooks()
    hook = await hooks.hook()
    await hooks.update(actor=admin(), webhook_id=hook.id, changes=WebhookChanges(is_active=False))
    with pytest.raises(Conflict):
        await hooks.send_test(actor=admin(), webhook_id=hook.id)
    assert hooks.state.events == {} and hooks.state.deliveries == {} and hooks.queued == []


# --- the delivery log and redelivery -------------------------------------------------------------


async def test_the_delivery_log_filters_by_status_newest_first() -> None:
    hooks = Hooks()
    hook, other = await hooks.hook(), await hooks.hook()
    events = []
    for _ in range(3):
        events.append(await hooks.record())
        hooks.clock.advance(seconds=1)
    mine = {d.event_id: d for d in hooks.state.deliveries.values() if d.webhook_id == hook.id}
    mine[events[0].id].status = DeliveryStatus.DEAD
    every = await hooks.deliveries(actor=admin(), webhook_id=hook.id, page=PageRequest())
    assert [d.event_id for d in every.items] == [e.id for e in reversed(events)]
    dead = await hooks.deliveries(
        actor=admin(), webhook_id=hook.id, page=PageRequest(), status=DeliveryStatus.DEAD
    )
    assert ([d.event_id for d in dead.items], dead.total) == ([events[0].id], 1)
    paged = await hooks.deliveries(actor=admin(), webhook_id=other.id, page=PageRequest(page=2, page_size=2))
    assert (len(paged.items), paged.total, paged.pages) == (1, 3, 2)


@pytest.mark.parametrize("status", list(DeliveryStatus))
async def test_redelivery_queues_one_forced_try_whatever_the_status(status: DeliveryStatus) -> None:
    hooks = Hooks()
    hook = await hooks.hook()
    await hooks.record()
    (delivery,) = hooks.state.deliveries.values()
    delivery.status = status
    answered = await hooks.redeliver(actor=admin(), webhook_id=hook.id, delivery_id=delivery.id)
    assert answered.id == delivery.id
    assert hooks.jobs.tries == [(delivery.id, None, True)]


async def test_redelivery_of_an_unknown_or_another_webhooks_delivery_is_404() -> None:
    hooks = Hooks()
    hook, other = await hooks.hook(), await hooks.hook()
    await hooks.record()
    others = next(d for d in hooks.state.deliveries.values() if d.webhook_id == other.id)
    for delivery_id in (uuid4(), others.id):
        with pytest.raises(NotFound):
            await hooks.redeliver(actor=admin(), webhook_id=hook.id, delivery_id=delivery_id)
    assert hooks.jobs.tries == []


async def test_redelivery_to_an_inactive_webhook_is_409() -> None:
    hooks = Hooks()
    hook = await hooks.hook()
    await hooks.record()
    (delivery,) = hooks.state.deliveries.values()
    await hooks.update(actor=admin(), webhook_id=hook.id, changes=WebhookChanges(is_active=False))
    with pytest.raises(Conflict):
        await hooks.redeliver(actor=admin(), webhook_id=hook.id, delivery_id=delivery.id)
    assert hooks.jobs.tries == []

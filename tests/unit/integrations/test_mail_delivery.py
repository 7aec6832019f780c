"""Mail through the delivery machinery, over the memory adapters: a queued message is handed to the
mailer once its unit commits, tried again on the schedule while the mail system refuses it, and its
content is gone once it is sent or dead."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from lms_adapters.memory.mail import MemoryMailer
from lms_domain.integrations.delivery import DeliveryPolicy, Sinks, TryDelivery
from lms_domain.integrations.entities import DeliveryStatus, Sink, TryOutcome
from lms_domain.mail.entities import MailMessage
from tests.unit.integrations.test_delivery import World

MESSAGE = MailMessage(to="zoe@example.com", subject="Hello", text="Hi Zoë\n")


def mail_tries(world: World, mailer: MemoryMailer, schedule: tuple[float, ...] = (5,)) -> TryDelivery:
    sinks = Sinks(world.receiver, world.clock, None, mailer=mailer)  # type: ignore[arg-type]
    return TryDelivery(world.uow(), sinks, world.jobs, world.clock, DeliveryPolicy(schedule=schedule))


async def queued(world: World) -> list[UUID]:
    async with world.uow() as uow:
        await uow.mail.queue(MESSAGE, at=world.clock.now())
        await uow.commit()
    return list(world.state.deliveries)


async def test_a_queued_message_is_sent_and_its_content_erased() -> None:
    world, mailer = World(), MemoryMailer()
    [delivery_id] = await queued(world)
    delivery = await mail_tries(world, mailer)(delivery_id=delivery_id)
    assert mailer.sent == [MESSAGE]
    assert delivery is not None and delivery.sink is Sink.MAIL
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.SUCCEEDED,
        1,
        250,
    )
    assert world.state.mail_messages == {}
    assert world.receiver.sent == []  # nothing went to any webhook


async def test_a_refused_message_waits_for_the_schedule_then_is_dead() -> None:
    world, mailer = World(), MemoryMailer()
    mailer.fail_with = TryOutcome(451, "The mail server answered 451: try later")
    [delivery_id] = await queued(world)
    first = await mail_tries(world, mailer)(delivery_id=delivery_id)
    assert first is not None and first.status is DeliveryStatus.FAILED
    assert first.next_attempt_at == world.clock.now() + timedelta(seconds=5)
    assert world.jobs.queued[-1] == (delivery_id, first.next_attempt_at, False)
    assert world.state.mail_messages  # kept for the next try
    world.clock.advance(seconds=5)
    last = await mail_tries(world, mailer)(delivery_id=delivery_id)
    assert last is not None and (last.status, last.attempts) == (DeliveryStatus.DEAD, 2)
    assert world.state.mail_messages == {} and mailer.sent == []


async def test_without_a_mailer_a_message_fails_with_why() -> None:
    world = World()
    [delivery_id] = await queued(world)
    sinks = Sinks(world.receiver, world.clock, None)  # type: ignore[arg-type]
    delivery = await TryDelivery(world.uow(), sinks, world.jobs, world.clock, DeliveryPolicy())(
        delivery_id=delivery_id
    )
    assert delivery is not None and delivery.last_error == "No mailer is configured"

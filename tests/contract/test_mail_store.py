"""Email tokens (``EmailTokenRepository``) and queued mail (``MailOutbox`` with the deliveries it
makes) on memory, SQLite and PostgreSQL.

Tokens are found by hash and purpose while usable; using one succeeds for exactly one of any number
of units racing with it; retiring ends a user's usable tokens of a purpose. A queued message is a
``mail`` delivery that commits or rolls back with its unit, is claimed with its content, and loses
its content once it is sent or dead.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest

from lms_domain.identity.entities import User
from lms_domain.integrations.entities import DeliveryStatus, Sink, TryOutcome
from lms_domain.integrations.ports import ClaimedTry
from lms_domain.mail.entities import EmailToken, MailMessage, TokenPurpose, hash_token
from lms_domain.shared.actors import Role
from tests.contract.catalog_data import NOW
from tests.contract.conftest import UowFactory

CLAIM = timedelta(seconds=40)
MESSAGE = MailMessage(
    to="zoe@example.com", subject="Zoë's link", text="Open https://app.example/x?token=abc\n"
)


async def a_user(new_uow: UowFactory, email: str = "zoe@example.com") -> User:
    user = User.create(
        id=uuid.uuid4(), email=email, full_name="Zoë", password_hash="h", role=Role.STUDENT, at=NOW
    )
    async with new_uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def issue(
    new_uow: UowFactory, user: User, purpose: TokenPurpose, *, at: Any = NOW
) -> tuple[EmailToken, str]:
    record, token = EmailToken.issue(id=uuid.uuid4(), user_id=user.id, purpose=purpose, at=at)
    async with new_uow() as uow:
        await uow.email_tokens.add(record)
        await uow.commit()
    return record, token


async def test_a_token_is_found_by_its_hash_and_purpose_while_usable(new_uow: UowFactory) -> None:
    user = await a_user(new_uow)
    record, token = await issue(new_uow, user, TokenPurpose.RESET_PASSWORD)
    async with new_uow() as uow:
        found = await uow.email_tokens.find(hash_token(token), TokenPurpose.RESET_PASSWORD, now=NOW)
        assert found == record
        assert await uow.email_tokens.find(hash_token(token), TokenPurpose.VERIFY_EMAIL, now=NOW) is None
        assert await uow.email_tokens.find(hash_token("other"), TokenPurpose.RESET_PASSWORD, now=NOW) is None
        expiry = record.expires_at
        assert await uow.email_tokens.find(hash_token(token), TokenPurpose.RESET_PASSWORD, now=expiry) is None


async def test_a_token_is_used_once(new_uow: UowFactory) -> None:
    user = await a_user(new_uow)
    record, token = await issue(new_uow, user, TokenPurpose.VERIFY_EMAIL)
    async with new_uow() as uow:
        assert await uow.email_tokens.use(record.id, now=NOW) is True
        assert await uow.email_tokens.use(record.id, now=NOW) is False
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.email_tokens.find(hash_token(token), TokenPurpose.VERIFY_EMAIL, now=NOW) is None
        assert await uow.email_tokens.use(uuid.uuid4(), now=NOW) is False


async def test_an_expired_token_cannot_be_used(new_uow: UowFactory) -> None:
    user = await a_user(new_uow)
    record, _ = await issue(new_uow, user, TokenPurpose.RESET_PASSWORD)
    async with new_uow() as uow:
        assert await uow.email_tokens.use(record.id, now=record.expires_at) is False


async def test_a_use_that_rolls_back_leaves_the_token_usable(new_uow: UowFactory) -> None:
    user = await a_user(new_uow)
    record, _ = await issue(new_uow, user, TokenPurpose.RESET_PASSWORD)
    async with new_uow() as uow:
        assert await uow.email_tokens.use(record.id, now=NOW)
    async with new_uow() as uow:
        assert await uow.email_tokens.use(record.id, now=NOW)


async def test_one_of_many_units_racing_uses_the_token(new_uow: UowFactory) -> None:
    user = await a_user(new_uow)
    for _ in range(3):  # rounds
        record, _ = await issue(new_uow, user, TokenPurpose.RESET_PASSWORD)

        async def use(token_id: uuid.UUID) -> bool:
            async with new_uow() as uow:
                done: bool = await uow.email_tokens.use(token_id, now=NOW)
                await uow.commit()
                return done

        assert sorted(await asyncio.gather(*(use(record.id) for _ in range(10)))) == [False] * 9 + [True]


async def test_retiring_ends_the_users_usable_tokens_of_one_purpose(new_uow: UowFactory) -> None:
    user, other = await a_user(new_uow), await a_user(new_uow, "bob@example.com")
    first, t1 = await issue(new_uow, user, TokenPurpose.RESET_PASSWORD)
    _, t2 = await issue(new_uow, user, TokenPurpose.VERIFY_EMAIL)
    _, t3 = await issue(new_uow, other, TokenPurpose.RESET_PASSWORD)
    async with new_uow() as uow:
        await uow.email_tokens.retire(user.id, TokenPurpose.RESET_PASSWORD, now=NOW)
        await uow.commit()
    async with new_uow() as uow:
        tokens = uow.email_tokens
        assert await tokens.find(hash_token(t1), TokenPurpose.RESET_PASSWORD, now=NOW) is None
        assert await tokens.find(hash_token(t2), TokenPurpose.VERIFY_EMAIL, now=NOW) is not None
        assert await tokens.find(hash_token(t3), TokenPurpose.RESET_PASSWORD, now=NOW) is not None
        assert await tokens.use(first.id, now=NOW) is False


async def test_tokens_are_counted_from_a_time_on_used_or_not(new_uow: UowFactory) -> None:
    user = await a_user(new_uow)
    for minutes in (0, 10, 70):
        record, _ = await issue(
            new_uow, user, TokenPurpose.RESET_PASSWORD, at=NOW + timedelta(minutes=minutes)
        )
    async with new_uow() as uow:
        await uow.email_tokens.use(record.id, now=NOW + timedelta(minutes=71))
        await uow.commit()
    async with new_uow() as uow:
        count = uow.email_tokens.count_since
        assert await count(user.id, TokenPurpose.RESET_PASSWORD, NOW) == 3
        assert await count(user.id, TokenPurpose.RESET_PASSWORD, NOW + timedelta(minutes=5)) == 2
        assert await count(user.id, TokenPurpose.VERIFY_EMAIL, NOW) == 0


async def test_a_queued_message_is_a_mail_delivery_claimed_with_its_content(new_uow: UowFactory) -> None:
    async with new_uow() as uow:
        await uow.mail.queue(MESSAGE, at=NOW)
        await uow.commit()
    async with new_uow() as uow:
        [(delivery_id, due)] = await uow.deliveries.due(now=NOW, limit=10)
        assert due == NOW
        claimed = await uow.deliveries.claim(delivery_id, now=NOW, until=NOW + CLAIM, force=False)
        await uow.commit()
    assert claimed is not None
    assert claimed.mail == MESSAGE
    assert claimed.event is None and claimed.url is None
    delivery = claimed.delivery
    assert (delivery.sink, delivery.event_id, delivery.event_type, delivery.webhook_id) == (
        Sink.MAIL,
        None,
        None,
        None,
    )
    assert delivery.status is DeliveryStatus.PENDING


async def test_a_message_rolled_back_is_not_queued(new_uow: UowFactory) -> None:
    async with new_uow() as uow:
        await uow.mail.queue(MESSAGE, at=NOW)
    async with new_uow() as uow:
        assert await uow.deliveries.due(now=NOW, limit=10) == []


async def tried_once(new_uow: UowFactory, outcome: TryOutcome, schedule: tuple[float, ...]) -> ClaimedTry:
    """A message queued, claimed and tried once with ``outcome``, the try written back."""
    async with new_uow() as uow:
        await uow.mail.queue(MESSAGE, at=NOW)
        await uow.commit()
    async with new_uow() as uow:
        [(delivery_id, _)] = await uow.deliveries.due(now=NOW, limit=10)
        claimed: ClaimedTry | None = await uow.deliveries.claim(
            delivery_id, now=NOW, until=NOW + CLAIM, force=False
        )
        assert claimed is not None
        claimed.delivery.record_try(outcome, now=NOW, schedule=schedule)
        await uow.deliveries.finish(claimed.delivery)
        await uow.commit()
    return claimed


@pytest.mark.parametrize("outcome", [TryOutcome(250, None), TryOutcome(550, "550 no such user")])
async def test_a_message_sent_or_dead_loses_its_content(new_uow: UowFactory, outcome: TryOutcome) -> None:
    claimed = await tried_once(new_uow, outcome, schedule=())  # no retries: success or dead
    delivery_id = claimed.delivery.id
    assert claimed.delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD)
    async with new_uow() as uow:
        assert await uow.deliveries.claim(delivery_id, now=NOW, until=NOW + CLAIM, force=True) is None


async def test_a_failed_message_keeps_its_content_for_the_next_try(new_uow: UowFactory) -> None:
    delivery_id = (await tried_once(new_uow, TryOutcome(None, "refused"), schedule=(5.0,))).delivery.id
    later = NOW + timedelta(seconds=5)
    async with new_uow() as uow:
        again = await uow.deliveries.claim(delivery_id, now=later, until=later + CLAIM, force=False)
    assert again is not None and again.mail == MESSAGE and again.delivery.attempts == 1

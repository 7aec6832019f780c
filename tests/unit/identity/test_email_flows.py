"""Address verification, password reset and the password-changed notice, on the memory adapters."""

from __future__ import annotations

import re
import uuid

import pyotp
import pytest

from lms_domain.identity.use_cases import TokenPair
from lms_domain.mail.entities import MailMessage, TokenPurpose, hash_token
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.errors import Conflict, Forbidden, InvalidField, InvalidRequest, Locked, Unauthorized
from tests.unit.identity.harness import Identity

PASSWORD = "Correct7Horse"
NEW_PASSWORD = "Battery9Staple"


def token_in(message: MailMessage, path: str) -> str:
    found = re.search(rf"https://app\.example\.com/{path}\?token=([A-Za-z0-9_\-%]+)", message.text)
    assert found is not None, message.text
    return found.group(1)


async def registered(identity: Identity, email: str = "ann@example.com") -> tuple[TokenPair, Actor]:
    pair = await identity.register(email=email, password=PASSWORD, full_name="Ann Lee")
    return pair, await identity.authenticate(token=pair.access_token)


async def test_registering_queues_a_verification_message_with_a_link(identity: Identity) -> None:
    _, actor = await registered(identity)
    assert actor.email_verified is False
    [message] = identity.queued_mail()
    assert message.to == "ann@example.com"
    assert message.subject == "Confirm your email address"
    token = token_in(message, "verify-email")
    assert len(token) >= 22  # 128 bits at least, URL-safe
    stored = list(identity.state.email_tokens.values())
    assert [t.token_hash for t in stored] == [hash_token(token)]  # only the hash is kept
    assert token not in repr(stored)


async def test_the_token_verifies_the_address_once(identity: Identity) -> None:
    await registered(identity)
    token = token_in(identity.queued_mail()[0], "verify-email")
    user = await identity.verify_email(token=token)
    assert user.email_verified is True
    with pytest.raises(InvalidRequest):
        await identity.verify_email(token=token)
    with pytest.raises(InvalidRequest):
        await identity.verify_email(token="not-a-token")


async def test_a_verification_token_expires_after_48_hours(identity: Identity) -> None:
    await registered(identity)
    token = token_in(identity.queued_mail()[0], "verify-email")
    identity.clock.advance(hours=48)
    with pytest.raises(InvalidRequest):
        await identity.verify_email(token=token)


async def test_resend_makes_the_older_token_stop_working(identity: Identity) -> None:
    _, actor = await registered(identity)
    first = token_in(identity.queued_mail()[0], "verify-email")
    await identity.resend_verification(actor=actor)
    second = token_in(identity.queued_mail()[1], "verify-email")
    assert first != second
    with pytest.raises(InvalidRequest):
        await identity.verify_email(token=first)
    await identity.verify_email(token=second)
    with pytest.raises(Conflict):
        await identity.resend_verification(actor=actor)


async def test_accounts_an_administrator_makes_count_as_verified(identity: Identity) -> None:
    user = await identity.create_user(email="bob@example.com", password=PASSWORD, role=Role.INSTRUCTOR)
    assert user.email_verified is True
    assert identity.queued_mail() == []


def test_an_unverified_actor_is_stopped_only_when_required() -> None:
    unverified = Actor(user_id=uuid.uuid4(), role=Role.STUDENT)
    unverified.check_verified(False)
    with pytest.raises(Forbidden, match="Email not verified"):
        unverified.check_verified(True)
    Actor(user_id=uuid.uuid4(), role=Role.STUDENT, email_verified=True).check_verified(True)


async def test_a_reset_request_for_an_unknown_address_sends_nothing(identity: Identity) -> None:
    await identity.request_password_reset(email="nobody@example.com")
    assert identity.queued_mail() == []
    with pytest.raises(InvalidField):
        await identity.request_password_reset(email="not an address")


async def test_a_reset_sets_the_password_ends_every_session_and_keeps_mfa(identity: Identity) -> None:
    pair, actor = await registered(identity)
    totp = pyotp.TOTP((await identity.enable_mfa(actor=actor)).secret)
    await identity.verify_mfa(actor=actor, code=totp.at(identity.clock.now()))
    await identity.request_password_reset(email="ANN@example.com ")
    reset = identity.queued_mail()[-1]
    assert reset.subject == "Reset your password"
    token = token_in(reset, "reset-password")
    await identity.confirm_password_reset(token=token, new_password=NEW_PASSWORD)
    with pytest.raises(Unauthorized):
        await identity.authenticate(token=pair.access_token)
    assert identity.queued_mail()[-1].subject == "Your password was changed"
    with pytest.raises(Forbidden, match="MFA code required"):  # MFA stays on
        await identity.login(email="ann@example.com", password=NEW_PASSWORD)
    identity.clock.advance(seconds=30)
    code = totp.at(identity.clock.now())
    assert await identity.mfa_login(email="ann@example.com", password=NEW_PASSWORD, mfa_code=code)
    with pytest.raises(InvalidRequest):  # single use
        await identity.confirm_password_reset(token=token, new_password="Another5Password")


async def test_a_refused_password_leaves_the_token_usable(identity: Identity) -> None:
    await registered(identity)
    await identity.request_password_reset(email="ann@example.com")
    token = token_in(identity.queued_mail()[-1], "reset-password")
    with pytest.raises(InvalidField):
        await identity.confirm_password_reset(token=token, new_password="short")
    await identity.confirm_password_reset(token=token, new_password=NEW_PASSWORD)


async def test_a_bad_token_is_refused_before_the_password_is_checked(identity: Identity) -> None:
    with pytest.raises(InvalidRequest):
        await identity.confirm_password_reset(token="unknown", new_password="short")


async def test_a_reset_token_expires_after_30_minutes(identity: Identity) -> None:
    await registered(identity)
    await identity.request_password_reset(email="ann@example.com")
    token = token_in(identity.queued_mail()[-1], "reset-password")
    identity.clock.advance(minutes=30)
    with pytest.raises(InvalidRequest):
        await identity.confirm_password_reset(token=token, new_password=NEW_PASSWORD)


async def test_a_newer_reset_token_retires_the_older(identity: Identity) -> None:
    await registered(identity)
    await identity.request_password_reset(email="ann@example.com")
    older = token_in(identity.queued_mail()[-1], "reset-password")
    await identity.request_password_reset(email="ann@example.com")
    newer = token_in(identity.queued_mail()[-1], "reset-password")
    with pytest.raises(InvalidRequest):
        await identity.confirm_password_reset(token=older, new_password=NEW_PASSWORD)
    await identity.confirm_password_reset(token=newer, new_password=NEW_PASSWORD)


async def test_at_most_three_reset_messages_an_hour(identity: Identity) -> None:
    await registered(identity)
    before = len(identity.queued_mail())
    for _ in range(5):
        await identity.request_password_reset(email="ann@example.com")
        identity.clock.advance(minutes=1)
    assert len(identity.queued_mail()) - before == 3
    identity.clock.advance(minutes=56)  # the first request is now 61 minutes old
    await identity.request_password_reset(email="ann@example.com")
    assert len(identity.queued_mail()) - before == 4


async def test_no_reset_message_for_a_deactivated_account(identity: Identity) -> None:
    _, actor = await registered(identity)
    admin = Actor(user_id=uuid.uuid4(), role=Role.ADMIN)
    await identity.admin_update(actor=admin, user_id=actor.user_id, is_active=False)
    before = len(identity.queued_mail())
    await identity.request_password_reset(email="ann@example.com")
    assert len(identity.queued_mail()) == before


async def test_a_reset_clears_the_lockout(identity: Identity) -> None:
    await registered(identity)
    for _ in range(identity.policy.lockout_threshold):
        with pytest.raises(Unauthorized):
            await identity.login(email="ann@example.com", password="Wrong1Password")
    with pytest.raises(Locked):
        await identity.login(email="ann@example.com", password=PASSWORD)
    await identity.request_password_reset(email="ann@example.com")
    token = token_in(identity.queued_mail()[-1], "reset-password")
    await identity.confirm_password_reset(token=token, new_password=NEW_PASSWORD)
    await identity.login(email="ann@example.com", password=NEW_PASSWORD)


async def test_changing_ones_password_sends_the_notice(identity: Identity) -> None:
    _, actor = await registered(identity)
    await identity.change_password(actor=actor, current_password=PASSWORD, new_password=NEW_PASSWORD)
    assert identity.queued_mail()[-1].subject == "Your password was changed"
    assert identity.queued_mail()[-1].to == "ann@example.com"


async def test_verification_and_reset_tokens_do_not_mix(identity: Identity) -> None:
    await registered(identity)
    verify = token_in(identity.queued_mail()[0], "verify-email")
    with pytest.raises(InvalidRequest):
        await identity.confirm_password_reset(token=verify, new_password=NEW_PASSWORD)
    assert {t.purpose for t in identity.state.email_tokens.values()} == {TokenPurpose.VERIFY_EMAIL}

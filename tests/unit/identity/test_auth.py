"""Authentication rules as use-case tests on in-memory adapters."""

from __future__ import annotations

import pyotp
import pytest

from lms_domain.identity.ports import TokenKind
from lms_domain.identity.use_cases import TokenPair
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.errors import Conflict, Forbidden, InvalidField, InvalidRequest, Locked, Unauthorized
from tests.unit.identity.harness import Identity

PASSWORD = "Correct7Horse"


async def registered(identity: Identity, email: str = "ann@example.com") -> tuple[TokenPair, Actor]:
    pair = await identity.register(email=email, password=PASSWORD, full_name="Ann Lee")
    return pair, await identity.authenticate(token=pair.access_token)


async def test_register_makes_a_student_with_a_lowercased_email(identity: Identity) -> None:
    pair, who = await registered(identity, "Ann@Example.COM")
    assert who.role is Role.STUDENT
    assert identity.state.users[who.user_id].email == "ann@example.com"
    assert pair.expires_in == 900


async def test_duplicate_email_in_any_case_conflicts(identity: Identity) -> None:
    await registered(identity)
    with pytest.raises(Conflict):
        await identity.register(email="ANN@example.com", password=PASSWORD, full_name="Other")
    assert len(identity.state.users) == 1


@pytest.mark.parametrize(
    "bad",
    ["short1A", "alllowercase1", "ALLUPPER1", "NoDigitsHere", "Password123", "Qwerty12345", "A1" + "a" * 127],
)
async def test_password_policy_is_422(identity: Identity, bad: str) -> None:
    with pytest.raises(InvalidField) as e:
        await identity.register(email="a@b.io", password=bad, full_name="A")
    assert e.value.field == "password"
    assert identity.state.users == {}


async def test_wrong_password_and_unknown_email_look_alike(identity: Identity) -> None:
    await registered(identity)
    with pytest.raises(Unauthorized) as wrong:
        await identity.login(email="ann@example.com", password="Wrong7Horse")
    with pytest.raises(Unauthorized) as unknown:
        await identity.login(email="nobody@example.com", password=PASSWORD)
    assert wrong.value.message == unknown.value.message


async def test_lockout_after_threshold_even_with_the_right_password(identity: Identity) -> None:
    await registered(identity)
    for _ in range(5):
        with pytest.raises(Unauthorized):
            await identity.login(email="ann@example.com", password="Wrong7Horse")
    with pytest.raises(Locked):
        await identity.login(email="ann@example.com", password=PASSWORD)


async def test_lockout_counts_unknown_addresses_too(identity: Identity) -> None:
    for _ in range(5):
        with pytest.raises(Unauthorized):
            await identity.login(email="ghost@example.com", password=PASSWORD)
    with pytest.raises(Locked):
        await identity.login(email="ghost@example.com", password=PASSWORD)


async def test_success_resets_the_failure_count(identity: Identity) -> None:
    await registered(identity)
    for _ in range(4):
        with pytest.raises(Unauthorized):
            await identity.login(email="ann@example.com", password="Wrong7Horse")
    await identity.login(email="ann@example.com", password=PASSWORD)
    for _ in range(4):
        with pytest.raises(Unauthorized):
            await identity.login(email="ann@example.com", password="Wrong7Horse")
    await identity.login(email="ann@example.com", password=PASSWORD)


async def test_refresh_rotates_and_reuse_revokes_the_login(identity: Identity) -> None:
    first, _ = await registered(identity)
    second = await identity.refresh(refresh_token=first.refresh_token)
    with pytest.raises(Unauthorized):
        await identity.refresh(refresh_token=first.refresh_token)  # reuse
    with pytest.raises(Unauthorized):
        await identity.refresh(refresh_token=second.refresh_token)  # whole login revoked
    with pytest.raises(Unauthorized):
        await identity.authenticate(token=second.access_token)


async def test_tokens_are_not_interchangeable(identity: Identity) -> None:
    pair, _ = await registered(identity)
    with pytest.raises(Unauthorized):
        await identity.authenticate(token=pair.refresh_token)
    with pytest.raises(Unauthorized):
        await identity.refresh(refresh_token=pair.access_token)
    assert identity.codec.decode(pair.refresh_token, TokenKind.REFRESH).kind is TokenKind.REFRESH


async def test_deactivation_revokes_every_login(identity: Identity) -> None:
    pair, who = await registered(identity)
    admin = await identity.create_user(email="root@example.com", password=PASSWORD, role=Role.ADMIN)
    admin_actor = await identity.authenticate(
        token=(await identity.login(email=admin.email, password=PASSWORD)).access_token
    )
    await identity.admin_update(actor=admin_actor, user_id=who.user_id, is_active=False)
    with pytest.raises(Unauthorized):
        await identity.authenticate(token=pair.access_token)
    with pytest.raises(Unauthorized):
        await identity.login(email="ann@example.com", password=PASSWORD)


async def test_password_change_revokes_other_logins_only(identity: Identity) -> None:
    pair, who = await registered(identity)
    other = await identity.login(email="ann@example.com", password=PASSWORD)
    with pytest.raises(InvalidRequest):
        await identity.change_password(actor=who, current_password="Wrong7Horse", new_password="New7Horse9")
    await identity.change_password(actor=who, current_password=PASSWORD, new_password="Brand7NewHorse")
    assert await identity.authenticate(token=pair.access_token)
    with pytest.raises(Unauthorized):
        await identity.authenticate(token=other.access_token)
    await identity.login(email="ann@example.com", password="Brand7NewHorse")


async def test_mfa_flow_with_replay_refused(identity: Identity) -> None:
    _, who = await registered(identity)
    setup = await identity.enable_mfa(actor=who)
    totp = pyotp.TOTP(setup.secret)
    with pytest.raises(InvalidRequest):
        await identity.verify_mfa(actor=who, code="000000" if totp.now() != "000000" else "111111")
    code = totp.at(identity.clock.now())
    await identity.verify_mfa(actor=who, code=code)
    with pytest.raises(Forbidden, match="MFA code required"):
        await identity.login(email="ann@example.com", password=PASSWORD)
    with pytest.raises(Unauthorized):  # the code was used to verify
        await identity.mfa_login(email="ann@example.com", password=PASSWORD, mfa_code=code)
    identity.clock.advance(seconds=30)
    next_code = totp.at(identity.clock.now())
    pair = await identity.mfa_login(email="ann@example.com", password=PASSWORD, mfa_code=next_code)
    assert pair.access_token
    with pytest.raises(Unauthorized):
        await identity.mfa_login(email="ann@example.com", password=PASSWORD, mfa_code=next_code)
    identity.clock.advance(seconds=30)
    await identity.disable_mfa(actor=who, code=totp.at(identity.clock.now()))
    assert (await identity.login(email="ann@example.com", password=PASSWORD)).access_token


async def test_enable_returns_a_new_secret_until_verified(identity: Identity) -> None:
    _, who = await registered(identity)
    first = await identity.enable_mfa(actor=who)
    second = await identity.enable_mfa(actor=who)
    assert first.secret != second.secret
    assert second.provisioning_url.startswith("otpauth://totp/")
    with pytest.raises(InvalidRequest):  # the first secret no longer counts
        await identity.verify_mfa(actor=who, code=pyotp.TOTP(first.secret).at(identity.clock.now()))

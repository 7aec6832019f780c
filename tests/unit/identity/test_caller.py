"""Authentication hands over the caller's record so the same request need not read it again, and
reads no user at all while the session store keeps the user's state, which every change to the
role, activity, verified address or credentials keeps in step."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest

from lms_adapters.memory.sessions import MemorySessionStore
from lms_domain.identity import use_cases as uc
from lms_domain.identity.entities import CallerState
from lms_domain.identity.ports import LiveSession, SessionRead
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.errors import Unauthorized, Unavailable
from tests.unit.identity.harness import Identity, caller_state
from tests.unit.identity.test_email_flows import token_in

PASSWORD = "Correct7Horse"


def authenticate_caller(identity: Identity) -> uc.AuthenticateCaller:
    return uc.AuthenticateCaller(identity.uow(), identity.codec, identity.sessions)


async def test_the_caller_carries_the_actor_and_its_user_record(identity: Identity) -> None:
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    caller = await authenticate_caller(identity)(token=pair.access_token)
    assert caller.actor == await identity.authenticate(token=pair.access_token)
    assert caller.user is not None
    assert caller.user == identity.state.users[caller.actor.user_id]


async def test_a_revoked_session_gives_no_caller(identity: Identity) -> None:
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    actor = await identity.authenticate(token=pair.access_token)
    await uc.Logout(identity.sessions)(actor=actor)
    with pytest.raises(Unauthorized):
        await authenticate_caller(identity)(token=pair.access_token)


async def test_the_profile_comes_from_the_callers_state_without_reading(identity: Identity) -> None:
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    caller = await authenticate_caller(identity)(token=pair.access_token)
    assert caller.state.profile() == identity.state.users[caller.actor.user_id].profile()
    marked = dataclasses.replace(caller.state, full_name="Kept Earlier")  # not what the users hold
    got = await uc.GetProfile(NoReads())(actor=caller.actor, caller=marked)  # type: ignore[arg-type]
    assert got.full_name == "Kept Earlier"
    assert (await uc.GetProfile(identity.uow())(actor=caller.actor)).full_name == "Ann Lee"


async def test_the_profile_ignores_another_users_state(identity: Identity) -> None:
    ann = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    bob = await identity.register(email="bob@example.com", password=PASSWORD, full_name="Bob Roe")
    ann_caller = await authenticate_caller(identity)(token=ann.access_token)
    bob_caller = await authenticate_caller(identity)(token=bob.access_token)
    got = await uc.GetProfile(identity.uow())(actor=ann_caller.actor, caller=bob_caller.state)
    assert (got.id, got.full_name) == (ann_caller.actor.user_id, "Ann Lee")


class NoReads:
    """A unit of work that must not be entered: authentication read no user."""

    async def __aenter__(self) -> Any:
        raise AssertionError("the user was read")

    async def __aexit__(self, *exc: object) -> None:
        return None


class FailingStore(MemorySessionStore):
    """A memory store whose holds or settles fail as a Redis that stopped answering would."""

    def __init__(self, *, hold: bool = False, settle: bool = False) -> None:
        super().__init__()
        self.fail_hold, self.fail_settle = hold, settle

    async def hold_caller(self, user_id: uuid.UUID) -> str:
        if self.fail_hold:
            raise Unavailable("The session store is not available")
        return await super().hold_caller(user_id)

    async def settle_caller(self, state: CallerState, *, hold: str) -> None:
        if self.fail_settle:
            raise Unavailable("The session store is not available")
        await super().settle_caller(state, hold=hold)


async def signed_in_admin(identity: Identity) -> Actor:
    admin = await identity.create_user(email="root@example.com", password=PASSWORD, role=Role.ADMIN)
    pair = await identity.login(email=admin.email, password=PASSWORD)
    return await identity.authenticate(token=pair.access_token)


async def kept(identity: Identity, token: str) -> Actor:
    """The actor of ``token`` as authentication sees it with the user's state kept: no user read."""
    caller = await uc.AuthenticateCaller(NoReads(), identity.codec, identity.sessions)(token=token)  # type: ignore[arg-type]
    assert caller.user is None
    return caller.actor


async def test_once_the_state_is_kept_authentication_reads_no_user(identity: Identity) -> None:
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    first = await authenticate_caller(identity)(token=pair.access_token)
    assert first.user is not None  # nothing kept yet: read, and offered to the store
    assert await kept(identity, pair.access_token) == first.actor


async def test_a_session_read_ahead_is_used_instead_of_asking_the_store(identity: Identity) -> None:
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    actor = await identity.authenticate(token=pair.access_token)
    assert actor.session_id is not None
    authenticate = uc.AuthenticateCaller(NoReads(), identity.codec, identity.sessions)  # type: ignore[arg-type]
    ended = SessionRead(actor.session_id, None)  # read ahead as not live: refused, store unasked
    with pytest.raises(Unauthorized):
        await authenticate(token=pair.access_token, read_ahead=ended)
    admin_state = caller_state(actor.user_id, role=Role.ADMIN)
    ahead = SessionRead(actor.session_id, LiveSession(actor.user_id, 0, admin_state))
    assert (await authenticate(token=pair.access_token, read_ahead=ahead)).actor.role is Role.ADMIN
    other = SessionRead(uuid.uuid4(), None)  # another session's read: the store is asked
    assert (await authenticate(token=pair.access_token, read_ahead=other)).actor.role is Role.STUDENT


async def test_a_role_change_applies_to_the_next_request(identity: Identity) -> None:
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    who = await identity.authenticate(token=pair.access_token)
    admin = await signed_in_admin(identity)
    await identity.admin_update(actor=admin, user_id=who.user_id, role=Role.INSTRUCTOR)
    assert (await kept(identity, pair.access_token)).role is Role.INSTRUCTOR
    await identity.admin_update(actor=admin, user_id=who.user_id, role=Role.STUDENT)
    assert (await kept(identity, pair.access_token)).role is Role.STUDENT


async def test_the_kept_profile_follows_every_change_of_it(identity: Identity) -> None:
    """``GET /users/me`` answers from the kept state: a sign-in, a new name (own or by an admin)
    and MFA turned on or off each leave the state the user's as committed."""
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    who = await identity.authenticate(token=pair.access_token)  # read once, and kept
    uid = who.user_id

    async def in_step() -> CallerState:
        caller = await uc.AuthenticateCaller(NoReads(), identity.codec, identity.sessions)(  # type: ignore[arg-type]
            token=pair.access_token
        )
        assert caller.state == CallerState.of(identity.state.users[uid])
        return caller.state

    admin = await signed_in_admin(identity)
    identity.clock.advance(seconds=5)
    await identity.login(email="ann@example.com", password=PASSWORD)
    assert (await in_step()).last_login_at == identity.clock.now()
    await uc.UpdateProfile(identity.uow(), identity.sessions, identity.clock)(
        actor=who, full_name="Ann Renamed"
    )
    assert (await in_step()).full_name == "Ann Renamed"
    await identity.admin_update(actor=admin, user_id=uid, full_name="Ann By Admin")
    assert (await in_step()).full_name == "Ann By Admin"
    secret = (await identity.enable_mfa(actor=who)).secret
    await identity.verify_mfa(actor=who, code=pyotp.TOTP(secret).at(identity.clock.now()))
    assert (await in_step()).mfa_enabled
    identity.clock.advance(seconds=30)
    await identity.disable_mfa(actor=who, code=pyotp.TOTP(secret).at(identity.clock.now()))
    assert not (await in_step()).mfa_enabled


async def test_deactivation_refuses_the_next_request_even_with_the_sessions_still_open(
    identity: Identity,
) -> None:
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    who = await identity.authenticate(token=pair.access_token)
    admin = await signed_in_admin(identity)
    # a store that could not revoke the sessions (it failed after the commit): the kept state alone
    # must refuse them
    revocations_lost = identity.sessions.revoke_user

    async def lost(user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> None:
        raise Unavailable("The session store is not available")

    identity.sessions.revoke_user = lost  # type: ignore[method-assign]
    await identity.admin_update(actor=admin, user_id=who.user_id, is_active=False)
    identity.sessions.revoke_user = revocations_lost  # type: ignore[method-assign]
    assert await identity.sessions.live_version(who.session_id or uuid.uuid4()) is not None
    with pytest.raises(Unauthorized):
        await identity.authenticate(token=pair.access_token)


async def test_verifying_the_address_applies_to_the_next_request(identity: Identity) -> None:
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    assert not (await identity.authenticate(token=pair.access_token)).email_verified
    await identity.verify_email(token=token_in(identity.queued_mail()[-1], "verify-email"))
    assert (await kept(identity, pair.access_token)).email_verified


async def test_a_password_reset_refuses_the_next_request(identity: Identity) -> None:
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    await identity.authenticate(token=pair.access_token)
    await identity.request_password_reset(email="ann@example.com")
    token = token_in(identity.queued_mail()[-1], "reset-password")
    await identity.confirm_password_reset(token=token, new_password="Another5Horse")
    with pytest.raises(Unauthorized):
        await identity.authenticate(token=pair.access_token)


async def test_a_store_that_cannot_hold_the_user_leaves_the_change_undone(identity: Identity) -> None:
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    who = await identity.authenticate(token=pair.access_token)
    admin = await signed_in_admin(identity)
    failing = FailingStore(hold=True)
    update = uc.AdminUpdateUser(identity.uow(), failing, identity.clock)
    with pytest.raises(Unavailable):  # 503
        await update(actor=admin, user_id=who.user_id, role=Role.INSTRUCTOR)
    assert identity.state.users[who.user_id].role is Role.STUDENT  # nothing was done


async def test_a_store_that_fails_after_the_commit_leaves_the_user_to_be_read(identity: Identity) -> None:
    identity.sessions = FailingStore(settle=True)
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    who = await identity.authenticate(token=pair.access_token)
    await kept(identity, pair.access_token)
    admin = await signed_in_admin(identity)
    changed = await identity.admin_update(actor=admin, user_id=who.user_id, role=Role.INSTRUCTOR)
    assert changed.role is Role.INSTRUCTOR  # done: 200
    caller = await authenticate_caller(identity)(token=pair.access_token)
    assert caller.actor.role is Role.INSTRUCTOR
    assert caller.user is not None  # the hold stays: the user is read until it lapses


async def test_an_earlier_change_settling_late_never_undoes_a_later_one() -> None:
    store = MemorySessionStore()
    uid = uuid.uuid4()
    student = caller_state(uid, email_verified=True)
    instructor = dataclasses.replace(student, role=Role.INSTRUCTOR)
    first = await store.hold_caller(uid)
    second = await store.hold_caller(uid)  # the second change locked the row after the first commit
    await store.settle_caller(instructor, hold=second)
    await store.settle_caller(student, hold=first)  # late: ignored
    await store.offer_caller(student)  # a read from before the changes: ignored
    sid = uuid.uuid4()
    await store.open(
        session_id=sid,
        user_id=uid,
        refresh_id=uuid.uuid4(),
        expires_at=datetime.now(UTC) + timedelta(days=1),
        credentials_version=0,
    )
    live = await store.live(sid, user_id=uid)
    assert live is not None
    assert live.caller == instructor

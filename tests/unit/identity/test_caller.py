"""Authentication hands over the caller's record so the same request need not read it again."""

from __future__ import annotations

import dataclasses

import pytest

from lms_domain.identity import use_cases as uc
from lms_domain.shared.errors import NotFound, Unauthorized
from tests.unit.identity.harness import Identity

PASSWORD = "Correct7Horse"


def authenticate_caller(identity: Identity) -> uc.AuthenticateCaller:
    return uc.AuthenticateCaller(identity.uow(), identity.codec, identity.sessions)


async def test_the_caller_carries_the_actor_and_its_user_record(identity: Identity) -> None:
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    caller = await authenticate_caller(identity)(token=pair.access_token)
    assert caller.actor == await identity.authenticate(token=pair.access_token)
    assert caller.user == identity.state.users[caller.actor.user_id]


async def test_a_revoked_session_gives_no_caller(identity: Identity) -> None:
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    actor = await identity.authenticate(token=pair.access_token)
    await uc.Logout(identity.sessions)(actor=actor)
    with pytest.raises(Unauthorized):
        await authenticate_caller(identity)(token=pair.access_token)


async def test_get_user_returns_the_loaded_caller_without_reading(identity: Identity) -> None:
    pair = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    caller = await authenticate_caller(identity)(token=pair.access_token)
    marked = dataclasses.replace(caller.user, full_name="Loaded Earlier")  # not what the store holds
    got = await uc.GetUser(identity.uow())(actor=caller.actor, caller=marked)
    assert got is marked
    assert (await uc.GetUser(identity.uow())(actor=caller.actor)).full_name == "Ann Lee"


async def test_get_user_ignores_a_caller_record_for_another_target(identity: Identity) -> None:
    ann = await identity.register(email="ann@example.com", password=PASSWORD, full_name="Ann Lee")
    bob = await identity.register(email="bob@example.com", password=PASSWORD, full_name="Bob Roe")
    ann_caller = await authenticate_caller(identity)(token=ann.access_token)
    bob_caller = await authenticate_caller(identity)(token=bob.access_token)
    got = await uc.GetUser(identity.uow())(actor=ann_caller.actor, caller=bob_caller.user)
    assert got.full_name == "Ann Lee"
    with pytest.raises(NotFound):  # a student still may not read someone else through the hint
        await uc.GetUser(identity.uow())(
            actor=ann_caller.actor, user_id=bob_caller.actor.user_id, caller=bob_caller.user
        )

"""SessionStore (logins, rotation, revocation, TOTP steps) on memory, SQL and Redis."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from lms_adapters.redis.client import make_redis
from lms_adapters.redis.counters import RedisRateLimiter
from lms_adapters.redis.sessions import RedisSessionStore, caller_key
from lms_domain.identity.entities import CallerState
from lms_domain.identity.ports import (
    CALLER_HOLD_SECONDS,
    CALLER_KEEP_SECONDS,
    LiveSession,
    RotateOutcome,
    SessionRead,
)
from lms_domain.shared.actors import Role
from tests.conftest import needs_redis
from tests.contract.conftest import SessionsAndUsers
from tests.unit.identity.harness import caller_state


def later() -> datetime:
    return datetime.now(UTC) + timedelta(days=7)


async def opened(
    store: Any, user_id: uuid.UUID | None = None, version: int = 0
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    sid, rid, uid = uuid.uuid4(), uuid.uuid4(), user_id or uuid.uuid4()
    await store.open(
        session_id=sid, user_id=uid, refresh_id=rid, expires_at=later(), credentials_version=version
    )
    return sid, rid, uid


async def is_active(store: Any, session_id: uuid.UUID) -> bool:
    return await store.live_version(session_id) is not None


async def test_open_session_is_live_with_its_version_unknown_is_not(session_store: Any) -> None:
    sid, _, _ = await opened(session_store, version=3)
    assert await session_store.live_version(sid) == 3
    assert await session_store.live_version(uuid.uuid4()) is None


async def test_carry_over_moves_a_live_session_only(session_store: Any) -> None:
    kept, _, uid = await opened(session_store, version=1)
    ended, _, _ = await opened(session_store, uid, version=1)
    await session_store.revoke(ended)
    await session_store.carry_over(kept, 2)
    await session_store.carry_over(ended, 2)
    await session_store.carry_over(uuid.uuid4(), 2)  # unknown: nothing happens, nothing is created
    assert await session_store.live_version(kept) == 2
    assert await session_store.live_version(ended) is None


async def test_rotation_then_reuse_revokes(session_store: Any) -> None:
    sid, rid, _ = await opened(session_store)
    new = uuid.uuid4()
    assert (
        await session_store.rotate(
            session_id=sid, presented_refresh_id=rid, new_refresh_id=new, expires_at=later()
        )
        is RotateOutcome.ROTATED
    )
    assert (
        await session_store.rotate(
            session_id=sid, presented_refresh_id=rid, new_refresh_id=uuid.uuid4(), expires_at=later()
        )
        is RotateOutcome.REUSED
    )
    assert not await is_active(session_store, sid)
    assert (
        await session_store.rotate(
            session_id=sid, presented_refresh_id=new, new_refresh_id=uuid.uuid4(), expires_at=later()
        )
        is RotateOutcome.REVOKED
    )


async def test_concurrent_rotations_of_one_token_succeed_once(session_store: Any) -> None:
    sid, rid, _ = await opened(session_store)
    outcomes = await asyncio.gather(
        *(
            session_store.rotate(
                session_id=sid, presented_refresh_id=rid, new_refresh_id=uuid.uuid4(), expires_at=later()
            )
            for _ in range(5)
        )
    )
    assert outcomes.count(RotateOutcome.ROTATED) == 1


async def test_revoke_one_and_revoke_user_keeping_one(session_store: Any) -> None:
    a, _, uid = await opened(session_store)
    b, _, _ = await opened(session_store, uid)
    c, _, _ = await opened(session_store, uid)
    other, _, _ = await opened(session_store)
    await session_store.revoke(a)
    assert not await is_active(session_store, a)
    await session_store.revoke_user(uid, keep=b)
    assert await is_active(session_store, b)
    assert not await is_active(session_store, c)
    assert await is_active(session_store, other)
    await session_store.revoke_user(uid)
    assert not await is_active(session_store, b)


async def test_revoking_an_unknown_session_is_harmless(session_store: Any) -> None:
    await session_store.revoke(uuid.uuid4())
    await session_store.revoke_user(uuid.uuid4())


async def test_totp_step_is_accepted_once_per_user(session_store: Any) -> None:
    uid = uuid.uuid4()
    assert await session_store.use_totp_step(uid, 100)
    assert not await session_store.use_totp_step(uid, 100)
    assert await session_store.use_totp_step(uid, 101)
    assert await session_store.use_totp_step(uuid.uuid4(), 100)


# The user's state with the session: ``live``, and the copies kept in step by holds and settles


def state_of(user_id: uuid.UUID, **changes: Any) -> CallerState:
    return caller_state(user_id, **changes)


async def caller_of(store: Any, session_id: uuid.UUID, user_id: uuid.UUID) -> CallerState | None:
    live = await store.live(session_id, user_id=user_id)
    assert live is not None
    assert isinstance(live, LiveSession)
    return live.caller


async def test_live_answers_a_live_session_of_its_user_only(sessions_and_users: SessionsAndUsers) -> None:
    store, uid = sessions_and_users.store, uuid.uuid4()
    await sessions_and_users.commit(state_of(uid, credentials_version=2))
    sid, _, _ = await opened(store, uid, version=2)
    live = await store.live(sid, user_id=uid)
    assert live is not None
    assert (live.user_id, live.credentials_version) == (uid, 2)
    assert await store.live(sid, user_id=uuid.uuid4()) is None  # another user's token
    assert await store.live(uuid.uuid4(), user_id=uid) is None
    await store.revoke(sid)
    assert await store.live(sid, user_id=uid) is None


async def test_an_offered_state_is_answered_with_every_field(sessions_and_users: SessionsAndUsers) -> None:
    store, uid = sessions_and_users.store, uuid.uuid4()
    state = state_of(
        uid,
        role=Role.ADMIN,
        is_active=False,
        email_verified=True,
        credentials_version=7,
        credentials_session_id=uuid.uuid4(),
        email="zoë.o'neil@example.com",
        full_name='Zoë "Z" O\'Neil | 李',
        mfa_enabled=True,
        last_login_at=datetime(2026, 12, 7, 18, 0, 1, 123456, tzinfo=UTC),
    )
    await sessions_and_users.commit(state)
    sid, _, _ = await opened(store, uid, version=6)
    await store.offer_caller(state)
    assert await caller_of(store, sid, uid) == state
    await store.offer_caller(state_of(uid))  # something is kept (or read): an offer changes nothing
    assert await caller_of(store, sid, uid) == state


async def test_a_held_user_is_read_until_its_change_settles(sessions_and_users: SessionsAndUsers) -> None:
    store, uid = sessions_and_users.store, uuid.uuid4()
    student, instructor = state_of(uid), state_of(uid, role=Role.INSTRUCTOR)
    await sessions_and_users.commit(student)
    sid, _, _ = await opened(store, uid)
    await store.offer_caller(student)
    hold = await store.hold_caller(uid)
    # before the change commits, nothing kept may answer: the old state could outlive the commit
    assert await caller_of(store, sid, uid) == (None if sessions_and_users.keeps_copies else student)
    await store.offer_caller(student)  # read before the commit: never kept while the user is held
    assert await caller_of(store, sid, uid) == (None if sessions_and_users.keeps_copies else student)
    await sessions_and_users.commit(instructor)
    await store.settle_caller(instructor, hold=hold)
    assert await caller_of(store, sid, uid) == instructor


async def test_an_earlier_change_settling_late_changes_nothing(sessions_and_users: SessionsAndUsers) -> None:
    store, uid = sessions_and_users.store, uuid.uuid4()
    await sessions_and_users.commit(state_of(uid))
    sid, _, _ = await opened(store, uid)
    first = await store.hold_caller(uid)
    second = await store.hold_caller(uid)  # the next change held the user after the first committed
    admin = state_of(uid, role=Role.ADMIN)
    await sessions_and_users.commit(admin)
    await store.settle_caller(admin, hold=second)
    await store.settle_caller(state_of(uid, role=Role.INSTRUCTOR), hold=first)
    await store.offer_caller(state_of(uid))
    assert await caller_of(store, sid, uid) == admin


async def test_a_change_that_never_settles_leaves_the_user_to_be_read(
    sessions_and_users: SessionsAndUsers,
) -> None:
    store, uid = sessions_and_users.store, uuid.uuid4()
    student = state_of(uid)
    await sessions_and_users.commit(student)
    sid, _, _ = await opened(store, uid)
    await store.offer_caller(student)
    await store.hold_caller(uid)
    deactivated = state_of(uid, is_active=False, credentials_version=1)
    await sessions_and_users.commit(deactivated)  # committed; the settle is lost (the store failed)
    await store.offer_caller(student)
    assert await caller_of(store, sid, uid) == (None if sessions_and_users.keeps_copies else deactivated)


@needs_redis
async def test_redis_holds_lapse_and_copies_expire(redis_url: str) -> None:
    client = make_redis(redis_url)
    store, uid = RedisSessionStore(client), uuid.uuid4()
    try:
        await store.hold_caller(uid)
        assert 0 < await client.ttl(caller_key("lms", uid)) <= CALLER_HOLD_SECONDS
        await client.delete(caller_key("lms", uid))  # the hold lapsed
        await store.offer_caller(state_of(uid))
        assert CALLER_HOLD_SECONDS < await client.ttl(caller_key("lms", uid)) <= CALLER_KEEP_SECONDS
    finally:
        await client.aclose()


@needs_redis
async def test_the_rate_limit_count_reads_the_session_as_the_store_does(redis_url: str) -> None:
    client = make_redis(redis_url)
    store, limiter, uid = RedisSessionStore(client), RedisRateLimiter(client), uuid.uuid4()
    try:
        sid, _, _ = await opened(store, uid, version=3)
        hit = limiter.hit_reading_session
        wait, read = await hit("any:a", limit=2, window_seconds=60, session_id=sid, user_id=uid)
        assert (wait, read) == (0, SessionRead(sid, LiveSession(uid, 3, None)))
        await store.offer_caller(state_of(uid, credentials_version=3))
        wait, read = await hit("any:a", limit=2, window_seconds=60, session_id=sid, user_id=uid)
        assert wait == 0
        assert read == SessionRead(sid, await store.live(sid, user_id=uid))
        assert read is not None and read.live is not None and read.live.caller is not None
        await store.revoke(sid)
        wait, read = await hit("any:a", limit=2, window_seconds=60, session_id=sid, user_id=uid)
        assert wait > 0  # the third request in the window
        assert read == SessionRead(sid, None)
        _, other = await hit("any:b", limit=2, window_seconds=60, session_id=sid, user_id=uuid.uuid4())
        assert other == SessionRead(sid, None)  # the token's user must be the session's
    finally:
        await client.aclose()

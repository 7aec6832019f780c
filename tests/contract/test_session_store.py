"""SessionStore (logins, rotation, revocation, TOTP steps) on memory, SQL and Redis."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from lms_domain.identity.ports import RotateOutcome


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

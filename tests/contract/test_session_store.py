"""SessionStore (logins, rotation, revocation, TOTP steps) on memory, SQL and Redis."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from lms_domain.identity.ports import RotateOutcome


def later() -> datetime:
    return datetime.now(UTC) + timedelta(days=7)


async def opened(store: Any, user_id: uuid.UUID | None = None) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    sid, rid, uid = uuid.uuid4(), uuid.uuid4(), user_id or uuid.uuid4()
    await store.open(session_id=sid, user_id=uid, refresh_id=rid, expires_at=later())
    return sid, rid, uid


async def test_open_session_is_active_unknown_is_not(session_store: Any) -> None:
    sid, _, _ = await opened(session_store)
    assert await session_store.is_active(sid)
    assert not await session_store.is_active(uuid.uuid4())


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
    assert not await session_store.is_active(sid)
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
    assert not await session_store.is_active(a)
    await session_store.revoke_user(uid, keep=b)
    assert await session_store.is_active(b)
    assert not await session_store.is_active(c)
    assert await session_store.is_active(other)
    await session_store.revoke_user(uid)
    assert not await session_store.is_active(b)


async def test_revoking_an_unknown_session_is_harmless(session_store: Any) -> None:
    await session_store.revoke(uuid.uuid4())
    await session_store.revoke_user(uuid.uuid4())


async def test_totp_step_is_accepted_once_per_user(session_store: Any) -> None:
    uid = uuid.uuid4()
    assert await session_store.use_totp_step(uid, 100)
    assert not await session_store.use_totp_step(uid, 100)
    assert await session_store.use_totp_step(uid, 101)
    assert await session_store.use_totp_step(uuid.uuid4(), 100)

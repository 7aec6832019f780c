"""The Redis adapters on a pool smaller than the calls in flight: they wait for a connection, and a
wait that runs out is "busy", never taken for an outage (no fallback, no skipped cache)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from lms_adapters.redis.client import REDIS_DOWN, make_redis, ping_outside_pool
from lms_adapters.redis.counters import RedisLoginThrottle, RedisRateLimiter
from lms_adapters.redis.idempotency import RedisIdempotencyStore
from lms_adapters.redis.sessions import RedisSessionStore
from lms_adapters.redis.stamps import RedisStamps
from lms_domain.identity.ports import RotateOutcome
from lms_domain.shared.errors import Unavailable
from lms_platform.idempotency import ClaimState
from tests.conftest import free_port, needs_redis

pytestmark = needs_redis

POOL = 4
AT_ONCE = 64
ROUNDS = 5


class NoFallback:
    """A rate limiter fallback that must never be asked."""

    def __init__(self) -> None:
        self.asked = 0

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int:
        self.asked += 1
        return 0


@pytest.fixture
async def small(redis_url: str) -> AsyncIterator[Redis]:
    client = make_redis(redis_url, pool_size=POOL)
    yield client
    pool: Any = client.connection_pool
    assert len(pool._available_connections) + len(pool._in_use_connections) <= POOL
    await client.aclose()


async def all_at_once(call: Callable[[int], Awaitable[Any]]) -> list[Any]:
    """``AT_ONCE`` calls released together, ``ROUNDS`` times; every result (or error) in order."""

    async def one(gate: asyncio.Event, i: int) -> Any:
        await gate.wait()
        return await call(i)

    results: list[Any] = []
    for _ in range(ROUNDS):
        gate = asyncio.Event()
        tasks = [asyncio.create_task(one(gate, i)) for i in range(AT_ONCE)]
        await asyncio.sleep(0)
        gate.set()
        results += await asyncio.gather(*tasks, return_exceptions=True)
    return results


def later() -> datetime:
    return datetime.now(UTC) + timedelta(days=7)


async def test_sessions_wait_for_a_connection(small: Redis) -> None:
    store = RedisSessionStore(small, prefix=f"pool-{free_port()}")
    sessions = [(uuid.uuid4(), uuid.uuid4()) for _ in range(AT_ONCE)]

    async def open_then_check(i: int) -> bool:
        sid, rid = sessions[i]
        if await store.live_version(sid) is None:
            await store.open(
                session_id=sid,
                user_id=uuid.uuid4(),
                refresh_id=rid,
                expires_at=later(),
                credentials_version=0,
            )
        return await store.live_version(sid) is not None

    assert await all_at_once(open_then_check) == [True] * AT_ONCE * ROUNDS
    outcomes = await all_at_once(
        lambda i: store.rotate(
            session_id=sessions[i][0],
            presented_refresh_id=sessions[i][1],
            new_refresh_id=uuid.uuid4(),
            expires_at=later(),
        )
    )
    # the first round rotates, the later ones present an old refresh id (reuse) or a revoked session
    assert outcomes[:AT_ONCE] == [RotateOutcome.ROTATED] * AT_ONCE
    assert all(isinstance(o, RotateOutcome) for o in outcomes)


async def test_counters_wait_and_the_rate_limit_fallback_is_never_asked(small: Redis) -> None:
    prefix = f"pool-{free_port()}"
    fallback = NoFallback()
    limiter = RedisRateLimiter(small, fallback=fallback, prefix=prefix)
    day = 86_400  # one window for the whole test
    waits = await all_at_once(lambda i: limiter.hit("ip:burst", limit=10_000, window_seconds=day))
    assert waits == [0] * AT_ONCE * ROUNDS and fallback.asked == 0
    # every hit was counted in Redis: the next one past the limit is refused
    assert await limiter.hit("ip:burst", limit=AT_ONCE * ROUNDS, window_seconds=day) > 0

    throttle = RedisLoginThrottle(small, prefix=prefix)

    async def failed(key: str) -> bool:
        reservation = await throttle.reserve(key, threshold=ROUNDS, lock_seconds=60)
        assert reservation is not None
        return await throttle.fail(key, reservation, threshold=ROUNDS, lock_seconds=60)

    locked = await all_at_once(lambda i: failed(f"user{i}@example.com"))
    assert not any(isinstance(x, Exception) for x in locked)
    assert locked[-AT_ONCE:] == [True] * AT_ONCE  # the ROUNDS-th failure of each address locks it
    assert await all_at_once(lambda i: throttle.is_locked(f"user{i}@example.com")) == [True] * (
        AT_ONCE * ROUNDS
    )


async def test_stamps_never_go_missing_under_a_burst(small: Redis) -> None:
    """A missing stamp makes the catalog skip its cache: a burst must not cause one."""
    stamps = RedisStamps(small, prefix=f"pool-{free_port()}")
    first = await stamps.current("catalog")
    assert await all_at_once(lambda i: stamps.current("catalog")) == [first] * AT_ONCE * ROUNDS
    renewed = await all_at_once(
        lambda i: stamps.renew("catalog") if i % 8 == 0 else stamps.current("catalog")
    )
    assert None not in renewed and not any(isinstance(x, Exception) for x in renewed)


async def test_idempotency_claims_wait_for_a_connection(small: Redis) -> None:
    store = RedisIdempotencyStore(small, prefix=f"pool-{free_port()}")
    claims = await all_at_once(lambda i: store.claim(f"key-{i}", "fp", 60))
    states = [c.state for c in claims]
    assert states[:AT_ONCE] == [ClaimState.NEW] * AT_ONCE
    assert states[AT_ONCE:] == [ClaimState.PENDING] * AT_ONCE * (ROUNDS - 1)


# --- the wait runs out: busy, not down --------------------------------------------------------------


@contextlib.asynccontextmanager
async def taken(redis_url: str, *, hold: float, pool_wait: float) -> AsyncIterator[Redis]:
    """A pool of one whose only connection is taken for ``hold`` seconds (a blocking BLPOP)."""
    client = make_redis(redis_url, pool_size=1, pool_wait=pool_wait)

    async def hold_the_connection() -> object:
        return await client.blpop([f"pool-held-{uuid.uuid4()}"], timeout=hold)

    holder = asyncio.create_task(hold_the_connection())
    await asyncio.sleep(0.05)
    try:
        yield client
    finally:
        await holder
        await client.aclose()


async def test_a_busy_pool_is_reported_busy_by_every_store(redis_url: str) -> None:
    sid = uuid.uuid4()
    async with taken(redis_url, hold=1.5, pool_wait=0.1) as held:
        calls: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("session store", lambda: RedisSessionStore(held).live_version(sid)),
            ("session store", lambda: RedisSessionStore(held).revoke(sid)),
            ("lockout store", lambda: RedisLoginThrottle(held).is_locked("a@example.com")),
            ("idempotency store", lambda: RedisIdempotencyStore(held).claim("k", "fp", 60)),
            ("stamp store", lambda: RedisStamps(held).current("catalog")),
        ]
        for store, call in calls:
            with pytest.raises(Unavailable) as e:
                await call()
            assert e.value.message == f"The {store} is busy"

        fallback = NoFallback()
        with pytest.raises(Unavailable) as e:
            await RedisRateLimiter(held, fallback=fallback).hit("ip:1", limit=5, window_seconds=60)
        assert e.value.message == "The rate limit store is busy" and fallback.asked == 0
        await ping_outside_pool(held)  # Redis itself answers: readiness asks on a connection of its own


async def test_a_stamp_renewal_waits_again_while_the_pool_is_busy(redis_url: str) -> None:
    async with taken(redis_url, hold=0.5, pool_wait=0.4) as held:
        stamps = RedisStamps(held, prefix=f"pool-{free_port()}")
        started = time.monotonic()
        assert await stamps.renew("catalog") is True
        assert time.monotonic() - started > 0.4  # the first wait ran out; a later one got through


async def test_an_unreachable_redis_is_not_available_not_busy() -> None:
    client = make_redis(f"redis://127.0.0.1:{free_port()}/0", pool_size=1)
    try:
        with pytest.raises(Unavailable) as e:
            await RedisSessionStore(client).live_version(uuid.uuid4())
        assert e.value.message == "The session store is not available"
        fallback = NoFallback()
        assert await RedisRateLimiter(client, fallback=fallback).hit("ip:1", limit=5, window_seconds=60) == 0
        assert fallback.asked == 1  # an outage, unlike a busy pool, counts in the process
        assert await RedisStamps(client).current("catalog") is None  # and the catalog skips its cache
        with pytest.raises(REDIS_DOWN):
            await ping_outside_pool(client)
    finally:
        await client.aclose()

"""LoginThrottle and RateLimiter on the in-process and Redis adapters."""

from __future__ import annotations

import asyncio
from typing import Any


async def failed(throttle: Any, key: str, *, threshold: int = 3, lock_seconds: int = 60) -> bool:
    """One reserved try that fails; True when the key is locked afterwards."""
    reservation = await throttle.reserve(key, threshold=threshold, lock_seconds=lock_seconds)
    assert reservation is not None
    return bool(await throttle.fail(key, reservation, threshold=threshold, lock_seconds=lock_seconds))


async def test_lock_after_threshold_and_a_success_resets(login_throttle: Any) -> None:
    key = "ann@example.com"
    for _ in range(2):
        assert not await failed(login_throttle, key)
        assert not await login_throttle.is_locked(key)
    assert await failed(login_throttle, key)
    assert await login_throttle.is_locked(key)
    assert await login_throttle.reserve(key, threshold=3, lock_seconds=60) is None
    assert not await login_throttle.is_locked("bob@example.com")


async def test_success_clears_the_count_and_release_does_not(login_throttle: Any) -> None:
    key = "ann@example.com"
    await failed(login_throttle, key)
    await failed(login_throttle, key)
    reservation = await login_throttle.reserve(key, threshold=3, lock_seconds=60)
    await login_throttle.release(key, reservation)  # e.g. "MFA code required": not a sign-in
    assert await failed(login_throttle, key)  # the third failure still locks
    other = "cleo@example.com"
    await failed(login_throttle, other)
    await failed(login_throttle, other)
    reservation = await login_throttle.reserve(other, threshold=3, lock_seconds=60)
    await login_throttle.succeed(other, reservation)
    assert not await failed(login_throttle, other)
    assert not await failed(login_throttle, other)
    assert not await login_throttle.is_locked(other)


async def test_tries_in_flight_count_against_the_threshold(login_throttle: Any) -> None:
    """Tries reserved at once: no more than the threshold, whatever their outcome will be."""
    key = "race@example.com"
    for _ in range(3):  # rounds
        reservations = await asyncio.gather(
            *(login_throttle.reserve(key, threshold=5, lock_seconds=60) for _ in range(15))
        )
        granted = [r for r in reservations if r is not None]
        assert len(granted) == 5
        assert len(set(granted)) == 5
        for reservation in granted:  # all succeed: nothing is counted, the next round starts afresh
            await login_throttle.succeed(key, reservation)


async def test_failures_and_tries_in_flight_add_up(login_throttle: Any) -> None:
    key = "mixed@example.com"
    await failed(login_throttle, key, threshold=5)
    await failed(login_throttle, key, threshold=5)
    held = [await login_throttle.reserve(key, threshold=5, lock_seconds=60) for _ in range(4)]
    assert held[:3] != [None] * 3 and None not in held[:3]
    assert held[3] is None  # 2 failures + 3 in flight reach 5
    await login_throttle.release(key, held[0])
    assert await login_throttle.reserve(key, threshold=5, lock_seconds=60) is not None


async def test_lock_expires(login_throttle: Any) -> None:
    key = "short@example.com"
    assert await failed(login_throttle, key, threshold=1, lock_seconds=1)
    assert await login_throttle.is_locked(key)
    await asyncio.sleep(2.1)
    assert not await login_throttle.is_locked(key)
    assert await login_throttle.reserve(key, threshold=1, lock_seconds=1) is not None


async def test_rate_limit_allows_the_limit_then_refuses(rate_limiter: Any) -> None:
    results = [await rate_limiter.hit("ip:1", limit=3, window_seconds=60) for _ in range(5)]
    assert results[:3] == [0, 0, 0]
    assert all(1 <= r <= 60 for r in results[3:])
    assert await rate_limiter.hit("ip:2", limit=3, window_seconds=60) == 0

"""LoginThrottle and RateLimiter on the in-process and Redis adapters."""

from __future__ import annotations

from typing import Any


async def test_lock_after_threshold_and_reset(login_throttle: Any) -> None:
    key = "ann@example.com"
    for _ in range(2):
        assert not await login_throttle.record_failure(key, threshold=3, lock_seconds=60)
        assert not await login_throttle.is_locked(key)
    assert await login_throttle.record_failure(key, threshold=3, lock_seconds=60)
    assert await login_throttle.is_locked(key)
    assert not await login_throttle.is_locked("bob@example.com")
    await login_throttle.reset(key)
    assert not await login_throttle.is_locked(key)


async def test_reset_clears_the_count(login_throttle: Any) -> None:
    key = "ann@example.com"
    await login_throttle.record_failure(key, threshold=3, lock_seconds=60)
    await login_throttle.record_failure(key, threshold=3, lock_seconds=60)
    await login_throttle.reset(key)
    assert not await login_throttle.record_failure(key, threshold=3, lock_seconds=60)
    assert not await login_throttle.is_locked(key)


async def test_lock_expires(login_throttle: Any) -> None:
    import asyncio

    key = "short@example.com"
    assert await login_throttle.record_failure(key, threshold=1, lock_seconds=1)
    assert await login_throttle.is_locked(key)
    await asyncio.sleep(2.1)
    assert not await login_throttle.is_locked(key)


async def test_rate_limit_allows_the_limit_then_refuses(rate_limiter: Any) -> None:
    results = [await rate_limiter.hit("ip:1", limit=3, window_seconds=60) for _ in range(5)]
    assert results[:3] == [0, 0, 0]
    assert all(1 <= r <= 60 for r in results[3:])
    assert await rate_limiter.hit("ip:2", limit=3, window_seconds=60) == 0

"""Login lockout and rate limiting in this process (the embedded default, one worker)."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["InProcessLoginThrottle", "InProcessRateLimiter"]


class InProcessLoginThrottle:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._failures: dict[str, tuple[int, float]] = {}
        self._locked_until: dict[str, float] = {}

    async def is_locked(self, key: str) -> bool:
        until = self._locked_until.get(key)
        if until is None:
            return False
        if until <= self._now():
            del self._locked_until[key]
            return False
        return True

    async def record_failure(self, key: str, *, threshold: int, lock_seconds: int) -> bool:
        now = self._now()
        count, expires = self._failures.get(key, (0, now))
        count = 1 if expires <= now and count else count + 1
        if count >= threshold:
            self._failures.pop(key, None)
            self._locked_until[key] = now + lock_seconds
            return True
        self._failures[key] = (count, now + lock_seconds)
        return False

    async def reset(self, key: str) -> None:
        self._failures.pop(key, None)
        self._locked_until.pop(key, None)


class InProcessRateLimiter:
    """Fixed windows per key; old windows are dropped as new ones start."""

    def __init__(self, monotonic: Callable[[], float] = time.time, max_keys: int = 100_000) -> None:
        self._now, self._max_keys = monotonic, max_keys
        self._windows: dict[tuple[str, int], int] = {}

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int:
        now = self._now()
        window = int(now // window_seconds)
        if len(self._windows) >= self._max_keys:
            self._windows = {k: v for k, v in self._windows.items() if k[1] >= window - 1}
        count = self._windows.get((key, window), 0) + 1
        self._windows[(key, window)] = count
        if count > limit:
            return max(1, int((window + 1) * window_seconds - now))
        return 0

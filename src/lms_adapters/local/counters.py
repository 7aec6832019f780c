"""Login lockout and rate limiting in this process (the embedded default, one worker)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

__all__ = ["RESERVATION_SECONDS", "InProcessLoginThrottle", "InProcessRateLimiter"]

# A reservation outlives any sign-in by far; it only matters for a task that never ended its own.
RESERVATION_SECONDS = 60


class InProcessLoginThrottle:
    """The lockout rule in this process: each call runs to its end without awaiting, so reserving
    a try is atomic for the single worker of the embedded default."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._failures: dict[str, tuple[int, float]] = {}
        self._locked_until: dict[str, float] = {}
        self._tries: dict[str, dict[str, float]] = {}

    def _locked(self, key: str, now: float) -> bool:
        until = self._locked_until.get(key)
        if until is None:
            return False
        if until <= now:
            del self._locked_until[key]
            return False
        return True

    def _failed(self, key: str, now: float) -> int:
        count, expires = self._failures.get(key, (0, now))
        return 0 if expires <= now else count

    def _end(self, key: str, reservation: str) -> None:
        tries = self._tries.get(key)
        if tries is not None:
            tries.pop(reservation, None)
            if not tries:
                del self._tries[key]

    async def is_locked(self, key: str) -> bool:
        return self._locked(key, self._now())

    async def reserve(self, key: str, *, threshold: int, lock_seconds: int) -> str | None:
        now = self._now()
        if self._locked(key, now):
            return None
        tries = {r: lapses for r, lapses in self._tries.get(key, {}).items() if lapses > now}
        if self._failed(key, now) + len(tries) >= threshold:
            return None
        reservation = uuid.uuid4().hex
        tries[reservation] = now + RESERVATION_SECONDS
        self._tries[key] = tries
        return reservation

    async def fail(self, key: str, reservation: str, *, threshold: int, lock_seconds: int) -> bool:
        now = self._now()
        self._end(key, reservation)
        count = self._failed(key, now) + 1
        if count >= threshold:
            self._failures.pop(key, None)
            self._locked_until[key] = now + lock_seconds
            return True
        self._failures[key] = (count, now + lock_seconds)
        return False

    async def succeed(self, key: str, reservation: str) -> None:
        self._end(key, reservation)
        self._failures.pop(key, None)
        self._locked_until.pop(key, None)

    async def release(self, key: str, reservation: str) -> None:
        self._end(key, reservation)

    async def clear(self, key: str) -> None:
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

"""Version stamps shared by every worker and instance: a random token per name, replaced on change.

A token, not a counter: after Redis restarts empty, counting again could reach a number an old
cache entry carries and pass it off as fresh; a new random token never does. ``current`` answers
``None`` when Redis does not answer, and callers then skip whatever the stamp guards. A busy pool
is not that: Redis answers (and may hold a newer stamp than this process could read), so
``current`` raises ``Unavailable`` (busy) and ``renew`` waits for a connection again.
"""

from __future__ import annotations

import secrets

from redis.asyncio import Redis

from lms_adapters.redis.client import REDIS_DOWN, RedisBusy, unavailable

__all__ = ["RENEW_WAITS", "RedisStamps", "stamp_key"]

# Pool waits a renewal sits through before it gives up (and its caller retries in the background).
RENEW_WAITS = 3


def stamp_key(prefix: str, name: str) -> str:
    return f"{prefix}:stamp:{name}"


class RedisStamps:
    def __init__(self, redis: Redis, prefix: str = "lms") -> None:
        self._r, self._p = redis, prefix

    @property
    def client(self) -> Redis:
        return self._r

    @property
    def prefix(self) -> str:
        return self._p

    async def current(self, name: str) -> str | None:
        key = stamp_key(self._p, name)
        try:
            stamp = await self._r.get(key)
            if stamp is None:  # first use, or Redis lost it: start a new one (another may win)
                await self._r.set(key, secrets.token_hex(8), nx=True)
                stamp = await self._r.get(key)
        except RedisBusy as e:
            raise unavailable("stamp store", e) from e
        except REDIS_DOWN:
            return None
        return None if stamp is None else str(stamp)

    async def renew(self, name: str) -> bool:
        for _ in range(RENEW_WAITS):
            try:
                await self._r.set(stamp_key(self._p, name), secrets.token_hex(8))
            except RedisBusy:  # Redis answers, so the new stamp gets through once a connection frees
                continue
            except REDIS_DOWN:
                return False
            return True
        return False

"""Login lockout and rate limiting shared by every worker and instance."""

from __future__ import annotations

import time
import uuid
from uuid import UUID

from redis.asyncio import Redis

from lms_adapters.redis.client import REDIS_DOWN, REDIS_FAILED, RedisBusy, unavailable
from lms_adapters.redis.sessions import LIVE_FIELDS, RedisSessionStore, caller_key, read_live, session_key
from lms_adapters.redis.stamps import RedisStamps, stamp_key
from lms_domain.identity.ports import SessionRead

__all__ = ["RedisLoginThrottle", "RedisRateLimiter"]

# Lockout keys: failures (a counter), lock (a flag with a ttl), in flight (reservation id ->
# the Unix second it lapses, so a process killed mid-login frees its try by itself).
# reserve: ARGV threshold, lock seconds, reservation id, hold seconds. Returns 1 when reserved.
_RESERVE = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local failed = tonumber(redis.call('GET', KEYS[1]) or '0')
if failed + redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[4])
return 1
"""

# fail: ARGV threshold, lock seconds, reservation id. Returns 1 when the key is now locked.
_FAIL = """
redis.call('ZREM', KEYS[3], ARGV[3])
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if n >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""

# A reservation outlives any sign-in by far; it only matters for a process that died holding one.
RESERVATION_SECONDS = 60

# KEYS: counter. ARGV: window seconds. Returns the count and the ttl in one round trip.
_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}
"""


# KEYS: counter, then (ARGV[2] has "s") session hash and the user's kept state, then (ARGV[2] has
# "t") a stamp. ARGV: window seconds, what to read, the session's LIVE_FIELDS. The count, its ttl,
# what ``RedisSessionStore.live`` reads and what ``RedisStamps.current`` reads, in one round trip.
_HIT_READING = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local out = {n, redis.call('TTL', KEYS[1]), false, false, false}
local k = 2
if string.find(ARGV[2], 's', 1, true) then
  out[3] = redis.call('HMGET', KEYS[2], ARGV[3], ARGV[4], ARGV[5])
  out[4] = redis.call('GET', KEYS[3])
  k = 4
end
if string.find(ARGV[2], 't', 1, true) then out[5] = redis.call('GET', KEYS[k]) end
return out
"""


class RedisLoginThrottle:
    """Fails closed: without Redis, or while its pool stays busy, logins answer 503 rather than skip
    the lockout."""

    def __init__(self, redis: Redis, prefix: str = "lms") -> None:
        self._r, self._p = redis, prefix
        self._reserve = redis.register_script(_RESERVE)
        self._fail = redis.register_script(_FAIL)

    def _keys(self, key: str) -> list[str]:
        return [f"{self._p}:login-fail:{key}", f"{self._p}:login-lock:{key}", f"{self._p}:login-try:{key}"]

    async def is_locked(self, key: str) -> bool:
        try:
            return bool(await self._r.exists(self._keys(key)[1]))
        except REDIS_FAILED as e:
            raise unavailable("lockout store", e) from e

    async def reserve(self, key: str, *, threshold: int, lock_seconds: int) -> str | None:
        reservation = uuid.uuid4().hex
        try:
            done = await self._reserve(
                keys=self._keys(key), args=[threshold, lock_seconds, reservation, RESERVATION_SECONDS]
            )
        except REDIS_FAILED as e:
            raise unavailable("lockout store", e) from e
        return reservation if done else None

    async def fail(self, key: str, reservation: str, *, threshold: int, lock_seconds: int) -> bool:
        try:
            return bool(await self._fail(keys=self._keys(key), args=[threshold, lock_seconds, reservation]))
        except REDIS_FAILED as e:
            raise unavailable("lockout store", e) from e

    async def succeed(self, key: str, reservation: str) -> None:
        failures, lock, tries = self._keys(key)
        try:
            async with self._r.pipeline(transaction=True) as p:
                p.zrem(tries, reservation)
                p.delete(failures, lock)
                await p.execute()
        except REDIS_FAILED as e:
            raise unavailable("lockout store", e) from e

    async def release(self, key: str, reservation: str) -> None:
        try:
            await self._r.zrem(self._keys(key)[2], reservation)
        except REDIS_FAILED as e:
            raise unavailable("lockout store", e) from e

    async def clear(self, key: str) -> None:
        failures, lock, _ = self._keys(key)
        try:
            await self._r.delete(failures, lock)
        except REDIS_FAILED as e:
            raise unavailable("lockout store", e) from e


class RedisRateLimiter:
    """Fixed windows in Redis; when Redis does not answer, ``fallback`` (per process) decides.

    A busy pool is not an outage: the hit raises ``Unavailable`` (the store is busy) instead of
    counting per process, so a flood that fills the pool is not let off its shared limits.
    """

    def __init__(self, redis: Redis, fallback: object | None = None, prefix: str = "lms") -> None:
        self._r, self._p, self._fallback = redis, prefix, fallback
        self._hit = redis.register_script(_HIT)
        self._hit_reading = redis.register_script(_HIT_READING)

    def _counter(self, key: str, window_seconds: int) -> str:
        return f"{self._p}:rate:{key}:{int(time.time() // window_seconds)}"

    async def _fallen_back(self, key: str, *, limit: int, window_seconds: int) -> int:
        if self._fallback is None:
            return 0
        return int(await self._fallback.hit(key, limit=limit, window_seconds=window_seconds))  # type: ignore[attr-defined]

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int:
        try:
            count, ttl = await self._hit(keys=[self._counter(key, window_seconds)], args=[window_seconds])
        except RedisBusy as e:
            raise unavailable("rate limit store", e) from e
        except REDIS_DOWN:
            return await self._fallen_back(key, limit=limit, window_seconds=window_seconds)
        return 0 if int(count) <= limit else max(1, int(ttl))

    def reads_sessions_of(self, store: RedisSessionStore) -> bool:
        """Whether ``hit_reading`` reads what ``store`` holds (same client, same keys)."""
        return store.client is self._r and store.prefix == self._p

    def reads_stamps_of(self, stamps: RedisStamps) -> bool:
        """Whether ``hit_reading`` reads the stamps ``stamps`` keeps (same client, same keys)."""
        return stamps.client is self._r and stamps.prefix == self._p

    async def hit_reading_session(
        self, key: str, *, limit: int, window_seconds: int, session_id: UUID, user_id: UUID
    ) -> tuple[int, SessionRead | None]:
        """``hit``, and in the same round trip the session as ``RedisSessionStore.live`` (same
        prefix) reads it; no read when Redis does not answer (the count fell back)."""
        wait, read, _ = await self.hit_reading(
            key, limit=limit, window_seconds=window_seconds, session=(session_id, user_id), stamp=None
        )
        return wait, read

    async def hit_reading(
        self,
        key: str,
        *,
        limit: int,
        window_seconds: int,
        session: tuple[UUID, UUID] | None,
        stamp: str | None,
    ) -> tuple[int, SessionRead | None, str | None]:
        """``hit``, and in the same round trip the ``session`` (its id and its user's) as
        ``RedisSessionStore.live`` reads it and the ``stamp`` as ``RedisStamps.current`` reads it
        (None when it is not there yet: ``current`` makes it). Nothing is read when Redis does not
        answer (the count fell back)."""
        keys, what = [self._counter(key, window_seconds)], ""
        if session is not None:
            keys += [session_key(self._p, session[0]), caller_key(self._p, session[1])]
            what += "s"
        if stamp is not None:
            keys.append(stamp_key(self._p, stamp))
            what += "t"
        try:
            count, ttl, fields, kept, stamp_value = await self._hit_reading(
                keys=keys, args=[window_seconds, what, *LIVE_FIELDS]
            )
        except RedisBusy as e:
            raise unavailable("rate limit store", e) from e
        except REDIS_DOWN:
            return await self._fallen_back(key, limit=limit, window_seconds=window_seconds), None, None
        wait = 0 if int(count) <= limit else max(1, int(ttl))
        read = None if session is None else SessionRead(session[0], read_live(session[1], fields, kept))
        return wait, read, None if stamp_value is None else str(stamp_value)

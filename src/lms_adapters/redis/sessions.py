"""Logins, refresh rotation, revocation and used TOTP steps in Redis."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from redis.asyncio import Redis

from lms_adapters.redis.client import REDIS_FAILED, unavailable
from lms_domain.identity.ports import RotateOutcome

__all__ = ["RedisSessionStore"]

# KEYS[1] session hash; ARGV: presented id, new id, new ttl seconds.
_ROTATE = """
local s = redis.call('HMGET', KEYS[1], 'refresh', 'revoked')
if not s[1] or s[2] == '1' then return 'revoked' end
if s[1] ~= ARGV[1] then
  redis.call('HSET', KEYS[1], 'revoked', '1')
  return 'reused'
end
redis.call('HSET', KEYS[1], 'refresh', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 'rotated'
"""


# KEYS[1] session hash; ARGV: the new version. Only a live session moves (never recreate one).
_CARRY = """
if redis.call('HGET', KEYS[1], 'revoked') == '0' then
  redis.call('HSET', KEYS[1], 'cv', ARGV[1])
end
return 0
"""


class RedisSessionStore:
    """Fails closed: when Redis does not answer, or the pool stays busy, no token is accepted (503)."""

    def __init__(self, redis: Redis, prefix: str = "lms") -> None:
        self._r, self._p = redis, prefix
        self._rotate = redis.register_script(_ROTATE)
        self._carry = redis.register_script(_CARRY)

    def _key(self, session_id: UUID) -> str:
        return f"{self._p}:session:{session_id}"

    def _user_key(self, user_id: UUID) -> str:
        return f"{self._p}:user-sessions:{user_id}"

    @staticmethod
    def _ttl(expires_at: datetime) -> int:
        return max(1, int((expires_at - datetime.now(UTC)).total_seconds()))

    async def open(
        self,
        *,
        session_id: UUID,
        user_id: UUID,
        refresh_id: UUID,
        expires_at: datetime,
        credentials_version: int,
    ) -> None:
        ttl = self._ttl(expires_at)
        try:
            async with self._r.pipeline(transaction=True) as p:
                p.hset(
                    self._key(session_id),
                    mapping={
                        "user": str(user_id),
                        "refresh": str(refresh_id),
                        "revoked": "0",
                        "cv": str(credentials_version),
                    },
                )
                p.expire(self._key(session_id), ttl)
                p.sadd(self._user_key(user_id), str(session_id))
                p.expire(self._user_key(user_id), ttl, gt=True)
                p.expire(self._user_key(user_id), ttl, nx=True)
                await p.execute()
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e

    async def rotate(
        self, *, session_id: UUID, presented_refresh_id: UUID, new_refresh_id: UUID, expires_at: datetime
    ) -> RotateOutcome:
        try:
            result = await self._rotate(
                keys=[self._key(session_id)],
                args=[str(presented_refresh_id), str(new_refresh_id), self._ttl(expires_at)],
            )
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e
        return RotateOutcome(result)

    async def live_version(self, session_id: UUID) -> int | None:
        try:
            revoked, version = await self._r.hmget(self._key(session_id), ["revoked", "cv"])
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e
        if revoked != "0":
            return None
        return int(version or 0)  # sessions opened before versions existed: version 0

    async def carry_over(self, session_id: UUID, credentials_version: int) -> None:
        try:
            await self._carry(keys=[self._key(session_id)], args=[str(credentials_version)])
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e

    async def revoke(self, session_id: UUID) -> None:
        try:
            key = self._key(session_id)
            if await self._r.exists(key):
                await self._r.hset(key, "revoked", "1")
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e

    async def revoke_user(self, user_id: UUID, *, keep: UUID | None = None) -> None:
        try:
            members = await self._r.smembers(self._user_key(user_id))
            async with self._r.pipeline(transaction=True) as p:
                for member in members:
                    sid = member.decode() if isinstance(member, bytes) else str(member)
                    if keep is None or sid != str(keep):
                        p.hset(f"{self._p}:session:{sid}", "revoked", "1")
                await p.execute()
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e

    async def use_totp_step(self, user_id: UUID, step: int) -> bool:
        try:
            return bool(await self._r.set(f"{self._p}:totp:{user_id}:{step}", "1", nx=True, ex=300))
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e

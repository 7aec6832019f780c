"""Idempotency keys in Redis, shared by every worker and instance.

A pending key lives only as long as its lease (``EX`` of the lease, renewed while the request
runs), so a key whose process was killed disappears once the lease lapses and the next ``SET NX``
takes it over. The lease handed to the holder is the pending value itself, so renewing, completing
and releasing compare it whole in one script. A finished answer is kept with the full TTL.
"""

from __future__ import annotations

import base64
import json
import secrets

from redis.asyncio import Redis

from lms_adapters.redis.client import REDIS_FAILED, unavailable
from lms_platform.idempotency import Claim, ClaimState, StoredResponse

__all__ = ["RedisIdempotencyStore"]

# KEYS[1] the key; ARGV: the lease (the pending value), the lease's seconds.
_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('EXPIRE', KEYS[1], ARGV[2])
"""
# KEYS[1] the key; ARGV: the lease, the finished entry, its seconds.
_COMPLETE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""
# KEYS[1] the key; ARGV: the lease.
_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""


class RedisIdempotencyStore:
    def __init__(self, redis: Redis, prefix: str = "lms") -> None:
        self._r, self._p = redis, prefix
        self._renew = redis.register_script(_RENEW)
        self._complete = redis.register_script(_COMPLETE)
        self._release = redis.register_script(_RELEASE)

    def _key(self, key: str) -> str:
        return f"{self._p}:idem:{key}"

    async def claim(self, key: str, fingerprint: str, lease_seconds: int) -> Claim:
        lease = json.dumps({"fp": fingerprint, "lease": secrets.token_hex(16)})
        try:
            if await self._r.set(self._key(key), lease, nx=True, ex=lease_seconds):
                return Claim(ClaimState.NEW, fingerprint, lease=lease)
            raw = await self._r.get(self._key(key))
        except REDIS_FAILED as e:
            raise unavailable("idempotency store", e) from e
        if raw is None:  # expired between the two calls: try once more
            return await self.claim(key, fingerprint, lease_seconds)
        entry = json.loads(raw)
        if "status" not in entry:
            return Claim(ClaimState.PENDING, entry["fp"])
        response = StoredResponse(
            entry["status"], tuple((k, v) for k, v in entry["headers"]), base64.b64decode(entry["body"])
        )
        return Claim(ClaimState.DONE, entry["fp"], response)

    async def renew(self, key: str, lease: str, lease_seconds: int) -> bool:
        try:
            return bool(await self._renew(keys=[self._key(key)], args=[lease, lease_seconds]))
        except REDIS_FAILED as e:
            raise unavailable("idempotency store", e) from e

    async def complete(self, key: str, lease: str, response: StoredResponse, ttl_seconds: int) -> bool:
        entry = {
            "fp": json.loads(lease)["fp"],
            "status": response.status,
            "headers": list(response.headers),
            "body": base64.b64encode(response.body).decode(),
        }
        try:
            done = await self._complete(keys=[self._key(key)], args=[lease, json.dumps(entry), ttl_seconds])
        except REDIS_FAILED as e:
            raise unavailable("idempotency store", e) from e
        return bool(done)

    async def release(self, key: str, lease: str) -> None:
        try:
            await self._release(keys=[self._key(key)], args=[lease])
        except REDIS_FAILED as e:
            raise unavailable("idempotency store", e) from e

"""Idempotency keys in Redis, shared by every worker and instance."""

from __future__ import annotations

import base64
import json

from redis.asyncio import Redis

from lms_adapters.redis.client import REDIS_FAILED, unavailable
from lms_domain.shared.idempotency import Claim, ClaimState, StoredResponse

__all__ = ["RedisIdempotencyStore"]


class RedisIdempotencyStore:
    def __init__(self, redis: Redis, prefix: str = "lms") -> None:
        self._r, self._p = redis, prefix

    def _key(self, key: str) -> str:
        return f"{self._p}:idem:{key}"

    async def claim(self, key: str, fingerprint: str, ttl_seconds: int) -> Claim:
        pending = json.dumps({"fp": fingerprint})
        try:
            if await self._r.set(self._key(key), pending, nx=True, ex=ttl_seconds):
                return Claim(ClaimState.NEW, fingerprint)
            raw = await self._r.get(self._key(key))
        except REDIS_FAILED as e:
            raise unavailable("idempotency store", e) from e
        if raw is None:  # expired between the two calls: try once more
            return await self.claim(key, fingerprint, ttl_seconds)
        entry = json.loads(raw)
        if "status" not in entry:
            return Claim(ClaimState.PENDING, entry["fp"])
        response = StoredResponse(
            entry["status"], tuple((k, v) for k, v in entry["headers"]), base64.b64decode(entry["body"])
        )
        return Claim(ClaimState.DONE, entry["fp"], response)

    async def complete(self, key: str, response: StoredResponse, ttl_seconds: int) -> None:
        raw = await self._r.get(self._key(key))
        fingerprint = json.loads(raw)["fp"] if raw else ""
        entry = {
            "fp": fingerprint,
            "status": response.status,
            "headers": list(response.headers),
            "body": base64.b64encode(response.body).decode(),
        }
        await self._r.set(self._key(key), json.dumps(entry), ex=ttl_seconds)

    async def release(self, key: str) -> None:
        await self._r.delete(self._key(key))

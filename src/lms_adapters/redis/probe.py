"""Readiness of Redis: a PING on a connection of its own, outside the pool."""

from __future__ import annotations

from redis.asyncio import Redis

from lms_adapters.redis.client import ping_outside_pool

__all__ = ["RedisProbe"]


class RedisProbe:
    def __init__(self, redis: Redis) -> None:
        self._r = redis

    async def ping(self) -> None:
        # on a connection of its own: a pool busy with requests is no outage
        await ping_outside_pool(self._r)

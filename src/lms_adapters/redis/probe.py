"""Readiness of Redis: a PING."""

from __future__ import annotations

from redis.asyncio import Redis

__all__ = ["RedisProbe"]


class RedisProbe:
    def __init__(self, redis: Redis) -> None:
        self._r = redis

    async def ping(self) -> None:
        await self._r.ping()

"""One asyncio Redis client per process, with short timeouts."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["REDIS_DOWN", "make_redis"]

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def make_redis(url: str) -> Redis:
    return Redis.from_url(
        url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30, decode_responses=True
    )

"""One asyncio Redis client per process: a bounded pool that waits for a free connection, short timeouts.

Two ways a Redis call fails, told apart here and nowhere else:

- **down** (``REDIS_DOWN``): Redis does not answer. A connection is refused or dropped, or a command
  gets no reply within ``SOCKET_TIMEOUT_SECONDS``.
- **busy** (``RedisBusy``): every connection of this process's pool stayed in use for the whole
  wait (``POOL_WAIT_SECONDS``). Redis answers; this process asks too much of it at once. Callers
  must not act as if Redis were down (fall back, skip a cache, report an outage).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from lms_domain.shared.errors import Unavailable

__all__ = [
    "POOL_WAIT_SECONDS",
    "REDIS_DOWN",
    "REDIS_FAILED",
    "RedisBusy",
    "check_redis",
    "make_redis",
    "ping_outside_pool",
    "unavailable",
]

log = logging.getLogger("lms.redis")

SOCKET_TIMEOUT_SECONDS = 2.0
# As long as a command may take: a request waits no longer for a connection than for an answer.
POOL_WAIT_SECONDS = 2.0

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisBusy(RedisError):
    """No connection of the pool came free within ``POOL_WAIT_SECONDS``: busy, not down.

    Deliberately not a ``ConnectionError``, so ``except REDIS_DOWN`` never takes it for an outage.
    """


REDIS_FAILED = (RedisBusy, *REDIS_DOWN)


class _WaitingPool(BlockingConnectionPool):
    """redis-py's blocking pool, with its "no connection came free" told apart from an outage.

    When the wait runs out, ``BlockingConnectionPool.get_connection`` raises
    ``ConnectionError("No connection available.")`` *from* the ``asyncio.TimeoutError`` of the wait;
    a refused or dropped connection raises ``ConnectionError`` from an ``OSError`` (or from nothing),
    and a connect that times out raises redis' ``TimeoutError``. Only the first is busy.
    """

    async def get_connection(self, command_name: Any = None, *keys: Any, **options: Any) -> Any:
        try:
            return await super().get_connection()  # type: ignore[no-untyped-call]
        except RedisConnectionError as e:
            if isinstance(e.__cause__, asyncio.TimeoutError):
                raise RedisBusy(f"no Redis connection came free within {self.timeout} s") from e
            raise


def make_redis(url: str, *, pool_size: int = 50, pool_wait: float = POOL_WAIT_SECONDS) -> Redis:
    """``pool_size`` connections at most; a command past them waits up to ``pool_wait`` seconds."""
    pool = _WaitingPool.from_url(
        url,
        max_connections=pool_size,
        timeout=pool_wait,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        health_check_interval=30,
        decode_responses=True,
    )
    return Redis.from_pool(pool)


def unavailable(store: str, error: BaseException) -> Unavailable:
    """The domain's 503 for a failed call: "busy" when the pool wait ran out, else "not available".
    Each is logged as an error naming Redis, so an operator sees why requests answer 503."""
    reason = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, RedisBusy):
        log.error("Redis is busy, so the %s is not available now (%s)", store, reason)
        return Unavailable(f"The {store} is busy")
    log.error(
        "Redis does not answer, so the %s is not available (%s: %s)", store, type(error).__name__, reason
    )
    return Unavailable(f"The {store} is not available")


async def ping_outside_pool(redis: Redis) -> None:
    """PING over a connection of its own: whether Redis answers, however busy the pool is."""
    connection = redis.connection_pool.make_connection()  # type: ignore[no-untyped-call]
    try:
        await connection.connect()
        await connection.send_command("PING")
        await connection.read_response()
    finally:
        await connection.disconnect()


def check_redis(url: str, timeout: float = 2.0) -> tuple[bool, str] | None:
    """None when Redis at ``url`` answers a PING; else (refused, why): refused is True when it
    answered but would not serve us (a wrong password or database number), False when it did not
    answer at all."""
    from redis import Redis as SyncRedis
    from redis.exceptions import AuthenticationError, RedisError, ResponseError

    try:
        with SyncRedis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout) as client:
            client.ping()
    except (AuthenticationError, ResponseError) as e:
        return True, str(e) or type(e).__name__
    except (OSError, RedisError) as e:
        return False, str(e) or type(e).__name__
    return None

"""Each port's suite runs against every adapter of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from lms_adapters.local.counters import InProcessLoginThrottle, InProcessRateLimiter
from lms_adapters.memory.sessions import MemorySessionStore
from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_adapters.redis.client import make_redis
from lms_adapters.redis.counters import RedisLoginThrottle, RedisRateLimiter
from lms_adapters.redis.sessions import RedisSessionStore
from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.sessions import SqlSessionStore
from lms_adapters.sql.uow import SqlUnitOfWork
from tests.conftest import needs_pg, needs_redis

UowFactory = Callable[[], Any]


def _url(request: pytest.FixtureRequest, backend: str) -> str:
    url: str = request.getfixturevalue("pg_url" if backend == "postgres" else "sqlite_url")
    return url


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=needs_pg)])
async def new_uow(request: pytest.FixtureRequest) -> AsyncIterator[UowFactory]:
    """A factory of units of work over one fresh, migrated store."""
    if request.param == "memory":
        state = MemoryState()
        yield lambda: MemoryUnitOfWork(state)
        return
    engine = make_engine(_url(request, request.param))
    yield lambda: SqlUnitOfWork(engine)
    await engine.dispose()


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        pytest.param("postgres", marks=needs_pg),
        pytest.param("redis", marks=needs_redis),
    ]
)
async def session_store(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if request.param == "memory":
        yield MemorySessionStore()
    elif request.param == "redis":
        client = make_redis(request.getfixturevalue("redis_url"))
        yield RedisSessionStore(client)
        await client.aclose()
    else:
        engine = make_engine(_url(request, request.param))
        yield SqlSessionStore(engine)
        await engine.dispose()


@pytest.fixture(params=["in-process", pytest.param("redis", marks=needs_redis)])
async def login_throttle(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if request.param == "redis":
        client = make_redis(request.getfixturevalue("redis_url"))
        yield RedisLoginThrottle(client)
        await client.aclose()
    else:
        yield InProcessLoginThrottle()


@pytest.fixture(params=["in-process", pytest.param("redis", marks=needs_redis)])
async def rate_limiter(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if request.param == "redis":
        client = make_redis(request.getfixturevalue("redis_url"))
        yield RedisRateLimiter(client)
        await client.aclose()
    else:
        yield InProcessRateLimiter()

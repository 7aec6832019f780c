"""Each port's suite runs against every adapter of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
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
from lms_domain.identity.entities import CallerState, User
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


@dataclass
class SessionsAndUsers:
    """A session store and, for a store in the users' own database, that database's users:
    ``commit`` stores a user's state as a committed change would (a store elsewhere has no users
    of its own: it knows a state only as held, settled and offered). ``keeps_copies``: the store
    keeps a copy of each user's state (memory, Redis) instead of reading the user (SQL)."""

    store: Any
    keeps_copies: bool
    engine: Any = None

    async def commit(self, state: CallerState) -> None:
        if self.engine is None:
            return
        async with SqlUnitOfWork(self.engine) as uow:
            user = await uow.users.get(state.user_id, for_update=True)
            if user is None:
                user = User(
                    id=state.user_id,
                    email=state.email,
                    full_name=state.full_name,
                    password_hash="h",
                    created_at=state.created_at,
                    updated_at=datetime.now(UTC),
                )
                await uow.users.add(user)
            user.role, user.is_active, user.email_verified = state.role, state.is_active, state.email_verified
            user.credentials_version = state.credentials_version
            user.credentials_session_id = state.credentials_session_id
            user.email, user.full_name, user.mfa_enabled = state.email, state.full_name, state.mfa_enabled
            user.last_login_at = state.last_login_at
            await uow.users.update(user)
            await uow.commit()


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        pytest.param("postgres", marks=needs_pg),
        pytest.param("redis", marks=needs_redis),
    ]
)
async def sessions_and_users(request: pytest.FixtureRequest) -> AsyncIterator[SessionsAndUsers]:
    if request.param == "memory":
        yield SessionsAndUsers(MemorySessionStore(), keeps_copies=True)
    elif request.param == "redis":
        client = make_redis(request.getfixturevalue("redis_url"))
        yield SessionsAndUsers(RedisSessionStore(client), keeps_copies=True)
        await client.aclose()
    else:
        engine = make_engine(_url(request, request.param))
        yield SessionsAndUsers(SqlSessionStore(engine), keeps_copies=False, engine=engine)
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

"""IdempotencyStore on memory, SQL (SQLite, PostgreSQL) and Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from lms_adapters.memory.idempotency import MemoryIdempotencyStore
from lms_adapters.redis.client import make_redis
from lms_adapters.redis.idempotency import RedisIdempotencyStore
from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.idempotency import SqlIdempotencyStore
from lms_domain.shared.idempotency import ClaimState, StoredResponse
from tests.conftest import needs_pg, needs_redis

RESPONSE = StoredResponse(201, (("content-type", "application/json"),), b'{"id": 1}\x00\xff')


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        pytest.param("postgres", marks=needs_pg),
        pytest.param("redis", marks=needs_redis),
    ]
)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if request.param == "memory":
        yield MemoryIdempotencyStore()
    elif request.param == "redis":
        client = make_redis(request.getfixturevalue("redis_url"))
        yield RedisIdempotencyStore(client)
        await client.aclose()
    else:
        engine = make_engine(
            request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")
        )
        yield SqlIdempotencyStore(engine)
        await engine.dispose()


async def test_first_claim_is_new_then_pending_then_replayed(store: Any) -> None:
    assert (await store.claim("k", "fp1", 60)).state is ClaimState.NEW
    pending = await store.claim("k", "fp1", 60)
    assert (pending.state, pending.fingerprint) == (ClaimState.PENDING, "fp1")
    await store.complete("k", RESPONSE, 60)
    done = await store.claim("k", "fp2", 60)
    assert (done.state, done.fingerprint, done.response) == (ClaimState.DONE, "fp1", RESPONSE)


async def test_release_frees_the_key(store: Any) -> None:
    await store.claim("k", "fp1", 60)
    await store.release("k")
    assert (await store.claim("k", "fp2", 60)).state is ClaimState.NEW


async def test_expired_keys_can_be_claimed_again(store: Any) -> None:
    await store.claim("k", "fp1", 1)
    await asyncio.sleep(2.1)
    assert (await store.claim("k", "fp2", 60)).state is ClaimState.NEW


async def test_concurrent_claims_give_the_key_to_one(store: Any) -> None:
    claims = await asyncio.gather(*(store.claim("race", "fp", 60) for _ in range(6)))
    assert [c.state for c in claims].count(ClaimState.NEW) == 1

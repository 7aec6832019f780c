"""IdempotencyStore on memory, SQL (SQLite, PostgreSQL) and Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from lms_adapters.memory.idempotency import MemoryIdempotencyStore
from lms_adapters.redis.client import make_redis
from lms_adapters.redis.idempotency import RedisIdempotencyStore
from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.idempotency import SqlIdempotencyStore
from lms_platform.idempotency import ClaimState, StoredResponse
from tests.conftest import needs_pg, needs_redis

RESPONSE = StoredResponse(201, (("content-type", "application/json"),), b'{"id": 1}\x00\xff')
Elapse = Callable[[float], Awaitable[None]]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        pytest.param("postgres", marks=needs_pg),
        pytest.param("redis", marks=needs_redis),
    ]
)
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store(adapter: str, clock: FakeClock, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if adapter == "memory":
        yield MemoryIdempotencyStore(clock)
    elif adapter == "redis":
        client = make_redis(request.getfixturevalue("redis_url"))
        yield RedisIdempotencyStore(client)
        await client.aclose()
    else:
        engine = make_engine(request.getfixturevalue("pg_url" if adapter == "postgres" else "sqlite_url"))
        yield SqlIdempotencyStore(engine)
        await engine.dispose()


@pytest.fixture
def elapse(adapter: str, clock: FakeClock) -> Elapse:
    """Let ``seconds`` pass: the memory store's clock is moved on, the others' time is waited for."""

    async def wait(seconds: float) -> None:
        if adapter == "memory":
            clock.now += seconds
        else:
            await asyncio.sleep(seconds)

    return wait


async def test_first_claim_is_new_then_pending_then_replayed(store: Any) -> None:
    first = await store.claim("k", "fp1", 60)
    assert first.state is ClaimState.NEW and first.lease
    pending = await store.claim("k", "fp1", 60)
    assert (pending.state, pending.fingerprint, pending.lease) == (ClaimState.PENDING, "fp1", None)
    assert await store.complete("k", first.lease, RESPONSE, 60)
    done = await store.claim("k", "fp2", 60)
    assert (done.state, done.fingerprint, done.response) == (ClaimState.DONE, "fp1", RESPONSE)


async def test_release_frees_the_key(store: Any) -> None:
    first = await store.claim("k", "fp1", 60)
    await store.release("k", first.lease)
    assert (await store.claim("k", "fp2", 60)).state is ClaimState.NEW


async def test_expired_keys_can_be_claimed_again(store: Any, elapse: Elapse) -> None:
    await store.claim("k", "fp1", 1)
    await elapse(2.1)
    assert (await store.claim("k", "fp2", 60)).state is ClaimState.NEW


async def test_concurrent_claims_give_the_key_to_one(store: Any) -> None:
    claims = await asyncio.gather(*(store.claim("race", "fp", 60) for _ in range(6)))
    assert [c.state for c in claims].count(ClaimState.NEW) == 1


async def test_only_the_holder_renews_completes_or_releases(store: Any) -> None:
    first = await store.claim("k", "fp1", 60)
    other = (await store.claim("other", "fp1", 60)).lease
    assert not await store.renew("k", other, 60)
    assert not await store.complete("k", other, RESPONSE, 60)
    await store.release("k", other)
    assert (await store.claim("k", "fp1", 60)).state is ClaimState.PENDING
    assert await store.renew("k", first.lease, 60)
    assert await store.complete("k", first.lease, RESPONSE, 60)
    assert not await store.renew("k", first.lease, 60)  # done: nothing left to renew
    await store.release("k", first.lease)  # nor to release: the answer stays
    assert (await store.claim("k", "fp1", 60)).state is ClaimState.DONE


async def test_renewals_keep_a_running_request_s_key(store: Any, elapse: Elapse) -> None:
    first = await store.claim("k", "fp1", 1)
    for _ in range(4):  # 1.6 s in all, longer than the lease
        await elapse(0.4)
        assert await store.renew("k", first.lease, 1)
    assert (await store.claim("k", "fp1", 1)).state is ClaimState.PENDING
    await elapse(1.5)  # no more renewals: the lease lapses
    assert (await store.claim("k", "fp1", 60)).state is ClaimState.NEW


async def test_a_lapsed_lease_is_taken_over_and_its_old_holder_is_shut_out(
    store: Any, elapse: Elapse
) -> None:
    old = await store.claim("k", "fp1", 1)
    await elapse(1.5)
    new = await store.claim("k", "fp2", 60)
    assert (new.state, new.fingerprint) == (ClaimState.NEW, "fp2")
    assert new.lease != old.lease
    assert not await store.renew("k", old.lease, 60)
    assert not await store.complete("k", old.lease, RESPONSE, 60)
    await store.release("k", old.lease)
    pending = await store.claim("k", "fp2", 60)
    assert (pending.state, pending.fingerprint) == (ClaimState.PENDING, "fp2")
    assert await store.complete("k", new.lease, RESPONSE, 60)
    assert (await store.claim("k", "fp2", 60)).response == RESPONSE


async def test_a_lapsed_lease_cannot_be_renewed_or_completed(store: Any, elapse: Elapse) -> None:
    first = await store.claim("k", "fp1", 1)
    await elapse(1.5)
    assert not await store.renew("k", first.lease, 60)
    assert not await store.complete("k", first.lease, RESPONSE, 60)
    assert (await store.claim("k", "fp1", 60)).state is ClaimState.NEW


async def test_a_completed_answer_outlives_the_lease(store: Any, elapse: Elapse) -> None:
    first = await store.claim("k", "fp1", 1)
    assert await store.complete("k", first.lease, RESPONSE, 60)
    await elapse(1.5)
    done = await store.claim("k", "fp2", 1)
    assert (done.state, done.response) == (ClaimState.DONE, RESPONSE)


async def test_concurrent_takeovers_give_the_key_to_one(store: Any, elapse: Elapse) -> None:
    dead = await store.claim("race", "dead", 1)
    await elapse(0.5)
    assert await store.renew("race", dead.lease, 1)  # it ran a while, then its process died
    await elapse(1.5)
    claims = await asyncio.gather(*(store.claim("race", f"fp{i}", 60) for i in range(6)))
    winners = [c for c in claims if c.state is ClaimState.NEW]
    assert len(winners) == 1
    assert all(
        (c.state, c.fingerprint) == (ClaimState.PENDING, winners[0].fingerprint)
        for c in claims
        if c is not winners[0]
    )
    assert not await store.complete("race", dead.lease, RESPONSE, 60)
    assert await store.complete("race", winners[0].lease, RESPONSE, 60)

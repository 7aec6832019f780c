"""Version stamps (the public catalog cache's guard): in-process and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from lms_adapters.local.stamps import InProcessStamps
from lms_adapters.redis.client import make_redis
from lms_adapters.redis.stamps import RedisStamps
from tests.conftest import free_port, needs_redis


@pytest.fixture(params=["in-process", pytest.param("redis", marks=needs_redis)])
async def stamps(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if request.param == "redis":
        client = make_redis(request.getfixturevalue("redis_url"))
        yield RedisStamps(client, prefix=f"stamps-test-{free_port()}")
        await client.aclose()
    else:
        yield InProcessStamps()


async def test_a_stamp_holds_until_renewed_and_never_comes_back(stamps: Any) -> None:
    first = await stamps.current("catalog")
    assert first is not None and await stamps.current("catalog") == first
    assert await stamps.current("other") != first  # names are independent
    seen = {first}
    for _ in range(20):
        assert await stamps.renew("catalog") is True
        now = await stamps.current("catalog")
        assert now not in seen
        seen.add(now)


@needs_redis
async def test_a_lost_redis_stamp_restarts_as_a_new_one(redis_url: str) -> None:
    client = make_redis(redis_url)
    try:
        stamps = RedisStamps(client, prefix=f"stamps-lost-{free_port()}")
        before = await stamps.current("catalog")
        await client.delete(f"{stamps._p}:stamp:catalog")  # Redis restarted empty
        after = await stamps.current("catalog")
        assert after is not None and after != before
    finally:
        await client.aclose()


async def test_an_unreachable_redis_gives_no_stamp_and_no_renewal() -> None:
    client = make_redis(f"redis://127.0.0.1:{free_port()}/0")
    try:
        stamps = RedisStamps(client)
        assert await stamps.current("catalog") is None
        assert await stamps.renew("catalog") is False
    finally:
        await client.aclose()

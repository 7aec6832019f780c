"""A stamp read ahead (with the request's rate-limit count) answers the request's first read of it
once; outside the request, after a renewal, or for another name, the store is asked."""

from __future__ import annotations

import asyncio

from lms_platform.stamps import ReadAheadStamps, stamp_read_ahead


class CountingStamps:
    def __init__(self) -> None:
        self.asked: list[str] = []
        self.value = "stored"

    async def current(self, name: str) -> str | None:
        self.asked.append(name)
        return self.value

    async def renew(self, name: str) -> bool:
        self.value = "renewed"
        return True


async def test_read_ahead_answers_once_within_its_request() -> None:
    inner = CountingStamps()
    stamps = ReadAheadStamps(inner)
    with stamp_read_ahead("catalog", "ahead"):
        assert await stamps.current("other") == "stored"  # another name: asked
        assert await stamps.current("catalog") == "ahead"
        assert await stamps.current("catalog") == "stored"  # once only
    assert inner.asked == ["other", "catalog"]
    assert await stamps.current("catalog") == "stored"  # after the request: asked


async def test_a_renewal_drops_what_was_read_ahead() -> None:
    inner = CountingStamps()
    stamps = ReadAheadStamps(inner)
    with stamp_read_ahead("catalog", "ahead"):
        assert await stamps.renew("catalog")
        assert await stamps.current("catalog") == "renewed"


async def test_nothing_read_ahead_asks_the_store() -> None:
    inner = CountingStamps()
    stamps = ReadAheadStamps(inner)
    with stamp_read_ahead("catalog", None):
        assert await stamps.current("catalog") == "stored"
    assert inner.asked == ["catalog"]


async def test_requests_at_once_each_see_their_own() -> None:
    stamps = ReadAheadStamps(CountingStamps())

    async def request(value: str) -> str | None:
        with stamp_read_ahead("catalog", value):
            await asyncio.sleep(0)
            return await stamps.current("catalog")

    assert await asyncio.gather(*(request(f"v{n}") for n in range(5))) == [f"v{n}" for n in range(5)]

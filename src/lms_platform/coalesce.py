"""Concurrent requests for the same expensive read share one run, without reading stale data.

``FreshRun.run(compute)`` answers with the result of a run of ``compute`` that *started after the
call arrived*: callers that arrive while no run has started yet share the next run; callers that
arrive while a run is already going wait for it to end and share the one after it. So every
answer reflects everything committed before its request arrived (as a fresh read would), while a
burst of N identical requests costs at most two runs instead of N.

A failing run fails every caller that shared it; a caller that gives up (is cancelled) does not
cancel the run the others wait for. One instance per process and per kind of read;
``FreshRuns`` keeps one per key, for reads whose answer depends on that key alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["FreshRun", "FreshRuns"]

K = TypeVar("K")
T = TypeVar("T")


class FreshRun(Generic[T]):
    def __init__(self) -> None:
        self._running: asyncio.Future[T] | None = None  # started: late arrivals may not join it
        self._next: asyncio.Future[T] | None = None  # not started yet: arrivals join it

    async def run(self, compute: Callable[[], Awaitable[T]]) -> T:
        if self._next is None:
            self._next = asyncio.ensure_future(self._start_after(self._running, compute))
        return await asyncio.shield(self._next)

    async def _start_after(
        self, previous: asyncio.Future[T] | None, compute: Callable[[], Awaitable[T]]
    ) -> T:
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        self._running, self._next = self._next, None  # from here on, newcomers wait for the next run
        return await compute()


class FreshRuns(Generic[K, T]):
    """A ``FreshRun`` per key: callers share runs only with callers of the same key."""

    def __init__(self) -> None:
        self._runs: dict[K, FreshRun[T]] = {}

    async def run(self, key: K, compute: Callable[[], Awaitable[T]]) -> T:
        shared = self._runs.get(key)
        if shared is None:
            shared = self._runs[key] = FreshRun()
        return await shared.run(compute)

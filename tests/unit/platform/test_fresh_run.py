"""``FreshRun``: a burst shares runs, and nobody gets a result computed before they arrived."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from lms_platform.coalesce import FreshRun, FreshRuns


class Counter:
    """A "table" whose reads are slow; ``value`` is what a run started now would read."""

    def __init__(self) -> None:
        self.value = 0
        self.runs = 0
        self.gate = asyncio.Event()

    async def read(self) -> int:
        self.runs += 1
        seen = self.value  # the snapshot is taken when the run starts
        await self.gate.wait()
        return seen


async def test_callers_that_arrive_together_share_one_run() -> None:
    shared: FreshRun[int] = FreshRun()
    table = Counter()
    callers = [asyncio.create_task(shared.run(table.read)) for _ in range(20)]
    await asyncio.sleep(0)
    table.gate.set()
    assert await asyncio.gather(*callers) == [0] * 20
    assert table.runs == 1


async def test_a_caller_arriving_during_a_run_waits_for_a_run_that_starts_after_it() -> None:
    shared: FreshRun[int] = FreshRun()
    table = Counter()
    first = asyncio.create_task(shared.run(table.read))
    await asyncio.sleep(0.01)
    assert table.runs == 1  # the first run has read its snapshot (0)
    table.value = 1  # a write commits, then more requests arrive
    late = [asyncio.create_task(shared.run(table.read)) for _ in range(5)]
    await asyncio.sleep(0.01)
    assert table.runs == 1  # the late callers do not start a run beside the one going
    table.gate.set()
    assert await first == 0
    assert await asyncio.gather(*late) == [1] * 5  # they see the write
    assert table.runs == 2


async def test_a_failed_run_fails_its_callers_and_the_next_caller_runs_again() -> None:
    shared: FreshRun[int] = FreshRun()
    calls = 0

    async def failing() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        raise RuntimeError("database gone")

    callers = [asyncio.create_task(shared.run(failing)) for _ in range(3)]
    for caller in callers:
        with pytest.raises(RuntimeError, match="database gone"):
            await caller
    assert calls == 1

    async def working() -> int:
        return 7

    assert await shared.run(working) == 7


async def test_a_caller_that_gives_up_does_not_cancel_the_run_of_the_others() -> None:
    shared: FreshRun[int] = FreshRun()
    table = Counter()
    impatient = asyncio.create_task(shared.run(table.read))
    patient = asyncio.create_task(shared.run(table.read))
    await asyncio.sleep(0.01)
    impatient.cancel()
    await asyncio.sleep(0.01)
    table.gate.set()
    assert await patient == 0
    assert impatient.cancelled() and table.runs == 1


async def test_runs_are_shared_by_callers_of_the_same_key_only() -> None:
    shared: FreshRuns[str, str] = FreshRuns()
    runs: list[str] = []
    gate = asyncio.Event()

    def read(key: str) -> Callable[[], Awaitable[str]]:
        async def run() -> str:
            runs.append(key)
            await gate.wait()
            return key

        return run

    callers = [asyncio.create_task(shared.run(key, read(key))) for key in ("admin", "student") * 3]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*callers) == ["admin", "student"] * 3  # nobody gets another key's
    assert sorted(runs) == ["admin", "student"]

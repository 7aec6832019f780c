"""The job engine (procrastinate) on its in-memory connector (a SQLite URL) and on PostgreSQL.

A deferred try runs its handler with the delivery's id and force flag, no earlier than it is
scheduled; on PostgreSQL any number of workers share one queue and each job runs once. A worker
first sweeps (every waiting delivery when its queue is the process's own), and stops promptly
when its task is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from lms_adapters.jobs.engine import JobEngine, JobHandlers, ProcrastinateJobs, make_job_engine
from tests.conftest import needs_pg

pytestmark = pytest.mark.timeout(30)

WAIT = 8.0  # seconds any expected call may take (PostgreSQL's workers poll every 5 s)
RESET_RETRY_WAIT = WAIT + 5  # a failed reset job runs again 5 s later (RESET_RETRY)


@dataclass
class Engines:
    """Job engines over one queue: ``durable`` on PostgreSQL, else each its own in-memory one."""

    backend: str
    url: str
    made: list[JobEngine] = field(default_factory=list)

    def __call__(self) -> JobEngine:
        engine = make_job_engine(self.url)
        self.made.append(engine)
        return engine


@pytest.fixture(params=["in-memory", pytest.param("postgres", marks=needs_pg)])
async def engines(request: pytest.FixtureRequest) -> AsyncIterator[Engines]:
    url: str = request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")
    made = Engines(request.param, url)
    yield made
    for engine in made.made:
        await engine.close()


@dataclass
class Handlers:
    """Job handlers that write down each call, in order, with the time it was made."""

    name: str = "worker"
    log: list[tuple[str, object]] = field(default_factory=list)
    tries: list[tuple[uuid.UUID, bool, datetime]] = field(default_factory=list)
    ran_by: list[str] | None = None
    hold: Callable[[], Awaitable[None]] | None = None
    sweep_fails: bool = False
    resets_failing: int = 0

    def handlers(self) -> JobHandlers:
        async def try_delivery(delivery_id: uuid.UUID, force: bool) -> object:
            self.tries.append((delivery_id, force, datetime.now(UTC)))
            self.log.append(("try", delivery_id))
            if self.ran_by is not None:
                self.ran_by.append(self.name)
            if self.hold is not None:
                await self.hold()
            return None

        async def sweep(everything: bool) -> object:
            self.log.append(("sweep", everything))
            if self.sweep_fails:
                raise RuntimeError("the database is away")
            return 0

        async def password_reset(email: str) -> object:
            self.log.append(("reset", email))
            self.resets_failing -= 1
            if self.resets_failing >= 0:
                raise RuntimeError("the database is away")
            return None

        async def purge_blobs() -> object:
            self.log.append(("purge", None))
            return 0

        return JobHandlers(
            try_delivery=try_delivery, sweep=sweep, password_reset=password_reset, purge_blobs=purge_blobs
        )

    def ids(self) -> list[tuple[uuid.UUID, bool]]:
        return [(delivery_id, force) for delivery_id, force, _ in self.tries]


async def until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not so within {timeout} s")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def working(engine: JobEngine, handlers: Handlers, *, concurrency: int = 2) -> AsyncIterator[None]:
    task = asyncio.create_task(engine.run_worker(handlers.handlers(), concurrency=concurrency))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


async def test_a_deferred_try_runs_its_handler_with_the_id_and_force(engines: Engines) -> None:
    engine, calls = engines(), Handlers()
    before, forced, during = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await engine.defer(before, at=None, force=False)
    await ProcrastinateJobs(engine).try_delivery(forced, force=True)
    async with working(engine, calls):
        await until(lambda: len(calls.tries) == 2)
        await ProcrastinateJobs(engine).try_delivery(during)
        await until(lambda: len(calls.tries) == 3)
        await asyncio.sleep(0.3)
    assert sorted(calls.ids()[:2]) == sorted([(before, False), (forced, True)])
    assert calls.ids()[2] == (during, False)
    assert len(calls.tries) == 3  # each once


async def test_a_reset_request_runs_its_handler_with_the_address(engines: Engines) -> None:
    engine, calls = engines(), Handlers()
    jobs = ProcrastinateJobs(engine)
    await jobs.request_reset("ann@example.com")
    async with working(engine, calls):
        await until(lambda: ("reset", "ann@example.com") in calls.log)
        await jobs.request_reset("bob@example.com")
        await until(lambda: ("reset", "bob@example.com") in calls.log)
    assert [entry for entry in calls.log if entry[0] == "reset"] == [
        ("reset", "ann@example.com"),
        ("reset", "bob@example.com"),
    ]


async def test_a_failed_reset_request_is_run_again(engines: Engines) -> None:
    engine, calls = engines(), Handlers(resets_failing=1)
    await ProcrastinateJobs(engine).request_reset("ann@example.com")
    async with working(engine, calls):
        await until(lambda: calls.log.count(("reset", "ann@example.com")) == 2, timeout=RESET_RETRY_WAIT)


async def test_a_try_scheduled_at_a_time_runs_no_earlier(engines: Engines) -> None:
    engine, calls = engines(), Handlers()
    later, now = uuid.uuid4(), uuid.uuid4()
    async with working(engine, calls):
        await until(lambda: bool(calls.log))  # the worker has started
        due = datetime.now(UTC) + timedelta(seconds=1)
        await ProcrastinateJobs(engine).try_delivery(later, at=due, force=True)
        await engine.defer(now, at=None, force=False)
        await until(lambda: len(calls.tries) == 2)
    runs = {delivery_id: (forced, ran_at) for delivery_id, forced, ran_at in calls.tries}
    assert set(runs) == {now, later}
    forced, ran_at = runs[later]
    assert forced
    assert ran_at >= due, f"ran {(due - ran_at).total_seconds():.3f} s before its time"


async def test_the_workers_first_action_is_a_sweep(engines: Engines) -> None:
    engine, calls = engines(), Handlers()
    waiting = uuid.uuid4()
    await engine.defer(waiting, at=None, force=False)
    async with working(engine, calls):
        await until(lambda: bool(calls.tries))
    # in-memory jobs die with their process, so a worker starting there sweeps everything back
    assert engine.durable is (engines.backend == "postgres")
    assert calls.log[0] == ("sweep", engines.backend == "in-memory")
    assert calls.log[1:3] == [("purge", None), ("try", waiting)]  # then what was queued


async def test_a_failed_first_sweep_does_not_stop_the_worker(engines: Engines) -> None:
    engine, calls = engines(), Handlers(sweep_fails=True)
    waiting = uuid.uuid4()
    await engine.defer(waiting, at=None, force=True)
    async with working(engine, calls):
        await until(lambda: bool(calls.tries))
    assert calls.ids() == [(waiting, True)]


async def test_cancelling_the_worker_stops_it_promptly(engines: Engines) -> None:
    engine, calls = engines(), Handlers()
    task = asyncio.create_task(engine.run_worker(calls.handlers(), concurrency=4))
    await until(lambda: bool(calls.log))
    await engine.defer(uuid.uuid4(), at=None, force=False)
    await until(lambda: bool(calls.tries))
    await asyncio.sleep(0.2)  # idle, waiting for jobs
    started = time.monotonic()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=5)
    stopped_in = time.monotonic() - started
    assert task in done, "the worker still runs 5 s after its task was cancelled"
    assert stopped_in < 2, f"the worker took {stopped_in:.1f} s to stop"
    assert task.cancelled() or task.exception() is None
    await asyncio.wait_for(engine.close(), 5)
    # nothing runs any more: a try deferred from elsewhere waits for the next worker
    tried = len(calls.tries)
    if engines.backend == "postgres":
        other = engines()
        await other.defer(uuid.uuid4(), at=None, force=False)
        await asyncio.sleep(0.5)
    assert len(calls.tries) == tried


@needs_pg
async def test_two_workers_on_postgresql_run_each_try_exactly_once(pg_url: str) -> None:
    """Two engines (as two processes would have), each with a worker of several slots: 50 tries
    deferred through both run once each in total, and both workers take part."""
    first, second = make_job_engine(pg_url), make_job_engine(pg_url)
    ran_by: list[str] = []
    both_busy = asyncio.Event()

    async def hold() -> None:
        if {"first", "second"} <= set(ran_by):
            both_busy.set()
        with contextlib.suppress(TimeoutError):  # the test fails below if only one took part
            await asyncio.wait_for(both_busy.wait(), 3)
        await asyncio.sleep(0.01)

    log: list[tuple[str, object]] = []
    tries: list[tuple[uuid.UUID, bool, datetime]] = []
    one = Handlers("first", log, tries, ran_by, hold)
    two = Handlers("second", log, tries, ran_by, hold)
    ids = [uuid.uuid4() for _ in range(50)]
    try:
        for n, delivery_id in enumerate(ids):
            await (first if n % 2 else second).defer(delivery_id, at=None, force=n % 5 == 0)
        async with working(first, one, concurrency=4), working(second, two, concurrency=4):
            await until(lambda: len(tries) >= len(ids))
            await asyncio.sleep(1.0)  # time for any second run of a job to show
    finally:
        await first.close()
        await second.close()
    counts = Counter(delivery_id for delivery_id, _, _ in tries)
    assert counts == Counter(ids), f"run more than once: {[i for i, c in counts.items() if c > 1]}"
    assert {(i, f) for i, f, _ in tries} == {(i, n % 5 == 0) for n, i in enumerate(ids)}
    assert set(ran_by) == {"first", "second"}
    assert log.count(("sweep", False)) >= 2  # each worker's first sweep: only what is due


async def test_blob_purges_run_once_for_requests_made_while_one_waits(engines: Engines) -> None:
    engine, calls = engines(), Handlers()
    jobs = ProcrastinateJobs(engine)
    await jobs.purge_blobs()
    await jobs.purge_blobs()  # one is waiting already: it will find the same rows
    async with working(engine, calls):
        await until(lambda: ("purge", None) in calls.log)
        await asyncio.sleep(0.3)
        purges_then = [entry for entry in calls.log if entry[0] == "purge"]
        await jobs.purge_blobs()  # none waits now: a new one runs
        await until(lambda: len([e for e in calls.log if e[0] == "purge"]) > len(purges_then))


async def test_a_worker_purges_blobs_when_it_starts_and_with_every_periodic_sweep(engines: Engines) -> None:
    engine, calls = engines(), Handlers()
    async with working(engine, calls):
        await until(lambda: ("purge", None) in calls.log)
        assert calls.log.index(("purge", None)) == 1  # right after the first sweep
        if engines.backend == "in-memory":  # its periodic sweep comes every second (PostgreSQL's: 15 s)
            await until(lambda: calls.log.count(("purge", None)) >= 3)
            assert calls.log.count(("sweep", False)) >= 2  # the periodic ones, each with its purge

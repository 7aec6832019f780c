"""Tries of deliveries as procrastinate jobs, and the periodic sweep.

On PostgreSQL the jobs live in procrastinate's tables (migration 0011), so any number of servers
and workers share one queue and a job runs once; a worker hears of new jobs at once (LISTEN /
NOTIFY). On SQLite (the embedded default) the queue is procrastinate's in-memory connector: the
jobs live in the process, which is why a process that starts sweeps every waiting delivery back
into its queue. Either way the deliveries' rows are the durable record and a try's claim makes it
once; a job is only the reminder to try.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import procrastinate
import procrastinate.exceptions
from procrastinate import testing

from lms_domain.shared.errors import Unavailable

__all__ = ["JobEngine", "JobHandlers", "ProcrastinateJobs", "make_job_engine"]

_log = logging.getLogger("lms.jobs")

QUEUE = "deliveries"
# How often waiting deliveries are swept back into the queue. PostgreSQL's queue is shared and
# durable: the sweep only catches what a dead process left. The in-process queue of the embedded
# default never hears of changes committed by another process (``lms create-user``, a second
# server on the same file): its sweep is what delivers them, so it runs every second.
SWEEP_EVERY_SECONDS = {True: 15, False: 1}
FETCH_EVERY_SECONDS = 1.0
SHUTDOWN_GRACE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class JobHandlers:
    """What the jobs run: a try of one delivery, the sweep (``everything`` when starting), the
    background half of a password reset request (an address), and the deletion of erased
    accounts' stored bytes (also part of every sweep)."""

    try_delivery: Callable[[UUID, bool], Awaitable[object]]
    sweep: Callable[[bool], Awaitable[object]]
    password_reset: Callable[[str], Awaitable[object]]
    purge_blobs: Callable[[], Awaitable[object]]


def _handlers(context: procrastinate.JobContext) -> JobHandlers:
    handlers = context.additional_context.get("handlers")
    if not isinstance(handlers, JobHandlers):  # pragma: no cover - a worker always passes them
        raise RuntimeError("the worker was started without its job handlers")
    return handlers


# A reset request whose job fails (the database away for a moment) is run again a few times.
RESET_RETRY = procrastinate.RetryStrategy(max_attempts=5, wait=5)


def _register(
    app: procrastinate.App, *, sweep_seconds: int
) -> tuple[procrastinate.tasks.Task[Any, Any, Any], ...]:
    @app.task(name="lms.try_delivery", queue=QUEUE, pass_context=True)
    async def try_delivery(context: procrastinate.JobContext, delivery_id: str, force: bool = False) -> None:
        await _handlers(context).try_delivery(UUID(delivery_id), force)

    @app.task(name="lms.password_reset", queue=QUEUE, pass_context=True, retry=RESET_RETRY)
    async def password_reset(context: procrastinate.JobContext, email: str) -> None:
        await _handlers(context).password_reset(email)

    # at most one waiting at a time (a second request while one waits adds nothing: it would find
    # the same rows); a failing storage is retried by the rows' own schedule, at each sweep
    @app.task(name="lms.purge_blobs", queue=QUEUE, pass_context=True, queueing_lock="purge_blobs")
    async def purge_blobs(context: procrastinate.JobContext) -> None:
        await _handlers(context).purge_blobs()

    @app.periodic(cron=f"* * * * * */{sweep_seconds}", periodic_id="sweep")
    @app.task(name="lms.sweep_deliveries", queue=QUEUE, pass_context=True, queueing_lock="sweep")
    async def sweep(context: procrastinate.JobContext, timestamp: int) -> None:
        handlers = _handlers(context)
        await handlers.sweep(False)
        await handlers.purge_blobs()

    return try_delivery, password_reset, purge_blobs


class ProcrastinateJobs:
    """The ``DeliveryJobs`` port: a try queued as a job, to run at ``at`` (now when ``None``); the
    ``PasswordResetJobs`` and ``BlobPurgeJobs`` ports."""

    def __init__(self, engine: JobEngine) -> None:
        self._engine = engine

    async def try_delivery(
        self, delivery_id: UUID, *, at: datetime | None = None, force: bool = False
    ) -> None:
        await self._engine.defer(delivery_id, at=at, force=force)

    async def request_reset(self, email: str) -> None:
        try:
            await self._engine.defer_reset(email)
        except (procrastinate.exceptions.ConnectorException, OSError) as e:
            raise Unavailable("The job queue is not available") from e

    async def purge_blobs(self) -> None:
        try:
            await self._engine.defer_purge()
        except procrastinate.exceptions.AlreadyEnqueued:
            pass  # the one waiting will find these rows too
        except (procrastinate.exceptions.ConnectorException, OSError) as e:
            raise Unavailable("The job queue is not available") from e


class JobEngine:
    """A procrastinate app with its tasks; ``open`` before deferring, ``run_worker`` to work."""

    def __init__(self, app: procrastinate.App, *, durable: bool) -> None:
        self.app, self.durable = app, durable
        self._try, self._reset, self._purge = _register(app, sweep_seconds=SWEEP_EVERY_SECONDS[durable])
        self._opened = False
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        async with self._lock:
            if not self._opened:
                self._opened = True
                try:
                    await self.app.open_async()
                except BaseException:  # failed or cancelled half-way: nothing left open behind
                    self._opened = False
                    with contextlib.suppress(Exception):
                        await self.app.close_async()
                    raise

    async def close(self) -> None:
        async with self._lock:
            if self._opened:
                self._opened = False
                await self.app.close_async()

    async def defer(self, delivery_id: UUID, *, at: datetime | None, force: bool) -> None:
        await self.open()
        task = self._try.configure(schedule_at=at) if at is not None else self._try
        await task.defer_async(delivery_id=str(delivery_id), force=force)

    async def defer_reset(self, email: str) -> None:
        await self.open()
        await self._reset.defer_async(email=email)

    async def defer_purge(self) -> None:
        await self.open()
        await self._purge.defer_async()

    async def run_worker(self, handlers: JobHandlers, *, concurrency: int) -> None:
        """Works until cancelled: first sweeps (every waiting delivery, when the queue is the
        process's own) and purges due blobs, then runs jobs as they come."""
        await self.open()
        with contextlib.suppress(Exception):  # the periodic sweep retries what this one missed
            await handlers.sweep(not self.durable)
        with contextlib.suppress(Exception):
            await handlers.purge_blobs()
        await self.app.run_worker_async(
            queues=[QUEUE],
            concurrency=concurrency,
            install_signal_handlers=False,
            wait=True,
            # NOTIFY wakes the worker for a job due now, but not for one scheduled later (a retry):
            # that one is found by polling, so a retry runs at most this late after its delay
            fetch_job_polling_interval=FETCH_EVERY_SECONDS,
            delete_jobs="successful",
            # once cancelled, tries still running get this long; one cut short is tried again
            # when its claim runs out, like one whose process died
            shutdown_graceful_timeout=SHUTDOWN_GRACE_SECONDS,
            additional_context={"handlers": handlers},
        )


def make_job_engine(database_url: str) -> JobEngine:
    """PostgreSQL's queue for a ``postgresql`` URL, else the in-process one."""
    if database_url.startswith("postgresql"):
        from procrastinate import PsycopgConnector

        conninfo = "postgresql" + database_url[database_url.index("://") :]
        connector = PsycopgConnector(conninfo=conninfo, min_size=1, max_size=4)
        return JobEngine(procrastinate.App(connector=connector), durable=True)
    return JobEngine(procrastinate.App(connector=testing.InMemoryConnector()), durable=False)

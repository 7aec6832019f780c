"""Running deliveries: inside ``lms serve`` (unless ``LMS_DELIVERY_IN_PROCESS=false``) and as
``lms worker``, which serves no HTTP."""

from __future__ import annotations

import asyncio
import logging
import signal

from lms_http.container import Container

__all__ = ["DeliveryWorker", "run_worker"]

_log = logging.getLogger("lms.deliveries")
STOP_SECONDS = 10.0  # beyond the worker's own grace for running tries (5 s)


class DeliveryWorker:
    """The job engine's worker as a task of this process's event loop."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        engine = self._container.job_engine()
        concurrency = self._container.settings().delivery_concurrency
        self._task = asyncio.create_task(
            engine.run_worker(self._container.job_handlers(), concurrency=concurrency)
        )
        self._task.add_done_callback(_report)

    async def stop(self) -> None:
        """Cancels the worker and closes the queue, each bounded in time: a shutdown never hangs
        on them (a try cut short is made again once its claim runs out)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            _, running = await asyncio.wait({task}, timeout=STOP_SECONDS)
            if running:
                _log.warning("the delivery worker did not stop within %g s", STOP_SECONDS)
        try:
            async with asyncio.timeout(STOP_SECONDS):
                await self._container.job_engine().close()
        except TimeoutError:
            _log.warning("the job queue did not close within %g s", STOP_SECONDS)


def _report(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        _log.error("the delivery worker stopped: %s", error, exc_info=error)


async def run_worker(container: Container) -> None:
    """``lms worker``: deliveries only, until SIGINT or SIGTERM."""
    worker = DeliveryWorker(container)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    worker.start()
    _log.info("delivering events (LMS_DELIVERY_CONCURRENCY=%d)", container.settings().delivery_concurrency)
    try:
        await stop.wait()
    finally:
        await worker.stop()
        await container.engine().dispose()

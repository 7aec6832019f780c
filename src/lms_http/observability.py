"""Structured logs (one JSON line per request, written off the event loop) and Prometheus metrics."""

from __future__ import annotations

import atexit
import hmac
import json
import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from logging.handlers import QueueHandler
from typing import Any, Protocol, cast

import msgspec
from litestar import Request, Response, get
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from lms_http.settings import Settings

__all__ = [
    "JsonFormatter",
    "LogWriter",
    "RequestMetrics",
    "access_line",
    "configure_logging",
    "flush_logs",
    "metrics_route",
    "stop_logging",
    "track_pool",
]

access_log = logging.getLogger("lms.access")
# Litestar adds "; charset=utf-8" to every text/ type itself, so the type is given without it.
_METRICS_TYPE = "; ".join(
    part.strip() for part in CONTENT_TYPE_LATEST.split(";") if not part.strip().startswith("charset=")
)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields given to the logger become keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# --- the log writer: lines are written by a thread, never on the event loop ----------------------

# Access lines held while the stream does not take them (a full pipe, a stalled terminal): about
# 2.5 MB at 250 bytes a line, a second of a worker's requests at full load. Past it access lines
# are dropped and counted (a warning line says how many once the stream takes lines again); other
# records are always kept.
QUEUE_LINES = 10_000
WRITE_INTERVAL_SECONDS = 0.05  # the writer wakes this often, or at once for a flush or the stop
_BATCH_LINES = 2_000  # lines written with one write() at most


class Stream(Protocol):
    """Where the lines go: ``sys.stderr``, or any object with its ``write`` and ``flush``."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


class _Flushed(threading.Event):
    """Queued by ``flush_logs``: set once every line queued before it is written."""


class LogWriter:
    """The thread that writes this process's log lines to ``stream``.

    Its queue holds finished lines (``str``): access lines built on the request path
    (``access_line``) and every other record, formatted by ``LineQueueHandler`` in the thread that
    logged it. Queuing is a ``deque.append`` (no lock, no wake-up); the thread wakes every
    ``WRITE_INTERVAL_SECONDS`` and writes whatever is queued with one ``write()`` and one
    ``flush()``. (A ``QueueListener`` wakes its thread for every record: with the event loop
    releasing the GIL at each poll, that was a thread switch per request, 9 µs of the worker's
    time per access line against 2 µs for building and queuing it.)"""

    def __init__(
        self, stream: Stream, capacity: int = QUEUE_LINES, interval: float = WRITE_INTERVAL_SECONDS
    ) -> None:
        self.stream, self.capacity, self.interval = stream, capacity, interval
        self.lines: deque[str | _Flushed] = deque()
        self.dropped = 0  # access lines not queued because the queue was full (counted by put_access)
        self.lost = 0  # lines the stream refused (counted by the writer)
        self._reported = 0  # of ``dropped``, how many a warning line has told of
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def put_access(self, line: str) -> None:
        """Queue an access line; drop (and count) it when ``capacity`` lines wait already."""
        if len(self.lines) >= self.capacity:
            self.dropped += 1
            return
        self.lines.append(line)

    def put_nowait(self, line: str) -> None:
        """Queue a record's line (``QueueHandler``'s queue interface): always kept."""
        self.lines.append(line)

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="lms-log-writer", daemon=True)
        self._thread.start()

    def flush(self, timeout: float) -> bool:
        """Wait until every line queued so far is written; False after ``timeout`` seconds."""
        if self._thread is None:
            self._write_queued()
            return True
        done = _Flushed()
        self.lines.append(done)
        self._wake.set()
        return done.wait(timeout)

    def stop(self) -> None:
        """Write every line queued so far, then end the thread."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping = True
            self._wake.set()
            thread.join()
        self._write_queued()  # what came while it stopped

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            stopping = self._stopping
            self._write_queued()
            if stopping:
                return

    def _write_queued(self) -> None:
        lines, pop = self.lines, self.lines.popleft
        while lines or self.dropped > self._reported:
            batch: list[str | _Flushed] = []
            try:
                while len(batch) < _BATCH_LINES:
                    batch.append(pop())
            except IndexError:
                pass
            self._write(batch)

    def _write(self, batch: list[str | _Flushed]) -> None:
        text = [item for item in batch if isinstance(item, str)]
        dropped = self.dropped
        if dropped > self._reported:
            text.append(_dropped_line(dropped - self._reported))
            self._reported = dropped
        if text:
            try:
                self.stream.write("\n".join(text) + "\n")
                self.stream.flush()
            except Exception:
                self.lost += len(text)
        for item in batch:
            if isinstance(item, _Flushed):
                item.set()


class LineQueueHandler(QueueHandler):
    """Formats a record where it is logged (its exception too) and queues the line for the writer."""

    def __init__(self, writer: LogWriter) -> None:
        super().__init__(cast("Any", writer))  # the writer has the queue's put_nowait, all it is asked for
        self.setFormatter(JsonFormatter())

    def prepare(self, record: logging.LogRecord) -> Any:
        return self.format(record)


class _AccessLine(msgspec.Struct):
    """An access line: the keys and their order of ``JsonFormatter``'s line for the same record."""

    ts: str
    level: str
    logger: str
    msg: str
    request_id: str | None
    method: str | None
    route: str
    status: int
    duration_ms: float
    user_id: str | None


_encode_line = msgspec.json.Encoder().encode
_writer: LogWriter | None = None
_at_exit: list[bool] = []


_second: list[Any] = [-1, ""]  # the last second _timestamp formatted, and its text


def _timestamp(ns: int) -> str:
    """``JsonFormatter``'s ``ts`` (ISO 8601, milliseconds, UTC) for a ``time.time_ns()``; the text of
    the second is made once a second."""
    second, rest = divmod(ns, 1_000_000_000)
    if second != _second[0]:
        _second[:] = [second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")]
    return f"{_second[1]}.{rest // 1_000_000:03d}+00:00"


def _dropped_line(count: int) -> str:
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    return json.dumps(
        {
            "ts": now,
            "level": "warning",
            "logger": "lms.access",
            "msg": "access lines dropped",
            "dropped": count,
        }
    )


def access_line(
    *,
    request_id: str | None,
    method: str | None,
    route: str,
    status: int,
    duration_ms: float,
    user_id: str | None,
) -> None:
    """One ``lms.access`` line when the logger is enabled for INFO.

    With ``configure_logging`` (the served process) the line is built here with msgspec, without a
    ``LogRecord``, and queued for the writer thread; otherwise (tests, embedders with their own
    logging) it goes through the ``lms.access`` logger like any record, with the same keys."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    writer = _writer
    if writer is None:
        access_log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": user_id,
            },
        )
        return
    line = _AccessLine(
        _timestamp(time.time_ns()),
        "info",
        "lms.access",
        "request",
        request_id,
        method,
        route,
        status,
        duration_ms,
        user_id,
    )
    writer.put_access(_encode_line(line).decode())


def configure_logging(
    level: str, stream: Stream | None = None, *, interval: float = WRITE_INTERVAL_SECONDS
) -> LogWriter:
    """JSON lines on ``stream`` (stderr), written by a thread of their own (``LogWriter``) that
    wakes every ``interval`` seconds; ``stop_logging`` (at exit) writes what is left."""
    stop_logging()  # a writer configured before (tests configure more than once)
    global _writer
    writer = LogWriter(stream if stream is not None else sys.stderr, interval=interval)
    root = logging.getLogger()
    root.handlers[:] = [LineQueueHandler(writer)]
    root.setLevel(level)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True
    # a line per job and per request would drown the service's own lines; deliveries are in their
    # log (GET /webhooks/{id}/deliveries), and warnings and errors of both still show
    quieter = logging.DEBUG if level == "DEBUG" else logging.WARNING
    for chatty in ("procrastinate", "httpx"):
        logging.getLogger(chatty).setLevel(max(quieter, logging.getLevelName(level)))
    writer.start()
    _writer = writer
    if not _at_exit:  # what is queued when the process ends is written (uvicorn's last lines too)
        atexit.register(stop_logging)
        _at_exit.append(True)
    return writer


def flush_logs(timeout: float = 5.0) -> bool:
    """Wait until every line queued so far is written (at most ``timeout`` seconds: a stream that
    never takes them does not hold the shutdown forever). True when written or nothing to do."""
    writer = _writer
    return True if writer is None else writer.flush(timeout)


def stop_logging() -> None:
    """Write what is queued and end the writer thread; records are written synchronously after."""
    global _writer
    writer, _writer = _writer, None
    if writer is None:
        return
    root = logging.getLogger()
    if any(isinstance(h, LineQueueHandler) for h in root.handlers):
        handler = logging.StreamHandler(writer.stream)
        handler.setFormatter(JsonFormatter())
        root.handlers[:] = [h for h in root.handlers if not isinstance(h, LineQueueHandler)] + [handler]
    writer.stop()


_LABELS = ("method", "path", "status_code", "app_name")
_metrics: dict[str, Any] = {}  # one of each per process, however many apps (tests make many)


def _metric(kind: type[Any], name: str, documentation: str, **options: Any) -> Any:
    if name not in _metrics:
        _metrics[name] = kind(name, documentation, labelnames=_LABELS, **options)
    return _metrics[name]


class RequestMetrics:
    """The request metrics Litestar's Prometheus middleware kept, with its names, labels and buckets
    (``lms_requests_total``, ``lms_request_duration_seconds``, ``lms_requests_in_progress``,
    ``lms_requests_error_total``; ``method``, ``path`` as the route template, ``status_code``,
    ``app_name``), recorded by the API layer (``lms_http.middleware.make_api_middleware``) without a
    layer of their own: that middleware built a ``Request``, a labels dict and a wrapped ``send`` per
    request and looked up four labelled children, about half of ``/api/v1/health``'s time in the
    worker. Here the children are looked up once per (method, route, status) and kept."""

    def __init__(self, prefix: str = "lms", app_name: str = "lms") -> None:
        self.app_name = app_name
        self._total = _metric(Counter, f"{prefix}_requests_total", "Total requests")
        self._errors = _metric(Counter, f"{prefix}_requests_error_total", "Total errors in requests")
        self._time = _metric(Histogram, f"{prefix}_request_duration_seconds", "Request duration, in seconds")
        self._in_progress = _metric(
            Gauge,
            f"{prefix}_requests_in_progress",
            "Total requests currently in progress",
            multiprocess_mode="livesum",
        )
        self._done: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}
        self._running: dict[tuple[str, str], Any] = {}

    def started(self, method: str, route: str) -> Any:
        """Count a request in progress; returns what ``finished`` takes back."""
        gauge = self._running.get((method, route))
        if gauge is None:  # as before, the in-progress gauge is labelled with status 200
            gauge = self._running[method, route] = self._in_progress.labels(method, route, 200, self.app_name)
        gauge.inc()
        return gauge

    def finished(self, gauge: Any, method: str, route: str, status: int, seconds: float) -> None:
        gauge.dec()
        children = self._done.get((method, route, status))
        if children is None:
            values = (method, route, status, self.app_name)
            children = self._done[method, route, status] = (
                self._total.labels(*values),
                self._time.labels(*values),
                self._errors.labels(*values) if status >= 500 else None,
            )
        total, time_, errors = children
        total.inc()
        time_.observe(seconds)
        if errors is not None:
            errors.inc()


def metrics_route(settings: Settings) -> Any:
    """GET /metrics in Prometheus text format; with LMS_METRICS_TOKEN set, only for that bearer token."""
    token = settings.metrics_token

    @get("/metrics", include_in_schema=False, sync_to_thread=False)
    def metrics(request: Request[Any, Any, Any]) -> Response[Any]:
        if token is not None:
            supplied = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(supplied.encode(), token.encode()):
                return Response({"detail": "Could not validate credentials"}, status_code=401)
        registry: Any = REGISTRY
        if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return Response(generate_latest(registry), media_type=_METRICS_TYPE)

    return metrics


class _PoolCollector(Collector):
    def __init__(self, counts: Callable[[], Mapping[str, int]]) -> None:
        self._counts = counts

    def collect(self) -> Any:
        gauge = GaugeMetricFamily(
            "lms_db_pool_connections", "Database pool connections by state", labels=["state"]
        )
        for state, count in self._counts().items():
            gauge.add_metric([state], float(count))
        yield gauge


_tracked: list[_PoolCollector] = []


def track_pool(counts: Callable[[], Mapping[str, int]]) -> None:
    """Expose the pool's connection counts by state (the latest pool of this process)."""
    for old in _tracked:
        REGISTRY.unregister(old)
    _tracked.clear()
    collector = _PoolCollector(counts)
    REGISTRY.register(collector)
    _tracked.append(collector)

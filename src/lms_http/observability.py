"""Structured logs (one JSON line per request) and Prometheus metrics."""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get
from litestar.enums import ScopeType
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from lms_http.settings import Settings

__all__ = [
    "JsonFormatter",
    "configure_logging",
    "make_access_log_middleware",
    "metrics_config",
    "metrics_route",
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


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True
    # a line per job and per request would drown the service's own lines; deliveries are in their
    # log (GET /webhooks/{id}/deliveries), and warnings and errors of both still show
    quieter = logging.DEBUG if level == "DEBUG" else logging.WARNING
    for chatty in ("procrastinate", "httpx"):
        logging.getLogger(chatty).setLevel(max(quieter, logging.getLevelName(level)))


def make_access_log_middleware() -> Callable[[ASGIApp], ASGIApp]:
    """Logs method, route template, status, duration and user id; never bodies, tokens or codes."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            start, status = time.perf_counter(), 500

            async def record_status(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, record_status)
            finally:
                state = scope.get("state", {})
                access_log.info(
                    "request",
                    extra={
                        "request_id": state.get("request_id"),
                        "method": "HEAD" if state.get("head_request") else scope.get("method"),
                        "route": scope.get("path_template") or "unmatched",
                        "status": status,
                        "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                        "user_id": state.get("user_id"),
                    },
                )

        return handle

    return middleware


def metrics_config() -> PrometheusConfig:
    return PrometheusConfig(
        app_name="lms", prefix="lms", group_path=True, exclude=["^/metrics"], exclude_unhandled_paths=True
    )


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

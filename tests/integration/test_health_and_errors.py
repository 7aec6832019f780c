"""Health, readiness, error shapes, headers and the OpenAPI document."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lms_adapters.local.counters import InProcessRateLimiter
from lms_adapters.redis.client import make_redis
from lms_http.settings import Settings
from tests.conftest import needs_redis


async def test_health(client: AsyncTestClient[Litestar]) -> None:
    r = await client.get("/api/v1/health")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "server" not in r.headers


async def test_ready_reports_each_part(client: AsyncTestClient[Litestar], settings: Settings) -> None:
    r = await client.get("/api/v1/ready")
    expected_redis = "up" if settings.redis_url else "disabled"
    assert (r.status_code, r.json()) == (200, {"status": "ok", "database": "up", "redis": expected_redis})


async def test_ready_is_503_when_the_database_is_unreachable(
    make_app: Callable[..., Litestar], settings: Settings, tmp_path: Path
) -> None:
    url = (
        "postgresql://postgres@127.0.0.1:1/nowhere"
        if settings.database_url.startswith("postgresql")
        else f"sqlite:///{tmp_path}"
    )  # a directory: SQLite cannot open it
    async with AsyncTestClient(app=make_app(database_url=url)) as c:
        r = await c.get("/api/v1/ready")
    assert r.status_code == 503
    assert r.json()["status"] == "degraded" and r.json()["database"] == "down"


async def test_ready_is_503_when_redis_is_unreachable(
    make_app: Callable[..., Litestar], settings: Settings
) -> None:
    async with AsyncTestClient(app=make_app(redis_url="redis://127.0.0.1:1/0")) as c:
        r = await c.get("/api/v1/ready")
    assert (r.status_code, r.json()["redis"]) == (503, "down")


@needs_redis
async def test_a_busy_redis_pool_is_503_busy_and_no_outage(
    make_app: Callable[..., Litestar], redis_url: str
) -> None:
    """The worker's only Redis connection stays taken past the wait: what needs Redis answers 503
    "busy" (no per-process rate limits, no catalog read from the database), /ready says Redis is up."""
    app = make_app(redis_url=redis_url)
    container = app.state.container
    container.redis.override(providers.Singleton(make_redis, redis_url, pool_size=1, pool_wait=0.1))
    async with AsyncTestClient(app=app) as c:
        r = await c.post(
            "/api/v1/auth/register",
            json={"email": "busy@example.com", "password": "Correct7Horse", "full_name": "B"},
        )
        auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert (await c.get("/api/v1/courses")).headers["x-cache"] == "miss"
        # on the app's own loop (the test client runs it in a thread of its own)
        holder = c.blocking_portal.start_task_soon(container.redis().blpop, ["busy-test"], 1.5)
        await asyncio.sleep(0.05)

        ready = await c.get("/api/v1/ready")
        assert (ready.status_code, ready.json()["redis"]) == (200, "up")
        me = await c.get("/api/v1/users/me", headers=auth)
        assert (me.status_code, me.json()) == (503, {"detail": "The rate limit store is busy"})
        container.rate_limiter.override(providers.Object(InProcessRateLimiter()))  # past the limiter
        me = await c.get("/api/v1/users/me", headers=auth)
        assert (me.status_code, me.json()) == (503, {"detail": "The session store is busy"})
        courses = await c.get("/api/v1/courses")
        assert (courses.status_code, courses.json()) == (503, {"detail": "The stamp store is busy"})

        await asyncio.wrap_future(holder)
        assert (await c.get("/api/v1/users/me", headers=auth)).status_code == 200
        assert (await c.get("/api/v1/courses")).headers["x-cache"] == "hit"  # the kept answer survived


async def test_unknown_path_is_404_json(client: AsyncTestClient[Litestar]) -> None:
    r = await client.get("/api/v1/nope")
    assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})


async def test_wrong_method_is_405_with_allow(client: AsyncTestClient[Litestar]) -> None:
    r = await client.delete("/api/v1/health")
    assert r.status_code == 405
    assert "GET" in r.headers["allow"]
    assert "detail" in r.json()


async def test_malformed_json_is_422(client: AsyncTestClient[Litestar]) -> None:
    r = await client.post(
        "/api/v1/auth/login", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body"]


async def test_nul_characters_and_non_finite_numbers_are_422(client: AsyncTestClient[Litestar]) -> None:
    r = await client.post(
        "/api/v1/auth/register", json={"email": "a@b.io", "password": "Abcdef12\u0000", "full_name": "A"}
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "password"]
    r = await client.post(
        "/api/v1/auth/login",
        content=b'{"email": "a@b.io", "password": "x", "n": 1e999}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422
    r = await client.get("/api/v1/users?q=%00")
    assert r.status_code == 422


async def test_body_over_one_mebibyte_is_413(client: AsyncTestClient[Litestar]) -> None:
    r = await client.post(
        "/api/v1/auth/login",
        content=b'{"email": "' + b"a" * (1024 * 1024 + 10) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert "detail" in r.json()


async def test_openapi_lists_statuses_and_uses_422(client: AsyncTestClient[Litestar]) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    login = doc["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"200", "401", "403", "422", "423", "429"} <= set(login)
    assert "400" not in login
    assert "/api/v1/users/me" in doc["paths"]
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_an_unexpected_error_is_a_bare_500(
    make_app: Callable[..., Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    """No traceback or SQL in the body; the log line carries the request id."""
    from dependency_injector import providers

    from tests.integration.conftest import Api

    class BrokenUnitOfWork:
        async def __aenter__(self) -> None:
            raise RuntimeError("SELECT secret FROM users -- driver exploded")

        async def __aexit__(self, *exc: object) -> None:
            return None

    app = make_app()
    async with AsyncTestClient(app=app) as c:
        tokens = await Api(c).register()
        app.state.container.uow.override(providers.Factory(BrokenUnitOfWork))
        r = await c.patch(
            "/api/v1/users/me",
            json={"full_name": "New Name"},
            headers={**Api.auth(tokens), "X-Request-ID": "req-500-test"},
        )
    assert (r.status_code, r.json()) == (500, {"detail": "Internal Server Error"})
    assert "secret" not in r.text and "Traceback" not in r.text
    assert r.headers["x-request-id"] == "req-500-test"
    assert any("req-500-test" in rec.getMessage() for rec in caplog.records), [
        r.getMessage() for r in caplog.records
    ]


async def test_request_log_line_and_request_id(
    client: AsyncTestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from lms_http.observability import JsonFormatter

    caplog.set_level(logging.INFO, logger="lms.access")
    r = await client.get("/api/v1/users/me", headers={"Authorization": "Bearer secret-token-value"})
    assert r.status_code == 401
    generated = r.headers["x-request-id"]
    assert len(generated) == 32
    lines = [JsonFormatter().format(rec) for rec in caplog.records if rec.name == "lms.access"]
    assert lines
    import json

    entry = json.loads(lines[-1])
    assert entry["request_id"] == generated
    assert (entry["method"], entry["route"], entry["status"]) == ("GET", "/api/v1/users/me", 401)
    assert "secret-token-value" not in lines[-1]
    echoed = await client.get("/api/v1/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"


async def test_a_head_request_is_logged_as_head(
    client: AsyncTestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    import json
    import logging

    from lms_http.observability import JsonFormatter

    caplog.set_level(logging.INFO, logger="lms.access")
    r = await client.head("/api/v1/health", headers={"X-Request-ID": "head-1"})
    assert (r.status_code, r.content) == (200, b"")
    entries = [json.loads(JsonFormatter().format(rec)) for rec in caplog.records if rec.name == "lms.access"]
    entry = next(e for e in entries if e["request_id"] == "head-1")
    assert (entry["method"], entry["route"], entry["status"]) == ("HEAD", "/api/v1/health", 200)


async def test_metrics_by_route_template_and_token(make_app: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app=make_app()) as c:
        await c.get("/api/v1/health")
        r = await c.get("/metrics")
        assert r.status_code == 200
        assert 'path="/api/v1/health"' in r.text
        assert "lms_db_pool_connections" in r.text
    async with AsyncTestClient(app=make_app(metrics_token="m" * 20)) as c:
        assert (await c.get("/metrics")).status_code == 401
        ok = await c.get("/metrics", headers={"Authorization": "Bearer " + "m" * 20})
        assert ok.status_code == 200


async def test_metrics_count_requests_by_route_template_and_status(make_app: Callable[..., Litestar]) -> None:
    def value(text: str, series: str) -> float:
        return next(
            (float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(series)), 0.0
        )

    health = 'app_name="lms",method="GET",path="/api/v1/health",status_code="200"}'
    me = 'app_name="lms",method="GET",path="/api/v1/users/me",status_code="401"}'
    async with AsyncTestClient(app=make_app()) as c:
        before = (await c.get("/metrics")).text
        for _ in range(3):
            await c.get("/api/v1/health")
        await c.head("/api/v1/health")  # answered by the GET route, counted as GET as before
        await c.get("/api/v1/users/me")
        after = (await c.get("/metrics")).text
    assert value(after, "lms_requests_total{" + health) - value(before, "lms_requests_total{" + health) == 4
    assert value(after, "lms_requests_total{" + me) - value(before, "lms_requests_total{" + me) == 1
    count = "lms_request_duration_seconds_count{" + health
    assert value(after, count) - value(before, count) == 4
    assert value(after, "lms_requests_in_progress{" + health) == 0
    assert 'path="/metrics"' not in after


async def test_metrics_say_their_charset_once(make_app: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app=make_app()) as c:
        r = await c.get("/metrics")
    assert r.headers["content-type"] == "text/plain; version=1.0.0; charset=utf-8"


async def test_requests_get_503_when_the_database_is_down(
    make_app: Callable[..., Litestar], settings: Settings, tmp_path: Path
) -> None:
    import time

    url = (
        "postgresql://postgres@127.0.0.1:1/nowhere"
        if settings.database_url.startswith("postgresql")
        else f"sqlite:///{tmp_path}"
    )
    async with AsyncTestClient(app=make_app(database_url=url)) as c:
        start = time.monotonic()
        r = await c.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "Correct7Horse"})
        assert (r.status_code, r.json()) == (503, {"detail": "The database is not available"})
        r = await c.post(
            "/api/v1/auth/register",
            json={"email": "a@example.com", "password": "Correct7Horse", "full_name": "A"},
        )
        assert r.status_code == 503
        assert time.monotonic() - start < 10

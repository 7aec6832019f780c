"""Faults: a database outage, a Redis outage, SIGTERM during requests, SIGKILL during an upload."""

from __future__ import annotations

import dataclasses
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url

from lms_http.app import create_app
from lms_http.settings import RateLimit, Settings
from tests.conftest import needs_pg
from tests.servers import TcpProxy, private_redis, serve

PASSWORD = "Correct7Horse"
SECRET = "fault-tests-secret-" + "x" * 32
DOWN = {"detail": "The database is not available"}


def settings_for(database_url: str, tmp_path: Path, redis_url: str | None = None, **more: object) -> Settings:
    base = Settings(
        database_url=database_url,
        redis_url=redis_url,
        secret_key=SECRET,
        storage_dir=tmp_path / "files",
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        rate_limit_auth=RateLimit(10_000, 60),
        rate_limit_default=RateLimit(100_000, 60),
    )
    return dataclasses.replace(base, **more)  # type: ignore[arg-type]


async def register(c: AsyncTestClient, email: str) -> dict[str, str]:  # type: ignore[type-arg]
    r = await c.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "full_name": "F"})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@needs_pg
async def test_postgres_outage_is_503_fast_and_recovers_without_restart(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    target = make_url(pg_url)
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        proxied = target.set(port=proxy.port).render_as_string(hide_password=False)
        async with AsyncTestClient(app=create_app(settings_for(proxied, tmp_path, redis_url))) as c:
            auth = await register(c, "pg-outage@example.com")
            assert (await c.get("/api/v1/users/me", headers=auth)).status_code == 200
            proxy.cut()
            start = time.monotonic()
            ready = await c.get("/api/v1/ready")
            assert time.monotonic() - start < 2
            assert (ready.status_code, ready.json()["database"]) == (503, "down")
            me = await c.get("/api/v1/users/me", headers=auth)
            assert (me.status_code, me.json()) == (503, DOWN)
            login = await c.post(
                "/api/v1/auth/login", json={"email": "pg-outage@example.com", "password": PASSWORD}
            )
            assert login.status_code == 503
            courses = await c.get("/api/v1/courses")
            assert courses.status_code == 503
            assert time.monotonic() - start < 15  # answers, never hangs
            proxy.start()
            assert (await c.get("/api/v1/users/me", headers=auth)).status_code == 200
            assert (await c.get("/api/v1/ready")).status_code == 200


async def test_redis_outage_fails_closed(sqlite_url: str, tmp_path: Path) -> None:
    """Without Redis no token is accepted (not even a revoked one), logins wait for the lockout store,
    rate limits fall back to counting in the process, and /ready says which part is down."""
    with private_redis(tmp_path) as (url, process, _):
        settings = settings_for(sqlite_url, tmp_path, url, rate_limit_default=RateLimit(3, 60))
        async with AsyncTestClient(app=create_app(settings)) as c:
            auth = await register(c, "alive@example.com")
            revoked = await register(c, "revoked@example.com")
            assert (await c.post("/api/v1/auth/logout", headers=revoked)).status_code == 204
            process.terminate()
            process.wait(10)
            for headers in (auth, revoked):
                r = await c.get("/api/v1/users/me", headers=headers)
                assert r.status_code == 503, r.text
            login = await c.post(
                "/api/v1/auth/login", json={"email": "alive@example.com", "password": PASSWORD}
            )
            assert login.status_code == 503
            assert (await c.get("/api/v1/health")).status_code == 200
            ready = await c.get("/api/v1/ready")
            assert (ready.status_code, ready.json()) == (
                503,
                {"status": "degraded", "database": "up", "redis": "down"},
            )
            codes = [(await c.get("/api/v1/courses")).status_code for _ in range(4)]
            assert codes == [200, 200, 200, 429]  # per-process counting still limits


def slow_upload(
    url: str, auth: dict[str, str], seconds: float, result: dict[str, object], started: threading.Event
) -> None:
    def body() -> Iterator[bytes]:
        yield (
            b'--B\r\nContent-Disposition: form-data; name="file"; filename="slow.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\n"
        )
        started.set()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            yield b"slow upload line of text\n" * 400
            time.sleep(0.1)
        yield b"\r\n--B--\r\n"

    try:
        r = httpx.post(
            f"{url}/api/v1/files/upload",
            content=body(),
            timeout=60,
            headers={**auth, "Content-Type": "multipart/form-data; boundary=B"},
        )
        result["status"] = r.status_code
        result["body"] = r.json()
    except httpx.HTTPError as e:
        result["error"] = repr(e)


def login(url: str, email: str) -> dict[str, str]:
    r = httpx.post(
        f"{url}/api/v1/auth/register", json={"email": email, "password": PASSWORD, "full_name": "S"}
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_sigterm_lets_in_flight_requests_finish_and_refuses_new_ones(tmp_path: Path) -> None:
    with serve(tmp_path) as server:
        auth = login(server.url, "term@example.com")
        result: dict[str, object] = {}
        started = threading.Event()
        worker = threading.Thread(target=slow_upload, args=(server.url, auth, 3.0, result, started))
        worker.start()
        assert started.wait(10)
        time.sleep(0.5)
        signalled = time.monotonic()
        server.signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.url}/api/v1/health", timeout=2)
        worker.join(30)
        assert result.get("status") == 201, result
        # uvicorn re-raises the signal once it has shut down gracefully
        assert server.process.wait(30) in (0, -signal.SIGTERM)
        assert time.monotonic() - signalled < 30  # within the grace period


def test_sigkill_mid_upload_leaves_no_row_and_no_file_under_a_real_name(tmp_path: Path) -> None:
    with serve(tmp_path) as server:
        auth = login(server.url, "kill@example.com")
        result: dict[str, object] = {}
        started = threading.Event()
        worker = threading.Thread(target=slow_upload, args=(server.url, auth, 5.0, result, started))
        worker.start()
        assert started.wait(10)
        time.sleep(1.0)
        server.signal(signal.SIGKILL)
        server.process.wait(10)
        worker.join(30)
        assert "error" in result, result
    with sqlite3.connect(tmp_path / "var" / "lms.db") as db:
        assert db.execute("SELECT count(*) FROM stored_files").fetchone() == (0,)
    files = tmp_path / "var" / "files"
    leftovers = [p.name for p in files.iterdir()] if files.exists() else []
    assert all(name.startswith(".tmp-") for name in leftovers), leftovers

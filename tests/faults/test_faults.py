"""Faults: a database outage, a Redis outage, a busy or stalled Redis, SIGTERM during requests,
SIGKILL during an upload, SIGKILL during a request holding an Idempotency-Key."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lms_adapters.sql.urls import sync_url
from lms_http.app import create_app
from lms_http.settings import RateLimit, Settings
from tests.conftest import needs_pg, needs_redis
from tests.servers import TcpProxy, private_redis, serve

PASSWORD = "Correct7Horse"
SECRET = "fault-tests-secret-" + "x" * 32
DOWN = {"detail": "The database is not available"}


def settings_for(database_url: str, tmp_path: Path, redis_url: str | None = None, **more: Any) -> Settings:
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
    return dataclasses.replace(base, **more)


async def register(c: AsyncTestClient[Litestar], email: str) -> dict[str, str]:
    r = await c.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "full_name": "F"})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@needs_pg
@needs_redis
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
            mine = await c.get("/api/v1/enrollments/my-courses", headers=auth)
            assert (mine.status_code, mine.json()) == (503, DOWN)
            # the profile comes with the caller's state kept in Redis: no database needed (and
            # none of it can change while the database is away)
            assert (await c.get("/api/v1/users/me", headers=auth)).status_code == 200
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


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float  # from the moment its round was released


async def _read_answer(reader: asyncio.StreamReader, released: float) -> Answer:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Answer(int(head[0].split()[1]), headers, body, time.monotonic() - released)


async def _burst(port: int, requests: list[bytes], rounds: int) -> list[list[Answer]]:
    """Each request on a connection of its own, all written at once, ``rounds`` times over.

    A client that sends one request after another never has many in the server at the same
    moment; written together on open connections, they are all read in one turn of its loop.
    """
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in requests]
    answers: list[list[Answer]] = []
    try:
        for _ in range(rounds):
            for (_, writer), request in zip(connections, requests, strict=True):
                writer.write(request)
            released = time.monotonic()
            await asyncio.gather(*(writer.drain() for _, writer in connections))
            answers.append(list(await asyncio.gather(*(_read_answer(r, released) for r, _ in connections))))
    finally:
        for _, writer in connections:
            writer.close()
    return answers


def burst(port: int, requests: list[bytes], rounds: int = 1) -> list[list[Answer]]:
    return asyncio.run(_burst(port, requests, rounds))


def get(path: str, auth: dict[str, str] | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in (auth or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def catalog_reads(url: str) -> int:
    """How often PostgreSQL has read the ``courses`` table (sequential and index scans), once the
    count stops moving.

    Only catalog requests read that table (a signed-in ``/users/me`` reads ``users``). Backends
    report their counts when they exit (or some seconds after going idle), so callers stop the
    server first; the count is read until two readings agree.
    """
    engine = create_engine(sync_url(url))
    query = text(
        "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables"
        " WHERE schemaname = 'public' AND relname = 'courses'"
    )
    try:
        last = -1
        for _ in range(20):
            with engine.connect() as conn:
                now = int(conn.execute(query).scalar_one())
            if now == last:
                return now
            last = now
            time.sleep(0.5)
        return last
    finally:
        engine.dispose()


@needs_pg
def test_more_requests_than_redis_connections_wait_for_one(pg_url: str, tmp_path: Path) -> None:
    """Four Redis connections, 192 requests at once, five times: every signed-in request and every
    anonymous catalog read succeeds, and the catalog is answered from memory, not from PostgreSQL."""
    admin_login = {"email": "root@example.com", "password": "Admin7Secret"}
    with private_redis(tmp_path) as (redis_url, _, _):
        env = {
            "LMS_DATABASE_URL": pg_url,
            "LMS_REDIS_URL": redis_url,
            "LMS_REDIS_POOL_SIZE": "4",
            "LMS_DB_POOL_SIZE": "8",
            "LMS_ADMIN_EMAIL": admin_login["email"],
            "LMS_ADMIN_PASSWORD": admin_login["password"],
        }
        with serve(tmp_path, **env) as server:  # courses and users first, with a server of their own
            api = f"{server.url}/api/v1"
            token = httpx.post(f"{api}/auth/login", json=admin_login).json()["access_token"]
            admin = {"Authorization": f"Bearer {token}"}
            for title in ("Pooled One", "Pooled Two", "Pooled Three"):
                course = httpx.post(f"{api}/courses", headers=admin, json={"title": title}).json()
                assert httpx.post(f"{api}/courses/{course['id']}/publish", headers=admin).status_code == 200
            users = [login(server.url, f"pooled{i}@example.com") for i in range(8)]
        before = catalog_reads(pg_url)
        anonymous = [get("/api/v1/courses")] * 128
        signed_in = [get("/api/v1/users/me", user) for user in users] * 8
        with serve(tmp_path, **env) as server:
            assert httpx.get(f"{server.url}/api/v1/courses").headers["x-cache"] == "miss"
            rounds = burst(server.port, anonymous + signed_in, rounds=5)
            ready = httpx.get(f"{server.url}/api/v1/ready")
        after = catalog_reads(pg_url)

    catalog = Counter((a.status, a.headers.get("x-cache")) for r in rounds for a in r[: len(anonymous)])
    me = Counter((a.status, a.body[:60]) for r in rounds for a in r[len(anonymous) :])
    assert catalog == {(200, "hit"): 5 * len(anonymous)}, catalog
    assert {status for status, _ in me} == {200}, me
    assert (ready.status_code, ready.json()["redis"]) == (200, "up")
    # the warm-up miss read the table (a count and a page); the 640 reads after it did not
    assert after - before <= 4, after - before


def test_a_stalled_redis_fails_closed_in_bounded_time(tmp_path: Path) -> None:
    """Redis stops answering (SIGSTOP) with requests queued for a pool of two: signed-in requests
    answer 503 within a few seconds (never 200), the catalog is never answered from a stamp it could
    not read, /ready says Redis is down; all is well again once Redis resumes."""
    with (
        private_redis(tmp_path) as (redis_url, process, _),
        serve(tmp_path, LMS_REDIS_URL=redis_url, LMS_REDIS_POOL_SIZE="2") as server,
    ):
        auth = login(server.url, "stalled@example.com")
        assert httpx.get(f"{server.url}/api/v1/courses").headers["x-cache"] == "miss"
        process.send_signal(signal.SIGSTOP)
        try:
            [answers] = burst(
                server.port, [get("/api/v1/users/me", auth)] * 16 + [get("/api/v1/courses")] * 16
            )
            ready = httpx.get(f"{server.url}/api/v1/ready", timeout=10)
        finally:
            process.send_signal(signal.SIGCONT)
        me, catalog = answers[:16], answers[16:]
        busy = {b'{"detail":"The rate limit store is busy"}', b'{"detail":"The session store is busy"}'}
        refusals = busy | {b'{"detail":"The session store is not available"}'}
        assert all(a.status == 503 and a.body in refusals for a in me), {(a.status, a.body) for a in me}
        # two requests at a time had a connection (and found Redis down); the rest waited in vain
        assert sum(a.body in busy for a in me) >= 8, Counter(a.body for a in me)
        # a catalog read either waited in vain (503 busy) or found Redis down and read the database
        assert all(a.headers.get("x-cache") != "hit" for a in catalog)
        assert all(a.status in (200, 503) for a in catalog), {(a.status, a.body) for a in catalog}
        assert max(a.seconds for a in answers) < 10, sorted(a.seconds for a in answers)
        assert (ready.status_code, ready.json()["redis"]) == (503, "down")

        assert httpx.get(f"{server.url}/api/v1/users/me", headers=auth).status_code == 200
        assert httpx.get(f"{server.url}/api/v1/ready").json()["redis"] == "up"


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


def pending_keys(tmp_path: Path, redis_url: str | None) -> int:
    """Idempotency keys whose request is still running, as the store sees them."""
    if redis_url:
        from redis import Redis

        with Redis.from_url(redis_url) as r:
            return sum(b'"status"' not in (r.get(k) or b'"status"') for k in r.keys("lms:idem:*"))
    with sqlite3.connect(tmp_path / "var" / "lms.db") as db:
        return int(db.execute("SELECT count(*) FROM idempotency_keys WHERE status IS NULL").fetchone()[0])


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=[needs_pg, needs_redis])])
def test_a_key_held_by_a_killed_server_is_free_once_its_lease_lapses(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    redis_url = None
    env = {"LMS_IDEMPOTENCY_LEASE_SECONDS": "1"}
    if backend == "postgres":
        redis_url = request.getfixturevalue("redis_url")
        env.update(LMS_DATABASE_URL=request.getfixturevalue("pg_url"), LMS_REDIS_URL=redis_url)
    # a costly argon2 makes the registration hash for several seconds after it took its key
    slow = {"LMS_ARGON2_MEMORY_KIB": "131072", "LMS_ARGON2_TIME_COST": "100"}
    body = {"email": "lease@example.com", "password": PASSWORD, "full_name": "Lease"}
    key = {"Idempotency-Key": "signup-after-a-crash"}

    def register(url: str) -> httpx.Response:
        return httpx.post(f"{url}/api/v1/auth/register", json=body, headers=key, timeout=5)

    with serve(tmp_path, **env, **slow) as server:
        result: dict[str, object] = {}

        def first_attempt() -> None:
            try:
                result["status"] = register(server.url).status_code
            except httpx.HTTPError as e:
                result["error"] = repr(e)

        worker = threading.Thread(target=first_attempt)
        worker.start()
        deadline = time.monotonic() + 10
        while pending_keys(tmp_path, redis_url) == 0:
            assert time.monotonic() < deadline, "the registration never took its key"
            time.sleep(0.05)
        assert register(server.url).status_code == 409  # it runs
        time.sleep(2.0)  # twice the lease: renewed while the request runs, so still held
        assert register(server.url).status_code == 409
        assert worker.is_alive(), f"the registration finished before the kill: {result}"
        server.signal(signal.SIGKILL)
        server.process.wait(10)
        worker.join(30)
        assert "error" in result, result
    if redis_url is None:  # (in Redis the pending key may already have expired with its lease)
        assert pending_keys(tmp_path, redis_url) == 1  # the killed request left its key pending
    with serve(tmp_path, **env) as server:
        deadline = time.monotonic() + 15
        while (retry := register(server.url)).status_code == 409:
            assert time.monotonic() < deadline, "the retry is still refused as in progress"
            time.sleep(0.2)
        assert retry.status_code == 201, retry.text
        assert "idempotent-replayed" not in retry.headers  # it ran
        again = register(server.url)
        assert (again.status_code, again.headers["idempotent-replayed"]) == (201, "true")
        assert again.json() == retry.json()
        login = httpx.post(
            f"{server.url}/api/v1/auth/login", json={"email": body["email"], "password": PASSWORD}
        )
        assert login.status_code == 200

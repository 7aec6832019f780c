"""Shared fixtures: real databases (a migrated SQLite file, PostgreSQL when configured) and Redis."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from lms_adapters.sql.migrate import upgrade
from lms_adapters.sql.tables import metadata
from lms_adapters.sql.urls import sync_url

PG_URL = os.environ.get("LMS_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL")
# An S3-protocol server of your own (e.g. MinIO from compose.yaml); without it the tests start moto's.
S3_ENDPOINT = os.environ.get("LMS_TEST_S3_ENDPOINT")
S3_ACCESS_KEY = os.environ.get("LMS_TEST_S3_ACCESS_KEY", "testing")
S3_SECRET_KEY = os.environ.get("LMS_TEST_S3_SECRET_KEY", "testing")

needs_pg = pytest.mark.skipif(
    not PG_URL, reason="LMS_TEST_DATABASE_URL is not set (no PostgreSQL to test on)"
)
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="LMS_TEST_REDIS_URL is not set (no Redis to test on)")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Skips as one line per reason with its count (``-rs`` still lists each skipped test)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped or "s" in terminalreporter.reportchars:
        return
    reasons = Counter(
        str(report.longrepr[2]).removeprefix("Skipped: ") if isinstance(report.longrepr, tuple) else "skipped"
        for report in skipped
    )
    terminalreporter.section("skipped, by reason", sep="-")
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"SKIPPED {count:>5} x {reason}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "lms.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "lms.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


def ensure_database(url: str) -> bool:
    """Create the database ``url`` names when its server does not have it; True when it was made.
    Asked through the server's ``postgres`` database (``template1`` where that one is not open)."""
    import psycopg
    from psycopg import errors, sql
    from sqlalchemy.engine import make_url

    target = make_url(url).set(drivername="postgresql")
    name = target.database
    assert name, f"LMS_TEST_DATABASE_URL names no database: {url}"
    for maintenance in ("postgres", "template1"):
        address = target.set(database=maintenance).render_as_string(hide_password=False)
        try:
            with psycopg.connect(address, autocommit=True, connect_timeout=10) as conn:
                if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                    return False
                try:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                except errors.DuplicateDatabase:  # another test process made it just now
                    return False
                except errors.InsufficientPrivilege:
                    pytest.fail(f"database {name!r} does not exist and {target.username!r} may not create it")
                return True
        except psycopg.OperationalError:
            if maintenance == "template1":
                raise
    return False


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    assert PG_URL
    ensure_database(PG_URL)  # the README's command names a database that need not exist yet
    engine = create_engine(sync_url(PG_URL))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(PG_URL)
    return PG_URL


def truncate_pg(url: str) -> None:
    engine = create_engine(sync_url(url))
    # and the job queue's tables (migration 0011), so no job of an earlier test runs in this one
    queue = ("procrastinate_jobs", "procrastinate_periodic_defers", "procrastinate_events")
    names = ", ".join([*(f'"{t.name}"' for t in metadata.sorted_tables), *queue])
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} CASCADE"))
    engine.dispose()


@pytest.fixture
def pg_url(pg_migrated: str) -> str:
    truncate_pg(pg_migrated)
    return pg_migrated


@pytest.fixture
def redis_url() -> str:
    from redis import Redis

    if not REDIS_URL:  # a test that asks for Redis without `needs_redis` still skips, and says why
        pytest.skip(needs_redis.kwargs["reason"])
    with Redis.from_url(REDIS_URL) as client:
        client.flushdb()
    return REDIS_URL


# files: a real S3-protocol server (moto) over HTTP, for the S3 blob store's tests


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early with {process.returncode}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """``host:port`` of the S3-protocol server: ``LMS_TEST_S3_ENDPOINT``, or moto started for this session."""
    if S3_ENDPOINT:
        yield S3_ENDPOINT
        return
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/moto-api/", process)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

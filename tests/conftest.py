"""Shared fixtures: real databases (a migrated SQLite file, PostgreSQL when configured) and Redis."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from lms_adapters.sql.migrate import upgrade
from lms_adapters.sql.tables import metadata
from lms_adapters.sql.urls import sync_url

PG_URL = os.environ.get("LMS_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL")

needs_pg = pytest.mark.skipif(
    not PG_URL, reason="LMS_TEST_DATABASE_URL is not set (no PostgreSQL to test on)"
)
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="LMS_TEST_REDIS_URL is not set (no Redis to test on)")


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


@pytest.fixture(scope="session")
def pg_migrated() -> Iterator[str]:
    assert PG_URL
    engine = create_engine(sync_url(PG_URL))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(PG_URL)
    return PG_URL


def truncate_pg(url: str) -> None:
    engine = create_engine(sync_url(url))
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
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

    assert REDIS_URL
    with Redis.from_url(REDIS_URL) as client:
        client.flushdb()
    return REDIS_URL

"""Engines for both databases, with SQLite made to behave transactionally."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from lms_adapters.sql.urls import async_url

__all__ = ["UNREACHABLE", "make_engine", "make_read_engine", "prepare_sqlite"]

# What a database that cannot be reached or opened raises (anything else is a bug).
UNREACHABLE: tuple[type[BaseException], ...] = (exc.OperationalError, exc.InterfaceError)

# A pooled connection idle longer than this is pinged before use (see ``_ping_when_idle``).
IDLE_PING_SECONDS = 2.0


def prepare_sqlite(engine: Engine) -> None:
    """Own the transactions (pysqlite's implicit ones break rollback and savepoints).

    ``BEGIN IMMEDIATE`` takes the write lock at the start, so two concurrent
    transactions queue on ``busy_timeout`` instead of failing half-way.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, pool_size: int = 40, echo: bool = False) -> AsyncEngine:
    """``pool_size`` connections stay open, 10 more may open under a burst (and close after it).

    Keep the pool at least as large as the requests a worker serves at once: a request holds one
    connection at a time, and a connection opened and closed per request costs PostgreSQL a new
    backend process each time (with 20 kept open, 32 concurrent clients spent a tenth of the
    machine on that). ``LMS_DB_POOL_SIZE`` sets it; workers x (pool + 10) must stay below the
    server's ``max_connections``.
    """
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        engine = create_async_engine(
            target, echo=echo, pool_size=pool_size, max_overflow=10, connect_args={"timeout": 15}
        )
        prepare_sqlite(engine.sync_engine)
        return engine
    engine = create_async_engine(
        target,
        echo=echo,
        pool_size=pool_size,
        max_overflow=10,
        pool_timeout=5,
        connect_args={"connect_timeout": 2},
    )
    _ping_when_idle(engine.sync_engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """``pool_pre_ping`` for connections that sat idle, not for every checkout.

    A ping is one more round trip per request (a fifth of a short read's statements); a connection
    returned to the pool a moment ago is alive, and a failure on it still invalidates the pool
    (SQLAlchemy's disconnect handling), so only connections idle for a while are checked.
    """

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection: Any, record: Any) -> None:
        record.info["lms_fresh"] = True  # just opened: no ping on its first checkout

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["lms_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.pop("lms_fresh", False):
            return
        since = record.info.get("lms_idle_since")
        if since is not None and time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as e:  # any failure means this connection is gone
            raise exc.DisconnectionError("connection failed the idle ping") from e
        if not alive:
            raise exc.DisconnectionError("connection failed the idle ping")


def make_read_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine (same pool) for use cases that only read.

    On PostgreSQL its connections run in autocommit: no ``BEGIN`` and no ``ROLLBACK`` round
    trip. Under READ COMMITTED (the default) every statement already reads its own snapshot, so a
    transaction around a few SELECTs adds no consistency, only two round trips. SQLite keeps its
    transactions (its reads are local calls, and the write lock rules stay as they are).
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine

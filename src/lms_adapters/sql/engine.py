"""Engines for both databases, with SQLite made to behave transactionally."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from lms_adapters.sql.urls import async_url

__all__ = ["make_engine", "prepare_sqlite"]


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


def make_engine(url: str, *, pool_size: int = 20, echo: bool = False) -> AsyncEngine:
    """At most 30 connections per process. 20 stay open: with fewer, 32 concurrent requests kept
    opening and closing overflow connections (7-8 % of the server's time, docs/benchmarks.md)."""
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        engine = create_async_engine(
            target, echo=echo, pool_size=pool_size, max_overflow=10, connect_args={"timeout": 15}
        )
        prepare_sqlite(engine.sync_engine)
        return engine
    return create_async_engine(
        target,
        echo=echo,
        pool_size=pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        pool_timeout=5,
        connect_args={"connect_timeout": 2},
    )

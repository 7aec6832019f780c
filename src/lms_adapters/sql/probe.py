"""Readiness of the database: one trivial statement on a pooled connection."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["DATABASE_DOWN", "SqlProbe", "pool_counter"]

DATABASE_DOWN: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeoutError)
"""What the driver and the pool raise when the database does not answer (the HTTP layer's 503)."""

_SELECT_ONE = text("SELECT 1")


class SqlProbe:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def ping(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(_SELECT_ONE)


def pool_counter(engine: AsyncEngine) -> Callable[[], dict[str, int]]:
    """The engine's pool connections by state (checked out, checked in, overflow), when asked."""

    def counts() -> dict[str, int]:
        pool = engine.sync_engine.pool
        found: dict[str, int] = {}
        for state in ("checkedout", "checkedin", "overflow"):
            reader = getattr(pool, state, None)
            if callable(reader):
                found[state] = int(reader())
        return found

    return counts

"""Statements sent on the driver's own connection (psycopg), in the unit of work's transaction.

SQLAlchemy's way from ``execute`` to the driver (compiling a cached statement, binding, result
processing) costs more server CPU than a short statement takes PostgreSQL to run; the hottest
writes send their one statement in psycopg's parameter style here instead (``docs/decisions.md``,
"SQL for the driver"). A driver error comes out as SQLAlchemy's (``DBAPIError`` and its kinds,
such as ``IntegrityError``), as from any other statement, so the unit of work answers a lost
connection or a deadlock as it always does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["rows_on_driver"]


async def rows_on_driver(connection: AsyncConnection, sql: str, params: Mapping[str, Any]) -> list[Any]:
    """``sql`` (``%(name)s`` placeholders) on the psycopg connection under ``connection``; its rows
    (tuples), none for a statement that returns none."""
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    try:
        cursor = await driver.execute(sql, params)
        return [] if cursor.description is None else list(await cursor.fetchall())
    except psycopg.Error as e:
        raise DBAPIError.instance(sql, dict(params), e, psycopg.Error) from e

"""One statement that inserts a row unless it duplicates one, and only while its parents exist.

``INSERT ... SELECT <values> WHERE EXISTS(<parent>) ... ON CONFLICT (<unique>) DO NOTHING
RETURNING id`` answers the row's id when it went in, and nothing when a duplicate was there or a
parent is gone: no error, so the transaction goes on without a SAVEPOINT (two round trips fewer
than "savepoint, insert, release"). Only that rare no-row case asks which of the two it was.

A parent deleted by a transaction that commits between the EXISTS check and the insert's own
foreign-key check still fails with an ``IntegrityError`` (which aborts the transaction); callers
treat it as the parent being gone, as they would have a moment later.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["insert_unless_duplicate"]


async def insert_unless_duplicate(
    connection: AsyncConnection,
    table: Table,
    row: Mapping[str, Any],
    *,
    unique: Sequence[str],
    parents: Sequence[tuple[Table, Any]],
) -> bool:
    """Insert ``row``; True when it went in, False when ``unique`` matched or a parent is missing.

    ``parents`` are (table, id) pairs that must exist (``table.c.id == id``).
    """
    statement = _statement(
        connection.dialect.name, table, tuple(row), tuple(unique), tuple(parent for parent, _ in parents)
    )
    values = {**row, **{f"parent_{n}": parent_id for n, (_, parent_id) in enumerate(parents)}}
    return (await connection.execute(statement, values)).first() is not None


@functools.cache
def _statement(
    dialect: str, table: Table, columns: tuple[str, ...], unique: tuple[str, ...], parents: tuple[Table, ...]
) -> Any:
    """Built once per shape, with bind parameters: the values change, the statement does not."""
    values = select(*(bindparam(c, type_=table.c[c].type) for c in columns)).where(
        *(exists().where(parent.c.id == bindparam(f"parent_{n}")) for n, parent in enumerate(parents))
    )
    dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        dialect_insert(table)
        .from_select(list(columns), values)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(table.c.id)
    )

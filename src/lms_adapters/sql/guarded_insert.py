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

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, exists, literal, select
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
    columns = list(row)
    values = select(*(literal(row[c], type_=table.c[c].type) for c in columns)).where(
        *(exists().where(parent.c.id == parent_id) for parent, parent_id in parents)
    )
    dialect_insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(table)
        .from_select(columns, values)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(table.c.id)
    )
    return (await connection.execute(statement)).first() is not None

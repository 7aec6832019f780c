"""A page of rows and the total count in one round trip."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, bindparam
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_domain.shared.pagination import PageRequest

__all__ = ["TOTAL", "page_of", "page_with_total", "paged"]

TOTAL = "page_total_"


def paged(statement: Select[Any], count: Select[Any]) -> Select[Any]:
    """``statement`` with ``count`` riding along as an uncorrelated scalar subquery, and the page's
    limit and offset as bind parameters (``page_limit``, ``page_offset``), so that it can be built
    once (see ``prebuilt``)."""
    return (
        statement.add_columns(count.scalar_subquery().label(TOTAL))
        .limit(bindparam("page_limit"))
        .offset(bindparam("page_offset"))
    )


async def page_with_total(
    connection: AsyncConnection, statement: Select[Any], count: Select[Any], page: PageRequest
) -> tuple[Sequence[Row[Any]], int]:
    """``statement``'s page with ``count`` riding along as an uncorrelated scalar subquery.

    Both databases evaluate such a subquery once per statement (PostgreSQL as an InitPlan, using
    the same index-only scan as a separate count), so a list costs one round trip instead of two.
    Only a page past the end (no row to carry the count) needs the count on its own; an empty
    first page means a total of zero.
    """
    return await page_of(connection, paged(statement, count), count, {}, page)


async def page_of(
    connection: AsyncConnection,
    paged_statement: Select[Any],
    count: Select[Any],
    values: Mapping[str, Any],
    page: PageRequest,
) -> tuple[Sequence[Row[Any]], int]:
    """``page_with_total`` for a statement already made by ``paged`` (and built once), with
    ``values`` for its own bind parameters."""
    bound = {**values, "page_limit": page.page_size, "page_offset": page.offset}
    rows = (await connection.execute(paged_statement, bound)).all()
    if rows:
        return rows, int(rows[0]._mapping[TOTAL])
    if page.offset == 0:
        return rows, 0
    return rows, int((await connection.execute(count, dict(values))).scalar_one())

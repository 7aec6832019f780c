"""A page of rows and the total count in one round trip."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_domain.shared.pagination import PageRequest

__all__ = ["TOTAL", "page_with_total"]

TOTAL = "page_total_"


async def page_with_total(
    connection: AsyncConnection, statement: Select[Any], count: Select[Any], page: PageRequest
) -> tuple[Sequence[Row[Any]], int]:
    """``statement``'s page with ``count`` riding along as an uncorrelated scalar subquery.

    Both databases evaluate such a subquery once per statement (PostgreSQL as an InitPlan, using
    the same index-only scan as a separate count), so a list costs one round trip instead of two.
    Only a page past the end (no row to carry the count) needs the count on its own; an empty
    first page means a total of zero.
    """
    rows = (
        await connection.execute(
            statement.add_columns(count.scalar_subquery().label(TOTAL))
            .limit(page.page_size)
            .offset(page.offset)
        )
    ).all()
    if rows:
        return rows, int(rows[0]._mapping[TOTAL])
    if page.offset == 0:
        return rows, 0
    return rows, int((await connection.execute(count)).scalar_one())

"""Statements built once, with a bind parameter in place of each argument.

Building a SQLAlchemy statement and computing its cache key is pure Python work that grows with
the statement: for a report of a few subqueries it cost more than PostgreSQL took to run it. A
statement built once keeps its memoized cache key, so every later execution only binds values:

    _BY_ID = built_once(lambda user_id: select(users).where(users.c.id == user_id))
    await connection.execute(_BY_ID(), {"user_id": some_id})

Each bind parameter takes the type of the column it is compared with, as a literal value would.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam

__all__ = ["built_once"]


def built_once(build: Callable[..., Any]) -> Callable[[], Any]:
    """``build``'s statement, built on first use with ``bindparam(name)`` for each argument."""
    names = tuple(inspect.signature(build).parameters)

    @functools.cache
    def built() -> Any:
        return build(**{name: bindparam(name) for name in names})

    return built

"""``OPTIONS`` answers with every method of the route in ``Allow``.

Litestar builds the automatic ``OPTIONS`` handler while a path's handlers are still being
registered, so its ``Allow`` header can miss methods added later (``DELETE, OPTIONS`` for a
path that also has ``GET`` and ``PATCH``). ``RouteMethods`` rewrites that header from the finished
route table (the edge middleware, ``lms_http.middleware.make_edge_middleware``, asks it for every
``204`` answer to ``OPTIONS``); the ``405`` answers are already right.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from litestar.routes import HTTPRoute
from litestar.types import Scope

__all__ = ["RouteMethods"]

_TYPED = re.compile(r"\{([^}:]+):[^}]*\}")


def _template(path: str) -> str:
    return _TYPED.sub(r"{\1}", path)


class RouteMethods:
    """The methods of each route, read from the app's route table on first use."""

    def __init__(self) -> None:
        self._methods: dict[str, str] = {}

    def allow(self, scope: Scope) -> str | None:
        if not self._methods:
            litestar_app: Any = scope["app"]
            for route in litestar_app.routes:
                if isinstance(route, HTTPRoute):
                    self._methods[_template(route.path)] = ", ".join(sorted(route.methods))
        return self._methods.get(_template(scope.get("path_template", "")))

    def fix(self, scope: Scope, headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        """A ``204`` ``OPTIONS`` answer's headers with ``Allow`` from the finished route table."""
        allow = self.allow(scope)
        if not allow:
            return list(headers)
        return [*((k, v) for k, v in headers if k.lower() != b"allow"), (b"allow", allow.encode())]

"""``OPTIONS`` answers with every method of the route in ``Allow``.

Litestar builds the automatic ``OPTIONS`` handler while a path's handlers are still being
registered, so its ``Allow`` header can miss methods added later (``DELETE, OPTIONS`` for a
path that also has ``GET`` and ``PATCH``). This middleware rewrites that header from the
finished route table; the ``405`` answers are already right.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from litestar.enums import ScopeType
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["make_options_middleware"]

_TYPED = re.compile(r"\{([^}:]+):[^}]*\}")


def _template(path: str) -> str:
    return _TYPED.sub(r"{\1}", path)


def make_options_middleware() -> Callable[[ASGIApp], ASGIApp]:
    def middleware(app: ASGIApp) -> ASGIApp:
        methods: dict[str, str] = {}

        def allow_for(scope: Scope) -> str | None:
            if not methods:
                litestar_app: Any = scope["app"]
                for route in litestar_app.routes:
                    if isinstance(route, HTTPRoute):
                        methods[_template(route.path)] = ", ".join(sorted(route.methods))
            return methods.get(_template(scope.get("path_template", "")))

        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP or scope["method"] != "OPTIONS":
                await app(scope, receive, send)
                return

            async def send_fixed(message: Message) -> None:
                if message["type"] == "http.response.start" and message["status"] == 204:
                    allow = allow_for(scope)
                    if allow:
                        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                        message = {**message, "headers": [*headers, (b"allow", allow.encode())]}
                await send(message)

            await app(scope, receive, send_fixed)

        return handle

    return middleware

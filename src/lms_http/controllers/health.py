"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_adapters.redis.client import ping_outside_pool

__all__ = ["HealthController", "HealthOut", "ReadyOut"]


class HealthOut(msgspec.Struct):
    status: Literal["ok"]


class ReadyOut(msgspec.Struct):
    status: Literal["ok", "degraded"]
    database: Literal["up", "down"]
    redis: Literal["up", "down", "disabled"]


async def _probe(check: Any) -> bool:
    try:
        await asyncio.wait_for(check(), timeout=1.5)
    except Exception:
        return False
    return True


class HealthController(Controller):
    tags = ["health"]

    @get("/health", exclude_from_auth=True)
    async def health(self) -> HealthOut:
        """Liveness: 200 while the process runs."""
        return HealthOut(status="ok")

    @get("/ready", responses={503: ResponseSpec(data_container=ReadyOut, description="A dependency is down")})
    async def ready(
        self, engine: NamedDependency[AsyncEngine], redis_client: NamedDependency[Any]
    ) -> Response[ReadyOut]:
        """Readiness: the database and (when configured) Redis answer."""

        async def database() -> None:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        db_ok = await _probe(database)
        redis_state: Literal["up", "down", "disabled"] = "disabled"
        if redis_client is not None:
            # on a connection of its own: a pool busy with requests is no outage
            redis_state = "up" if await _probe(lambda: ping_outside_pool(redis_client)) else "down"
        ok = db_ok and redis_state != "down"
        body = ReadyOut(
            status="ok" if ok else "degraded", database="up" if db_ok else "down", redis=redis_state
        )
        return Response(body, status_code=200 if ok else 503)

"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Literal

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from lms_platform.readiness import Probe, Readiness

__all__ = ["HealthController", "HealthOut", "ReadyOut"]


class HealthOut(msgspec.Struct):
    status: Literal["ok"]


class ReadyOut(msgspec.Struct):
    status: Literal["ok", "degraded"]
    database: Literal["up", "down"]
    redis: Literal["up", "down", "disabled"]


async def _probe(probe: Probe) -> bool:
    try:
        await asyncio.wait_for(probe.ping(), timeout=1.5)
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
    async def ready(self, readiness: NamedDependency[Readiness]) -> Response[ReadyOut]:
        """Readiness: the database and (when configured) Redis answer."""
        db_ok = await _probe(readiness.database)
        redis_state: Literal["up", "down", "disabled"] = "disabled"
        if readiness.redis is not None:
            redis_state = "up" if await _probe(readiness.redis) else "down"
        ok = db_ok and redis_state != "down"
        body = ReadyOut(
            status="ok" if ok else "degraded", database="up" if db_ok else "down", redis=redis_state
        )
        return Response(body, status_code=200 if ok else 503)

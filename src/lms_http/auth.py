"""Who is calling: bearer tokens turned into an ``Actor`` through the Authenticate use case."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from lms_domain.identity.use_cases import Authenticate
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import Forbidden, Unauthorized

__all__ = ["bearer_token", "provide_actor", "provide_admin", "provide_optional_actor", "provide_staff"]


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Could not validate credentials")
    return token.strip()


async def provide_actor(
    request: Request[Any, Any, Any], authenticate: NamedDependency[Authenticate]
) -> Actor:
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("Not authenticated")
    actor = await authenticate(token=token)
    request.scope["state"]["user_id"] = str(actor.user_id)
    return actor


async def provide_optional_actor(
    request: Request[Any, Any, Any], authenticate: NamedDependency[Authenticate]
) -> Actor | None:
    if request.headers.get("authorization") is None:
        return None
    return await provide_actor(request, authenticate)


async def provide_staff(actor: NamedDependency[Actor]) -> Actor:
    if not actor.is_staff:
        raise Forbidden("Requires the instructor or admin role")
    return actor


async def provide_admin(actor: NamedDependency[Actor]) -> Actor:
    if not actor.is_admin:
        raise Forbidden("Requires the admin role")
    return actor

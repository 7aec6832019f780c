"""Who is calling: bearer tokens turned into an ``Actor`` through ``AuthenticateCaller``."""

from __future__ import annotations

import dataclasses
from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from lms_domain.identity.entities import CallerState
from lms_domain.identity.ports import SessionRead
from lms_domain.identity.use_cases import AuthenticateCaller
from lms_domain.shared.actors import Actor
from lms_domain.shared.audit import RequestContext
from lms_domain.shared.errors import Unauthorized
from lms_http.middleware import SESSION_READ

__all__ = ["bearer_token", "caller_state", "provide_actor", "provide_optional_actor", "request_context"]


_CALLER = "lms_caller"


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Could not validate credentials")
    return token.strip()


async def provide_actor(
    request: Request[Any, Any, Any], authenticate_caller: NamedDependency[AuthenticateCaller]
) -> Actor:
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("Not authenticated")
    read = request.scope["state"].pop(SESSION_READ, None)  # read once: a session may end meanwhile
    ahead = read if isinstance(read, SessionRead) else None
    caller = await authenticate_caller(token=token, read_ahead=ahead)
    request.scope["state"]["user_id"] = str(caller.actor.user_id)
    request.scope["state"][_CALLER] = caller.state
    return dataclasses.replace(caller.actor, context=request_context(request))


def request_context(request: Request[Any, Any, Any]) -> RequestContext:
    """The request id and client address the security middleware put in the request's state."""
    state = request.scope.get("state", {})
    return RequestContext(request_id=state.get("request_id"), ip=state.get("client_ip"))


async def provide_optional_actor(
    request: Request[Any, Any, Any], authenticate_caller: NamedDependency[AuthenticateCaller]
) -> Actor | None:
    if request.headers.get("authorization") is None:
        return None
    return await provide_actor(request, authenticate_caller)


def caller_state(request: Request[Any, Any, Any]) -> CallerState | None:
    """The state this request's caller was authenticated with (their profile included), if any."""
    state = request.scope["state"].get(_CALLER)
    return state if isinstance(state, CallerState) else None

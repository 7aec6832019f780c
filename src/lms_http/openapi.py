"""Make the generated schema say what the API does: validation is 422, in its list form."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import OpenAPI, OpenAPIMediaType, OpenAPIResponse, Reference
from litestar.routes import HTTPRoute

__all__ = ["document_security", "fix_openapi"]

_METHODS = ("get", "post", "put", "patch", "delete")


def _validation_response() -> OpenAPIResponse:
    return OpenAPIResponse(
        description="Validation error",
        content={
            "application/json": OpenAPIMediaType(
                schema=Reference(ref="#/components/schemas/ValidationErrorOut")
            )
        },
    )


def _too_large_response() -> OpenAPIResponse:
    return OpenAPIResponse(
        description="Payload too large",
        content={"application/json": OpenAPIMediaType(schema=Reference(ref="#/components/schemas/ErrorOut"))},
    )


def fix_openapi(schema: OpenAPI) -> None:
    """Replace Litestar's generic 400 validation response by our 422, and document 413 wherever a
    body is taken (once, in place)."""
    for item in (schema.paths or {}).values():
        for method in _METHODS:
            operation = getattr(item, method, None)
            if operation is None or not operation.responses:
                continue
            generic = operation.responses.get("400")
            if isinstance(generic, OpenAPIResponse) and "Bad request syntax" in (generic.description or ""):
                del operation.responses["400"]
            if operation.request_body is not None and "413" not in operation.responses:
                operation.responses["413"] = _too_large_response()  # any body over the size limit
            takes_input = operation.request_body is not None or bool(operation.parameters)
            if takes_input and "422" not in operation.responses:
                operation.responses["422"] = _validation_response()


# -- security per operation ------------------------------------------------------------------------
# The schema's global `security` says "bearer token required". Operations that need no token say
# `security: []`, and those where a token is optional (it widens what the caller sees) list the
# empty requirement first. Worked out from each handler's parameters, so new handlers need nothing.

_REQUIRED = frozenset({"actor", "staff", "admin"})
_OPTIONAL = frozenset({"optional_actor"})
_PATH_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def _auth_kind(handler: HTTPRouteHandler) -> str:
    names = set(handler.parsed_fn_signature.parameters)
    if names & _REQUIRED:
        return "required"
    return "optional" if names & _OPTIONAL else "none"


def document_security(app: Litestar, schema: OpenAPI) -> None:
    """Set each operation's ``security`` from what its handler asks for (once, in place)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        item = (schema.paths or {}).get(_PATH_PARAM.sub(r"{\1}", route.path))
        if item is None:
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                operation = getattr(item, method.lower(), None)
                if operation is None:
                    continue
                kind = _auth_kind(handler)
                if kind == "none" and handler.security is None:
                    operation.security = []
                elif kind == "optional":
                    operation.security = [{}, {"BearerToken": []}]

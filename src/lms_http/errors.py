"""The contract's error bodies, for domain errors, framework errors and the unexpected."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from lms_domain.shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidField,
    InvalidRequest,
    Locked,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
)

__all__ = [
    "BODY_TOO_LARGE",
    "ErrorOut",
    "ValidationErrorItem",
    "ValidationErrorOut",
    "errors",
    "exception_handlers",
    "outage_handlers",
    "validation_response",
]

log = logging.getLogger("lms.http")

BODY_TOO_LARGE = "Request body is too large"


class ErrorOut(msgspec.Struct):
    detail: str


class ValidationErrorItem(msgspec.Struct):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(msgspec.Struct):
    detail: list[ValidationErrorItem]


_STATUS: dict[type[DomainError], int] = {
    InvalidRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedMediaType: 415,
    Locked: 423,
    RateLimited: 429,
    Unavailable: 503,
}

_DESCRIPTIONS = {
    400: "The request breaks a rule",
    401: "Missing, invalid, expired or revoked credentials",
    403: "Not allowed for this user",
    404: "Not found, or not visible to this user",
    405: "Method not allowed",
    409: "Conflicts with the current state",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation error",
    423: "Account locked",
    429: "Rate limit exceeded",
    503: "A backing service is not available",
}


# Answers the API really gives, the same on every operation. Other statuses (and 422's field list)
# say something of their own on each, so they show no example rather than a misleading one; and
# never Litestar's generated random strings.
_EXAMPLES: dict[int, Any] = {
    401: {"detail": "Could not validate credentials"},
    404: {"detail": "Not Found"},
    413: {"detail": BODY_TOO_LARGE},
    429: {"detail": "Rate limit exceeded. Please try again later."},
    503: {"detail": "The database is not available"},
}


def errors(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI response entries for a handler's error statuses (422 in its list form)."""
    return {
        code: ResponseSpec(
            data_container=ValidationErrorOut if code == 422 else ErrorOut,
            description=_DESCRIPTIONS.get(code, "Error"),
            generate_examples=False,
            examples=[Example(summary=_DESCRIPTIONS.get(code, "Error"), value=_EXAMPLES[code])]
            if code in _EXAMPLES
            else None,
        )
        for code in codes
    }


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(content=body, status_code=status, media_type=MediaType.JSON, headers=headers)


def validation_response(items: list[dict[str, Any]]) -> Response[Any]:
    return _json(422, {"detail": items})


def _domain(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if isinstance(exc, InvalidField):
        location: list[str | int] = ["body", *exc.field.split(".")] if exc.field else ["body"]
        return validation_response([{"loc": location, "msg": exc.message, "type": exc.kind}])
    status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return _json(status, {"detail": exc.message}, headers)


_MISSING = re.compile(r"Object missing required field `([^`]+)`")


def _loc(key: str | None, source: str | None) -> list[str | int]:
    parts: list[str | int] = [source or "body"]
    if key:
        for piece in re.split(r"[.\[\]]+", key):
            if piece:
                parts.append(int(piece) if piece.isdigit() else piece)
    return parts


def _validation(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    items: list[dict[str, Any]] = []
    for err in exc.extra if isinstance(exc.extra, list) else []:
        message = str(err.get("message", "Invalid value"))
        key = err.get("key")
        if key == "data" and message == "'data'":  # no body at all where one is required
            items.append({"loc": ["body"], "msg": "Request body is required", "type": "missing"})
            continue
        if m := _MISSING.search(message):
            key = f"{key}.{m.group(1)}" if key and key != "data" else m.group(1)
            items.append({"loc": _loc(key, err.get("source")), "msg": "Field required", "type": "missing"})
            continue
        items.append({"loc": _loc(key, err.get("source")), "msg": message, "type": "value_error"})
    if not items:
        items.append({"loc": ["body"], "msg": _clean(exc.detail), "type": "value_error"})
    return validation_response(items)


def _clean(detail: str) -> str:
    return detail if len(detail) < 300 else detail[:300]


def _serialization(_: Request[Any, Any, Any], exc: SerializationException) -> Response[Any]:
    return validation_response(
        [{"loc": ["body"], "msg": "Request body is not valid JSON", "type": "value_error.jsondecode"}]
    )


def _http(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        log.error("server error: %s", exc.detail)
    detail = exc.detail
    if exc.status_code == 400 and "Validation failed" in detail:
        return _validation(_, ValidationException(detail=detail, extra=exc.extra))
    if exc.status_code == 413:
        detail = BODY_TOO_LARGE
    return _json(exc.status_code, {"detail": detail}, exc.headers)


def _database_down(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("database unavailable: %s", type(exc).__name__)
    return _json(503, {"detail": "The database is not available"}, {"Retry-After": "5"})


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    request_id = request.scope.get("state", {}).get("request_id", "-")
    log.exception("unhandled error (request id %s)", request_id, exc_info=exc)
    return _json(HTTP_500_INTERNAL_SERVER_ERROR, {"detail": "Internal Server Error"})


def outage_handlers(database_down: Iterable[type[Exception]]) -> dict[Any, Any]:
    """503 for what the database adapter raises when the database does not answer."""
    return dict.fromkeys(database_down, _database_down)


exception_handlers: dict[Any, Any] = {
    DomainError: _domain,
    ValidationException: _validation,
    SerializationException: _serialization,
    HTTPException: _http,
    Exception: _unexpected,
}

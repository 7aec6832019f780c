"""JSON bodies are checked against the handler's DTO without type coercion.

Litestar converts request bodies leniently (``"10"`` becomes ``10``, ``0`` becomes ``false``),
which accepts bodies the schema calls invalid. Before the handler runs, the raw body is decoded
once more, strictly, into the handler's ``data`` type; a mismatch is the usual 422 list.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException

__all__ = ["check_body_types"]

_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)


def check_body_types(request: Request[Any, Any, Any], body: bytes) -> None:
    """Raise ``ValidationException`` when ``body`` is not exactly of the handler's body type."""
    parameter = request.route_handler.parsed_fn_signature.parameters.get("data")
    if parameter is None:
        return
    try:
        msgspec.json.decode(body, type=parameter.annotation, strict=True)
    except msgspec.ValidationError as e:
        m = _AT.match(str(e))
        message, path = (m.group("message"), m.group("path") or "") if m else (str(e), "")
        key = path.lstrip(".") or None
        raise ValidationException(
            detail="Validation failed", extra=[{"message": message, "key": key, "source": "body"}]
        ) from None
    except (TypeError, msgspec.DecodeError):
        return  # a type msgspec cannot decode by itself, or a body Litestar will refuse anyway

"""Make the generated schema say what the API does: validation is 422, in its list form, every
operation says whether it needs a token, and every bound a body enforces is in its schema."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import msgspec.inspect as mi
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import OpenAPI, OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Reference, Schema
from litestar.routes import HTTPRoute

__all__ = ["document_bounds", "document_security", "fix_openapi"]

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
                if kind == "none" and not handler.security:  # None, or an explicit `security=[]`
                    operation.security = []
                elif kind == "optional":
                    operation.security = [{}, {"BearerToken": []}]


# -- bounds ----------------------------------------------------------------------------------------
# msgspec enforces every `Meta` bound of a body, but Litestar's schema drops a bound equal to 0
# (`ge=0`: durations, the passing score), writes an optional field's bounds beside its `oneOf`, and
# loses the bounds of list items inside a union (answers, options). So each DTO's schema is written
# again from msgspec's own view of the type, each bound on the branch it applies to. A `Meta`'s
# `extra_json_schema` documents a bound the domain enforces beyond the DTO (the password policy).

_JSON_BOUNDS = {
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
    "multipleOf": "multiple_of",
    "minLength": "min_length",
    "maxLength": "max_length",
    "pattern": "pattern",
    "minItems": "min_items",
    "maxItems": "max_items",
}
_ARRAYS = (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)


def _dto_structs() -> dict[str, type[msgspec.Struct]]:
    """The HTTP layer's structs by name (a name used twice is left alone)."""
    found: dict[str, set[type[msgspec.Struct]]] = {}
    stack = list(msgspec.Struct.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("lms_http."):
            found.setdefault(cls.__name__, set()).add(cls)
    return {name: next(iter(classes)) for name, classes in found.items() if len(classes) == 1}


def _json_type(t: mi.Type) -> OpenAPIType | None:
    if isinstance(t, mi.IntType):
        return OpenAPIType.INTEGER
    if isinstance(t, mi.FloatType):
        return OpenAPIType.NUMBER
    if isinstance(t, mi.StrType):
        return OpenAPIType.STRING
    return OpenAPIType.ARRAY if isinstance(t, _ARRAYS) else None


def _branch(schema: Schema, json_type: OpenAPIType) -> Schema | None:
    if schema.one_of:
        return next((b for b in schema.one_of if isinstance(b, Schema) and b.type == json_type), None)
    return schema if schema.type == json_type else None


def _set_bounds(t: mi.Type, schema: Schema) -> None:
    extra: dict[str, Any] = {}
    if isinstance(t, mi.Metadata):
        extra, t = dict(t.extra_json_schema or {}), t.type
    json_type = _json_type(t)
    target = _branch(schema, json_type) if json_type else None
    if target is None:
        return
    bounds: dict[str, Any] = {}
    if isinstance(t, mi.IntType | mi.FloatType):
        bounds = {
            "minimum": t.ge,
            "maximum": t.le,
            "exclusive_minimum": t.gt,
            "exclusive_maximum": t.lt,
            "multiple_of": t.multiple_of,
        }
    elif isinstance(t, mi.StrType):
        bounds = {"min_length": t.min_length, "max_length": t.max_length, "pattern": t.pattern}
    elif isinstance(t, _ARRAYS):
        bounds = {"min_items": t.min_length, "max_items": t.max_length}
        if isinstance(target.items, Schema):
            _bound(t.item_type, target.items)
    bounds.update({_JSON_BOUNDS[k]: v for k, v in extra.items() if k in _JSON_BOUNDS})
    for attr, value in bounds.items():
        if value is not None:
            setattr(target, attr, value)


def _bound(t: mi.Type, schema: Schema) -> None:
    if isinstance(t, mi.Metadata) and isinstance(t.type, mi.UnionType):
        t = t.type
    for member in t.types if isinstance(t, mi.UnionType) else (t,):
        _set_bounds(member, schema)
    if schema.one_of:  # each bound now sits on the branch it bounds
        for attr in _JSON_BOUNDS.values():
            setattr(schema, attr, None)


def document_bounds(schema: OpenAPI) -> None:
    """Put every bound of every DTO field in the schema (once, in place)."""
    components = (schema.components.schemas if schema.components else None) or {}
    structs = _dto_structs()
    for name, component in components.items():
        cls = structs.get(name)
        if cls is None or not isinstance(component, Schema) or not component.properties:
            continue
        info = mi.type_info(cls)
        if not isinstance(info, mi.StructType):
            continue
        for field in info.fields:
            prop = component.properties.get(field.encode_name)
            if isinstance(prop, Schema):
                _bound(field.type, prop)

"""Make the generated schema say what the API does: validation is 422, in its list form."""

from __future__ import annotations

from litestar.openapi.spec import OpenAPI, OpenAPIMediaType, OpenAPIResponse, Reference

__all__ = ["fix_openapi"]

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


def fix_openapi(schema: OpenAPI) -> None:
    """Replace Litestar's generic 400 validation response by our 422 (once, in place)."""
    for item in (schema.paths or {}).values():
        for method in _METHODS:
            operation = getattr(item, method, None)
            if operation is None or not operation.responses:
                continue
            generic = operation.responses.get("400")
            if isinstance(generic, OpenAPIResponse) and "Bad request syntax" in (generic.description or ""):
                del operation.responses["400"]
            takes_input = operation.request_body is not None or bool(operation.parameters)
            if takes_input and "422" not in operation.responses:
                operation.responses["422"] = _validation_response()

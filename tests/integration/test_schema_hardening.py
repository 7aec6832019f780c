"""What the fuzzer relies on: the schema says which operations need a token, and OPTIONS tells the truth."""

from __future__ import annotations

import importlib
import pkgutil
import re
import uuid
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.conftest import Api


async def test_security_is_documented_per_operation(client: AsyncTestClient[Litestar]) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert schema["security"] == [{"BearerToken": []}]
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/health", "get"),
        ("/api/v1/ready", "get"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/mfa/login", "post"),
        ("/api/v1/files/blobs/{stored_name}", "get"),  # the signature is the permission
        ("/api/v1/certificates/verify/{certificate_number}", "get"),
    ]:
        assert paths[path][method]["security"] == [], (path, method)
    for path in ("/api/v1/courses", "/api/v1/courses/{course_id}", "/api/v1/lessons/{lesson_id}"):
        assert paths[path]["get"]["security"] == [{}, {"BearerToken": []}], path
    for path, method in [
        ("/api/v1/users/me", "get"),
        ("/api/v1/courses", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/enrollments", "post"),
    ]:
        assert "security" not in paths[path][method], (path, method)  # the global requirement applies


async def test_open_operations_answer_without_a_token(
    client: AsyncTestClient[Litestar],
) -> None:
    schema = (await client.get("/openapi.json")).json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method == "get" and operation.get("security") == [] and "{" not in path:
                r = await client.get(path)
                assert r.status_code != 401, path


async def test_options_lists_every_method_of_the_path(client: AsyncTestClient[Litestar], api: Api) -> None:
    tokens = api.auth(await api.register())
    some = uuid.uuid4()
    for path, methods in [
        (f"/api/v1/courses/{some}", "DELETE, GET, HEAD, OPTIONS, PATCH"),
        (f"/api/v1/lessons/{some}", "DELETE, GET, HEAD, OPTIONS, PATCH"),
        (f"/api/v1/courses/{some}/lessons", "GET, HEAD, OPTIONS, POST"),
        ("/api/v1/users/me", "GET, HEAD, OPTIONS, PATCH"),
        (f"/api/v1/files/{some}", "DELETE, GET, HEAD, OPTIONS"),
        ("/api/v1/auth/login", "OPTIONS, POST"),
    ]:
        r = await client.options(path, headers=tokens)
        assert (r.status_code, r.headers["allow"]) == (204, methods), path
        wrong = await client.put(path, headers=tokens)
        assert wrong.status_code == 405
        assert sorted(m.strip() for m in wrong.headers["allow"].split(",")) == methods.split(", ")


async def test_every_operation_with_a_body_documents_413(client: AsyncTestClient[Litestar]) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert "ErrorOut" in schema["components"]["schemas"]
    with_body = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]
    assert len(with_body) > 10
    for path, method, operation in with_body:
        assert "413" in operation["responses"], (path, method)


async def test_allow_lists_the_documented_methods_and_head_on_every_path(
    client: AsyncTestClient[Litestar],
) -> None:
    """What `allow_header_conformance` checks, on every path: the documented methods, OPTIONS, and
    HEAD wherever GET is documented (HEAD is answered for every GET and not documented apart)."""
    schema = (await client.get("/openapi.json")).json()
    for path, item in schema["paths"].items():
        assert "head" not in item, path
        documented = {m.upper() for m in item if m in ("get", "put", "post", "patch", "delete")}
        expected = ", ".join(sorted(documented | {"OPTIONS"} | ({"HEAD"} if "GET" in documented else set())))
        integers = {
            p["name"]
            for operation in item.values()
            for p in operation.get("parameters", [])
            if p["in"] == "path" and p["schema"].get("type") == "integer"
        }

        def value(m: re.Match[str], ints: set[str] = integers) -> str:
            return "1" if m[1] in ints else str(uuid.uuid4())

        url = re.sub(r"\{([^}]+)\}", value, path)
        r = await client.options(url)
        assert (r.status_code, r.headers["allow"]) == (204, expected), path


# -- bounds ------------------------------------------------------------------------------------------

BOUND_KEYS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
)


def typed(node: dict[str, Any], json_type: str) -> dict[str, Any] | None:
    """The schema a value of ``json_type`` meets: the branch of that type with the bounds written
    beside a ``oneOf``/``anyOf`` (both placements mean the same in JSON Schema)."""
    branches = node.get("oneOf") or node.get("anyOf")
    if branches is None:
        types = node.get("type")
        return node if json_type == types or (isinstance(types, list) and json_type in types) else None
    beside = {k: v for k, v in node.items() if k in BOUND_KEYS}
    for branch in branches:
        found = typed(branch, json_type)
        if found is not None:
            return {**beside, **found}
    return None


# (component, field, JSON type, bounds) that the API enforces on input
NUMBER_BOUNDS = [
    ("CourseCreate", "estimated_duration_minutes", "integer", (0, 100_000)),
    ("CourseUpdate", "estimated_duration_minutes", "integer", (0, 100_000)),
    ("LessonCreate", "duration_minutes", "integer", (0, 100_000)),
    ("LessonUpdate", "duration_minutes", "integer", (0, 100_000)),
    ("QuizCreate", "time_limit_minutes", "integer", (1, 10_000)),
    ("QuizUpdate", "time_limit_minutes", "integer", (1, 10_000)),
    ("QuizCreate", "max_attempts", "integer", (1, 10_000)),
    ("QuizUpdate", "max_attempts", "integer", (1, 10_000)),
    ("QuizCreate", "passing_score_percentage", "number", (0, 100)),
    ("QuizUpdate", "passing_score_percentage", "number", (0, 100)),
    ("QuestionCreate", "points", "integer", (1, 1000)),
    ("QuestionUpdate", "points", "integer", (1, 1000)),
    ("QuestionCreate", "order", "integer", (1, 1_000_000)),
    ("QuestionUpdate", "order", "integer", (1, 1_000_000)),
]


async def test_number_fields_carry_their_bounds(client: AsyncTestClient[Litestar]) -> None:
    schema = (await client.get("/openapi.json")).json()
    components = schema["components"]["schemas"]
    for component, field, json_type, (low, high) in NUMBER_BOUNDS:
        found = typed(components[component]["properties"][field], json_type)
        assert found is not None, (component, field)
        assert (found.get("minimum"), found.get("maximum")) == (low, high), (component, field, found)
    parameters = [
        (path, method, parameter)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if typed(parameter["schema"], "integer") or typed(parameter["schema"], "number")
    ]
    assert {p["name"] for _, _, p in parameters} == {"page", "page_size", "expires", "list_number"}
    for path, method, parameter in parameters:
        found = typed(parameter["schema"], "integer")
        assert found is not None
        expected = {
            "page": (1, 1_000_000),
            "page_size": (1, 100),
            "expires": (0, 2**40),
            "list_number": (1, 2**31 - 1),
        }[parameter["name"]]
        assert (found.get("minimum"), found.get("maximum")) == expected, (path, method, parameter)


def _dto_structs() -> dict[str, type[msgspec.Struct]]:
    import lms_http.dto as package

    structs: dict[str, type[msgspec.Struct]] = {}
    for module_info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"lms_http.dto.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, msgspec.Struct):
                structs[value.__name__] = value
    return structs


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if "$ref" in node else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def _assert_same_bounds(declared: dict[str, Any], documented: dict[str, Any], where: str) -> None:
    """Every bound msgspec enforces (``declared``, its own JSON schema) is in the OpenAPI schema."""
    branches = declared.get("anyOf") or [declared]
    for branch in branches:
        json_type = branch.get("type")
        if not isinstance(json_type, str) or json_type == "null":
            continue
        found = typed(documented, json_type)
        assert found is not None, (where, json_type, documented)
        for key in BOUND_KEYS:
            if key in branch:
                assert found.get(key) == branch[key], (where, key, branch[key], found.get(key))
        if json_type == "array" and isinstance(branch.get("items"), dict) and "$ref" not in branch["items"]:
            _assert_same_bounds(branch["items"], found["items"], f"{where}[]")


async def test_every_bound_a_body_enforces_is_in_the_schema(client: AsyncTestClient[Litestar]) -> None:
    """msgspec refuses out-of-bounds bodies with 422 by their DTO's `Meta`; the schema must say so, also
    for optional fields, for a bound of 0 and for list items (Litestar drops those)."""
    schema = (await client.get("/openapi.json")).json()
    components = schema["components"]["schemas"]
    bodies = {
        name
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for name in _refs(operation.get("requestBody", {}))
    }
    todo, seen = list(bodies), set()
    while todo:  # the bodies and the structs inside them (questions of a quiz, answers of a submission)
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_refs(components[name]))
    structs = _dto_structs()
    checked = [name for name in sorted(seen) if name in structs]
    assert {"CourseCreate", "LessonUpdate", "QuizUpdate", "QuestionCreate", "AnswerIn", "RegisterIn"} <= set(
        checked
    )
    for name in checked:
        declared = msgspec.json.schema(structs[name])["$defs"][name]
        for field, field_schema in declared["properties"].items():
            _assert_same_bounds(field_schema, components[name]["properties"][field], f"{name}.{field}")
    register = components["RegisterIn"]["properties"]["password"]
    assert (register["minLength"], register["maxLength"]) == (8, 128)  # the policy, checked by the domain


async def test_signed_blobs_are_documented_as_the_file_not_json(client: AsyncTestClient[Litestar]) -> None:
    operation = (await client.get("/openapi.json")).json()["paths"]["/api/v1/files/blobs/{stored_name}"][
        "get"
    ]
    ok = operation["responses"]["200"]
    assert ok["content"] == {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    assert {"Content-Disposition", "Content-Length"} <= set(ok["headers"])
    assert operation["security"] == []


def _examples(node: Any, path: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("example", "examples"):
                found.append((path, value))
            else:
                found += _examples(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _examples(value, f"{path}/{i}")
    return found


async def test_examples_are_answers_the_api_gives(client: AsyncTestClient[Litestar]) -> None:
    """No generated random strings: examples are only on responses, and each is a real answer."""
    schema = (await client.get("/openapi.json")).json()
    assert _examples(schema["components"]) == []
    real = {
        "Could not validate credentials",
        "Not Found",
        "Request body is too large",
        "Rate limit exceeded. Please try again later.",
        "The database is not available",
    }
    found = _examples(schema["paths"])
    assert found
    for where, examples in found:
        assert "/responses/" in where, where
        for example in examples.values():
            assert example["value"]["detail"] in real, (where, example)

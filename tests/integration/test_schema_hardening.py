"""What the fuzzer relies on: the schema says which operations need a token, and OPTIONS tells the truth."""

from __future__ import annotations

import re
import uuid

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
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        r = await client.options(url)
        assert (r.status_code, r.headers["allow"]) == (204, expected), path

"""Security headers on every answer, HEAD on every GET route, and CORS from an allow-list."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from lms_http.settings import Settings
from tests.integration.conftest import Api


async def test_cors_answers_only_listed_origins(make_app: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app=make_app(cors_origins=("https://app.example.com",))) as c:
        pre = await c.options(
            "/api/v1/users/me",
            headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
        )
        assert pre.headers.get("access-control-allow-origin") == "https://app.example.com"
        evil = await c.get("/api/v1/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in evil.headers
        ok = await c.get("/api/v1/health", headers={"Origin": "https://app.example.com"})
        assert ok.headers.get("access-control-allow-origin") == "https://app.example.com"


async def test_no_cors_by_default(make_app: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app=make_app()) as c:
        r = await c.get("/api/v1/health", headers={"Origin": "https://app.example.com"})
        assert "access-control-allow-origin" not in r.headers


async def test_security_headers_and_docs_still_work(make_app: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app=make_app()) as c:
        r = await c.get("/api/v1/health")
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in r.headers["content-security-policy"]
        assert "cache-control" not in r.headers  # anonymous
        docs = await c.get("/docs")
        assert docs.status_code == 200
        assert "content-security-policy" not in docs.headers  # Swagger UI loads its own assets


SECURITY = ("x-request-id", "x-content-type-options", "referrer-policy", "x-frame-options")


def assert_secured(r: Any, *, token: bool) -> None:
    """Each security header exactly once; ``no-store`` exactly once with a token, absent without."""
    for name in SECURITY:
        assert len(r.headers.get_list(name)) == 1, (r.request.method, r.url, name, r.headers)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers.get_list("cache-control") == (["no-store"] if token else []), (r.request.url, r.headers)


async def test_router_answers_carry_the_security_headers(make_app: Callable[..., Litestar]) -> None:
    """404 and 405 are made by the router itself, before any route middleware runs."""
    async with AsyncTestClient(app=make_app()) as c:
        token = {"Authorization": "Bearer whatever"}
        for headers in ({}, token):
            for method, path, status in [
                ("GET", "/nowhere", 404),
                ("GET", "/api/v1/nowhere", 404),
                ("GET", "/api/v1/courses/not-a-uuid", 404),
                ("DELETE", "/api/v1/lessons/42", 404),
                ("PUT", "/api/v1/users/me", 405),
                ("DELETE", "/api/v1/health", 405),
                ("HEAD", "/api/v1/auth/login", 405),
            ]:
                r = await c.request(method, path, headers=headers)
                assert r.status_code == status, (method, path, r.text)
                assert_secured(r, token=bool(headers))
                if method != "HEAD":
                    assert r.json() == {"detail": "Not Found" if status == 404 else "Method Not Allowed"}
        echoed = await c.get("/api/v1/nowhere", headers={"X-Request-ID": "trace-404"})
        assert echoed.headers["x-request-id"] == "trace-404"


async def test_security_headers_are_never_doubled(api: Api, settings: Settings) -> None:
    """A handler's own ``Cache-Control`` (signed downloads) stays the only one."""
    me = await api.register()
    r = await api.client.post(
        "/api/v1/files/upload", files={"file": ("a.txt", b"hello\n", "text/plain")}, headers=api.auth(me)
    )
    assert r.status_code == 201, r.text
    link = await api.client.get(
        f"/api/v1/files/{r.json()['id']}/download", headers=api.auth(me), follow_redirects=False
    )
    assert link.status_code == 307
    assert_secured(link, token=True)
    blob = await api.client.get(link.headers["location"], headers=api.auth(me))
    assert blob.status_code == 200
    for name in SECURITY:
        assert len(blob.headers.get_list(name)) == 1, name
    assert blob.headers.get_list("cache-control") == ["private, no-store"]
    anonymous = await api.client.get(link.headers["location"])
    assert anonymous.headers.get_list("cache-control") == ["private, no-store"]


async def test_refused_cors_preflights_are_json(make_app: Callable[..., Litestar]) -> None:
    allowed = "https://app.example.com"
    async with AsyncTestClient(app=make_app(cors_origins=(allowed,))) as c:
        for origin, method, asked, detail in [
            ("https://evil.example", "GET", None, "CORS preflight refused: the origin is not allowed"),
            (allowed, "TRACE", None, "CORS preflight refused: the method is not allowed"),
            (allowed, "GET", "X-Evil", "CORS preflight refused: a requested header is not allowed"),
            (
                "https://evil.example",
                "GET",
                "Authorization, X-Evil",
                "CORS preflight refused: the origin is not allowed; a requested header is not allowed",
            ),
        ]:
            headers = {"Origin": origin, "Access-Control-Request-Method": method}
            if asked:
                headers["Access-Control-Request-Headers"] = asked
            r = await c.options("/api/v1/users/me", headers=headers)
            assert r.status_code == 400, headers
            assert r.headers["content-type"] == "application/json"
            assert r.json() == {"detail": detail}
            assert "access-control-allow-origin" not in r.headers
            assert_secured(r, token=False)
        ok = await c.options(
            "/api/v1/users/me",
            headers={
                "Origin": allowed,
                "Access-Control-Request-Method": "HEAD",
                "Access-Control-Request-Headers": "Authorization, Idempotency-Key",
            },
        )
        assert ok.status_code == 204
        assert ok.headers["access-control-allow-origin"] == allowed
        assert_secured(ok, token=False)


async def test_head_answers_every_get_route_like_get_without_a_body(api: Api) -> None:
    """Every GET of the schema (and the docs, the schema and metrics), anonymous and signed in:
    HEAD has GET's status and headers, and no body."""
    c = api.client
    schema = (await c.get("/openapi.json")).json()
    some = uuid.uuid4()
    paths = [re.sub(r"\{[^}]+\}", str(some), p) for p, item in schema["paths"].items() if "get" in item]
    paths += ["/docs", "/openapi.json", "/metrics"]
    me = api.auth(await api.register())
    for headers in ({}, me):
        for path in paths:
            get = await c.get(path, headers={**headers, "X-Request-ID": "same"}, follow_redirects=False)
            head = await c.head(path, headers={**headers, "X-Request-ID": "same"}, follow_redirects=False)
            assert head.status_code == get.status_code, (path, head.status_code, get.status_code)
            assert head.content == b"", path
            ignored = {"x-cache"}  # the first GET of a public page is a miss, the HEAD after it a hit
            if path == "/metrics":
                ignored.add("content-length")  # the counts moved on between the two requests
            assert [(k, v) for k, v in head.headers.multi_items() if k not in ignored] == [
                (k, v) for k, v in get.headers.multi_items() if k not in ignored
            ], path
            assert_secured(head, token=bool(headers))
    assert (await c.head("/api/v1/health")).status_code == 200
    assert (await c.head("/api/v1/courses")).status_code == 200

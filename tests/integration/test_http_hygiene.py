"""Security headers and CORS from an allow-list."""

from __future__ import annotations

from collections.abc import Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient


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

"""Idempotency-Key on POST: replay, mismatch, concurrency, failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
from litestar import Litestar

from tests.integration.conftest import PASSWORD, Api

MiB = 1024 * 1024


async def test_same_key_and_body_replays_the_first_response(api: Api) -> None:
    body = {"email": "idem@example.com", "password": PASSWORD, "full_name": "Idem"}
    headers = {"Idempotency-Key": "signup-1"}
    first = await api.client.post("/api/v1/auth/register", json=body, headers=headers)
    again = await api.client.post("/api/v1/auth/register", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    without_key = await api.client.post("/api/v1/auth/register", json=body)
    assert without_key.status_code == 409  # a real second attempt


async def test_same_key_different_body_is_422(api: Api) -> None:
    headers = {"Idempotency-Key": "k-2"}
    first = await api.client.post(
        "/api/v1/auth/register",
        headers=headers,
        json={"email": "a2@example.com", "password": PASSWORD, "full_name": "A"},
    )
    assert first.status_code == 201
    other = await api.client.post(
        "/api/v1/auth/register",
        headers=headers,
        json={"email": "b2@example.com", "password": PASSWORD, "full_name": "B"},
    )
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


async def test_concurrent_requests_with_one_key_run_once(api: Api) -> None:
    tokens = await api.user_with_role("instructor")
    headers = {**api.auth(tokens), "Idempotency-Key": "create-course-1"}
    body = {"title": "Once Only", "description": "x"}
    results = await asyncio.gather(
        *(api.client.post("/api/v1/courses", json=body, headers=headers) for _ in range(5))
    )
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) >= 1 and set(codes) <= {201, 409}
    created = {r.json()["id"] for r in results if r.status_code == 201}
    assert len(created) == 1  # replays carry the same course
    mine = await api.client.get("/api/v1/courses", params={"mine": "true"}, headers=api.auth(tokens))
    assert mine.json()["total"] == 1


async def test_keys_are_per_caller(api: Api) -> None:
    one, two = await api.user_with_role("instructor"), await api.user_with_role("instructor")
    body = {"title": "Per Caller", "description": "x"}
    a = await api.client.post(
        "/api/v1/courses", json=body, headers={**api.auth(one), "Idempotency-Key": "same"}
    )
    b = await api.client.post(
        "/api/v1/courses", json=body, headers={**api.auth(two), "Idempotency-Key": "same"}
    )
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]


async def test_failed_requests_are_not_kept_and_bad_keys_are_422(api: Api) -> None:
    headers = {"Idempotency-Key": "bad-body"}
    r = await api.client.post("/api/v1/auth/register", json={"email": "nope"}, headers=headers)
    assert r.status_code == 422
    replay = await api.client.post("/api/v1/auth/register", json={"email": "nope"}, headers=headers)
    assert replay.status_code == 422 and replay.headers.get("idempotent-replayed") == "true"
    long_key = await api.client.post("/api/v1/auth/register", json={}, headers={"Idempotency-Key": "x" * 300})
    assert long_key.status_code == 422


async def test_a_chunked_body_over_the_limit_is_413_without_reading_the_rest(
    make_app: Callable[..., Litestar],
) -> None:
    """No Content-Length to check first: reading stops at the limit, as the app's own limit does."""
    app = make_app()
    read = {"keyed": 0, "plain": 0}

    async def chunks(counter: str) -> AsyncIterator[bytes]:
        for _ in range(256):  # 16 MiB, never sent whole
            read[counter] += 64 * 1024
            yield b" " * (64 * 1024)

    headers = {"Content-Type": "application/json"}
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://lms.test") as c:
            keyed = await c.post(
                "/api/v1/auth/register",
                content=chunks("keyed"),
                headers={**headers, "Idempotency-Key": "huge"},
            )
            plain = await c.post("/api/v1/auth/register", content=chunks("plain"), headers=headers)
    finally:
        container = app.state.container
        if container.settings().redis_url:
            await container.redis().aclose()
        await container.engine().dispose()
    assert keyed.request.headers.get("transfer-encoding") == "chunked"
    assert (keyed.status_code, plain.status_code) == (413, 413)
    assert keyed.json() == plain.json() == {"detail": "Request body is too large"}
    assert read["keyed"] <= MiB + 64 * 1024, read

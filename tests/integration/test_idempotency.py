"""Idempotency-Key on POST: replay, mismatch, concurrency, failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.integration.conftest import PASSWORD, Api, asgi_transport

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
    transport = asgi_transport(app)
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


# the stored answer is replayed only to a caller who still passes authentication


async def _course_with_key(
    api: Api, tokens: dict[str, Any], key: str
) -> tuple[dict[str, str], dict[str, str]]:
    headers = {**api.auth(tokens), "Idempotency-Key": key}
    body = {"title": "Kept Answer", "description": "x"}
    first = await api.client.post("/api/v1/courses", json=body, headers=headers)
    assert first.status_code == 201
    again = await api.client.post("/api/v1/courses", json=body, headers=headers)
    assert (again.status_code, again.headers["idempotent-replayed"]) == (201, "true")
    return headers, body


async def test_a_revoked_token_gets_401_not_the_stored_answer(api: Api) -> None:
    tokens = await api.user_with_role("instructor")
    headers, body = await _course_with_key(api, tokens, "after-logout")
    assert (await api.client.post("/api/v1/auth/logout", headers=api.auth(tokens))).status_code == 204
    retry = await api.client.post("/api/v1/courses", json=body, headers=headers)
    assert retry.status_code == 401
    assert "idempotent-replayed" not in retry.headers


async def test_a_deactivated_users_token_gets_401_not_the_stored_answer(api: Api) -> None:
    admin, tokens = await api.user_with_role("admin"), await api.user_with_role("instructor")
    headers, body = await _course_with_key(api, tokens, "after-deactivation")
    me = (await api.client.get("/api/v1/users/me", headers=api.auth(tokens))).json()["id"]
    off = await api.client.patch(f"/api/v1/users/{me}", headers=api.auth(admin), json={"is_active": False})
    assert off.status_code == 200
    retry = await api.client.post("/api/v1/courses", json=body, headers=headers)
    assert retry.status_code == 401
    assert "idempotent-replayed" not in retry.headers


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/mfa/login"])
async def test_a_stored_sign_in_is_not_replayed_once_the_address_is_locked(api: Api, path: str) -> None:
    user = await api.register()
    body = {"email": user["email"], "password": PASSWORD, "mfa_code": "000000"}
    headers = {"Idempotency-Key": "sign-in-then-locked"}
    first = await api.client.post(path, json=body, headers=headers)
    assert first.status_code == 200
    again = await api.client.post(path, json=body, headers=headers)
    assert (again.status_code, again.headers["idempotent-replayed"]) == (200, "true")
    assert again.json() == first.json()
    wrong = {"email": user["email"], "password": "Wrong-Passw0rd"}
    codes = [(await api.client.post("/api/v1/auth/login", json=wrong)).status_code for _ in range(5)]
    assert codes == [401] * 5  # the fifth failure locks the address
    retry = await api.client.post(path, json=body, headers=headers)
    assert retry.status_code == 423
    assert "idempotent-replayed" not in retry.headers


async def test_a_stored_login_whose_tokens_were_revoked_signs_in_again(api: Api) -> None:
    user = await api.register()
    body = {"email": user["email"], "password": PASSWORD}
    headers = {"Idempotency-Key": "login-then-logout"}
    first = await api.client.post("/api/v1/auth/login", json=body, headers=headers)
    assert first.status_code == 200
    assert (await api.client.post("/api/v1/auth/logout", headers=api.auth(first.json()))).status_code == 204
    retry = await api.client.post("/api/v1/auth/login", json=body, headers=headers)
    assert retry.status_code == 200
    assert "idempotent-replayed" not in retry.headers
    assert retry.json()["access_token"] != first.json()["access_token"]
    assert (await api.client.get("/api/v1/users/me", headers=api.auth(retry.json()))).status_code == 200


async def test_a_stored_registration_of_a_deactivated_user_is_not_replayed(api: Api) -> None:
    admin = await api.user_with_role("admin")
    body = {"email": "gone@example.com", "password": PASSWORD, "full_name": "Gone"}
    headers = {"Idempotency-Key": "signup-then-deactivated"}
    first = await api.client.post("/api/v1/auth/register", json=body, headers=headers)
    assert first.status_code == 201
    me = (await api.client.get("/api/v1/users/me", headers=api.auth(first.json()))).json()["id"]
    off = await api.client.patch(f"/api/v1/users/{me}", headers=api.auth(admin), json={"is_active": False})
    assert off.status_code == 200
    retry = await api.client.post("/api/v1/auth/register", json=body, headers=headers)
    assert retry.status_code == 409  # what registering that address again answers
    assert "idempotent-replayed" not in retry.headers


async def test_a_stored_refresh_of_a_revoked_login_is_401(api: Api) -> None:
    user = await api.register()
    body = {"refresh_token": user["refresh_token"]}
    headers = {"Idempotency-Key": "refresh-then-logout"}
    first = await api.client.post("/api/v1/auth/refresh", json=body, headers=headers)
    assert first.status_code == 200
    again = await api.client.post("/api/v1/auth/refresh", json=body, headers=headers)
    assert (again.status_code, again.headers["idempotent-replayed"]) == (200, "true")
    assert (await api.client.post("/api/v1/auth/logout", headers=api.auth(first.json()))).status_code == 204
    retry = await api.client.post("/api/v1/auth/refresh", json=body, headers=headers)
    assert retry.status_code == 401
    assert "idempotent-replayed" not in retry.headers

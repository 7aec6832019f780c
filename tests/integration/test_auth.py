"""Every auth endpoint and error case over HTTP, on both stacks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pyotp
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lms_http.settings import RateLimit
from tests.integration.conftest import PASSWORD, Api

INVALID = {"detail": "Could not validate credentials"}


async def test_register_login_me(api: Api) -> None:
    tokens = await api.register("Ann@Example.com", full_name="Ann Lee")
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 900
    r = await api.client.post("/api/v1/auth/login", json={"email": "ann@example.com", "password": PASSWORD})
    assert r.status_code == 200
    me = await api.client.get("/api/v1/users/me", headers=api.auth(r.json()))
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == "ann@example.com" and body["role"] == "student" and body["mfa_enabled"] is False
    assert body["last_login_at"] is not None and body["created_at"].endswith(("Z", "+00:00"))
    assert me.headers["cache-control"] == "no-store"


async def test_register_ignores_role_and_validates(api: Api) -> None:
    r = await api.client.post(
        "/api/v1/auth/register",
        json={
            "email": "eve@example.com",
            "password": PASSWORD,
            "full_name": "Eve",
            "role": "admin",
            "is_active": False,
        },
    )
    assert r.status_code == 201
    me = await api.client.get("/api/v1/users/me", headers=api.auth(r.json()))
    assert (me.json()["role"], me.json()["is_active"]) == ("student", True)
    dup = await api.client.post(
        "/api/v1/auth/register", json={"email": "EVE@example.com", "password": PASSWORD, "full_name": "Eve"}
    )
    assert (dup.status_code, dup.json()) == (409, {"detail": "A user with this email already exists"})
    weak = await api.client.post(
        "/api/v1/auth/register", json={"email": "w@example.com", "password": "password", "full_name": "W"}
    )
    assert weak.status_code == 422 and weak.json()["detail"][0]["loc"] == ["body", "password"]
    breached = await api.client.post(
        "/api/v1/auth/register", json={"email": "w@example.com", "password": "Password123", "full_name": "W"}
    )
    assert breached.status_code == 422
    bad_email = await api.client.post(
        "/api/v1/auth/register", json={"email": "not-an-email", "password": PASSWORD, "full_name": "W"}
    )
    assert bad_email.json() == {
        "detail": [
            {
                "loc": ["body", "email"],
                "msg": "value is not a valid email address",
                "type": "value_error.email",
            }
        ]
    }
    missing = await api.client.post(
        "/api/v1/auth/register", json={"email": "x@example.com", "password": PASSWORD}
    )
    assert missing.json() == {
        "detail": [{"loc": ["body", "full_name"], "msg": "Field required", "type": "missing"}]
    }


async def test_wrong_password_and_unknown_email_same_401(api: Api) -> None:
    await api.register("bob@example.com")
    a = await api.client.post(
        "/api/v1/auth/login", json={"email": "bob@example.com", "password": "Wrong7Horse"}
    )
    b = await api.client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    assert (a.status_code, b.status_code) == (401, 401)
    assert a.json() == b.json()


async def test_lockout_after_five_failures_then_423_for_everyone(api: Api) -> None:
    await api.register("carl@example.com")
    codes = []
    for _ in range(6):
        r = await api.client.post(
            "/api/v1/auth/login", json={"email": "carl@example.com", "password": "Wrong7Horse"}
        )
        codes.append(r.status_code)
    assert codes == [401] * 5 + [423]
    right = await api.client.post(
        "/api/v1/auth/login", json={"email": "carl@example.com", "password": PASSWORD}
    )
    assert right.status_code == 423
    ghost = []
    for _ in range(6):
        r = await api.client.post(
            "/api/v1/auth/login", json={"email": "ghost@example.com", "password": PASSWORD}
        )
        ghost.append(r.status_code)
    assert ghost == [401] * 5 + [423]


async def test_lockout_expires(make_app: Callable[..., Litestar]) -> None:
    from dependency_injector import providers

    from lms_domain.identity.use_cases import AuthPolicy

    app = make_app()
    # LMS_LOCKOUT_MINUTES counts whole minutes; the policy itself takes seconds.
    app.state.container.auth_policy.override(
        providers.Object(AuthPolicy(lockout_threshold=1, lockout_seconds=1))
    )
    async with AsyncTestClient(app=app) as c:
        await Api(c).register("dana@example.com")
        assert (
            await c.post("/api/v1/auth/login", json={"email": "dana@example.com", "password": "Wrong7Horse"})
        ).status_code == 401
        assert (
            await c.post("/api/v1/auth/login", json={"email": "dana@example.com", "password": PASSWORD})
        ).status_code == 423
        await asyncio.sleep(2.1)
        assert (
            await c.post("/api/v1/auth/login", json={"email": "dana@example.com", "password": PASSWORD})
        ).status_code == 200


async def test_refresh_rotation_and_reuse_detection(api: Api) -> None:
    first = await api.register()
    r = await api.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    reuse = await api.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    after = await api.client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401
    assert (await api.client.get("/api/v1/users/me", headers=api.auth(second))).status_code == 401


async def test_token_kinds_in_the_wrong_place(api: Api) -> None:
    tokens = await api.register()
    r = await api.client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
    )
    assert (r.status_code, r.json()) == (401, INVALID)
    r = await api.client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert r.status_code == 401
    for header in ("Bearer", "Bearer ", "Basic abc", f"Token {tokens['access_token']}", "Bearer a.b.c"):
        r = await api.client.get("/api/v1/users/me", headers={"Authorization": header})
        assert r.status_code == 401, header
    r = await api.client.get("/api/v1/users/me")
    assert r.status_code == 401
    head, body, sig = tokens["access_token"].split(".")
    r = await api.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {head}.{body}x.{sig}"})
    assert r.status_code == 401


async def test_expired_token_is_401(make_app: Callable[..., Litestar]) -> None:
    import jwt

    async with AsyncTestClient(app=make_app()) as c:
        tokens = await Api(c).register()
        secret = c.app.state.container.settings().secret_key  # a provider value, not loop-bound
        payload = jwt.decode(tokens["access_token"], secret, algorithms=["HS256"])
        payload["exp"] = payload["iat"] - 1
        expired = jwt.encode(payload, secret, algorithm="HS256")
        r = await c.get("/api/v1/users/me", headers={"Authorization": f"Bearer {expired}"})
        assert (r.status_code, r.json()) == (401, INVALID)


async def test_logout_revokes_both_tokens(api: Api) -> None:
    tokens = await api.register()
    assert (await api.client.post("/api/v1/auth/logout", headers=api.auth(tokens))).status_code == 204
    assert (await api.client.get("/api/v1/users/me", headers=api.auth(tokens))).status_code == 401
    r = await api.client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401


async def test_revocation_survives_a_restart(make_app: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app=make_app()) as c:
        tokens = await Api(c).register()
        await c.post("/api/v1/auth/logout", headers=Api.auth(tokens))
    async with AsyncTestClient(app=make_app()) as c:  # a new process: new container, same stores
        assert (await c.get("/api/v1/users/me", headers=Api.auth(tokens))).status_code == 401


async def test_two_instances_share_revocation_and_lockout(make_app: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app=make_app()) as one, AsyncTestClient(app=make_app()) as two:
        tokens = await Api(one).register("shared@example.com")
        assert (await two.get("/api/v1/users/me", headers=Api.auth(tokens))).status_code == 200
        await one.post("/api/v1/auth/logout", headers=Api.auth(tokens))
        assert (await two.get("/api/v1/users/me", headers=Api.auth(tokens))).status_code == 401
        if one.app.state.container.settings().redis_url:  # in-process lockout is per process by design
            for _ in range(5):
                await one.post(
                    "/api/v1/auth/login", json={"email": "shared@example.com", "password": "Wrong7Horse"}
                )
            r = await two.post(
                "/api/v1/auth/login", json={"email": "shared@example.com", "password": PASSWORD}
            )
            assert r.status_code == 423


async def test_password_change(api: Api) -> None:
    tokens = await api.register("pat@example.com")
    other = (
        await api.client.post("/api/v1/auth/login", json={"email": "pat@example.com", "password": PASSWORD})
    ).json()
    wrong = await api.client.post(
        "/api/v1/users/me/password",
        headers=api.auth(tokens),
        json={"current_password": "Wrong7Horse", "new_password": "Fresh7Horse9"},
    )
    assert (wrong.status_code, wrong.json()) == (400, {"detail": "Current password is incorrect"})
    weak = await api.client.post(
        "/api/v1/users/me/password",
        headers=api.auth(tokens),
        json={"current_password": PASSWORD, "new_password": "weak"},
    )
    assert weak.status_code == 422 and weak.json()["detail"][0]["loc"] == ["body", "new_password"]
    ok = await api.client.post(
        "/api/v1/users/me/password",
        headers=api.auth(tokens),
        json={"current_password": PASSWORD, "new_password": "Fresh7Horse9"},
    )
    assert ok.status_code == 204
    assert (await api.client.get("/api/v1/users/me", headers=api.auth(tokens))).status_code == 200
    assert (await api.client.get("/api/v1/users/me", headers=api.auth(other))).status_code == 401
    old = await api.client.post("/api/v1/auth/login", json={"email": "pat@example.com", "password": PASSWORD})
    assert old.status_code == 401
    new = await api.client.post(
        "/api/v1/auth/login", json={"email": "pat@example.com", "password": "Fresh7Horse9"}
    )
    assert new.status_code == 200


async def test_mfa_with_real_codes_and_a_replay(make_app: Callable[..., Litestar]) -> None:
    """Real TOTP codes against the service's clock, which the test moves step by step."""
    from dependency_injector import providers

    from builders import FixedClock

    clock = FixedClock()
    app = make_app()
    app.state.container.clock.override(providers.Object(clock))
    email, login_body = "mia@example.com", {"email": "mia@example.com", "password": PASSWORD}
    async with AsyncTestClient(app=app) as c:
        h = Api.auth(await Api(c).register(email))
        setup = (await c.post("/api/v1/auth/mfa/enable", headers=h)).json()
        assert setup["provisioning_url"].startswith("otpauth://totp/")
        totp = pyotp.TOTP(setup["secret"])

        def code(offset: int = 0) -> str:
            return totp.at(clock.now().timestamp() + offset)

        near = {code(-30), code(), code(30)}
        wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)
        assert (await c.post("/api/v1/auth/mfa/verify", headers=h, json={"code": wrong})).status_code == 400
        first = code()
        ok = await c.post("/api/v1/auth/mfa/verify", headers=h, json={"code": first})
        assert (ok.status_code, ok.json()) == (200, {"message": "MFA enabled successfully"})
        assert (await c.get("/api/v1/users/me", headers=h)).json()["mfa_enabled"] is True
        login = await c.post("/api/v1/auth/login", json=login_body)
        assert (login.status_code, login.json()) == (403, {"detail": "MFA code required"})
        assert "access_token" not in login.text
        replay = await c.post("/api/v1/auth/mfa/login", json={**login_body, "mfa_code": first})
        assert replay.status_code == 401  # used to verify: accepted once only
        clock.advance(seconds=30)
        good = await c.post("/api/v1/auth/mfa/login", json={**login_body, "mfa_code": code()})
        assert good.status_code == 200 and good.json()["access_token"]
        again = await c.post("/api/v1/auth/mfa/login", json={**login_body, "mfa_code": code()})
        assert again.status_code == 401
        wrong_pw = await c.post(
            "/api/v1/auth/mfa/login", json={"email": email, "password": "Wrong7Horse", "mfa_code": code(30)}
        )
        assert wrong_pw.status_code == 401
        assert (await c.post("/api/v1/auth/mfa/disable", headers=h, json={"code": "123"})).status_code == 400
        clock.advance(seconds=30)
        used = await c.post("/api/v1/auth/mfa/disable", headers=h, json={"code": code(-30)})
        assert used.status_code == 400  # that step was spent on the login
        off = await c.post("/api/v1/auth/mfa/disable", headers=h, json={"code": code()})
        assert off.status_code == 204
        assert (await c.post("/api/v1/auth/login", json=login_body)).status_code == 200


async def test_auth_rate_limit_per_ip_and_endpoint(make_app: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app=make_app(rate_limit_auth=RateLimit(3, 60))) as c:
        codes = [
            (
                await c.post("/api/v1/auth/login", json={"email": f"r{i}@example.com", "password": PASSWORD})
            ).status_code
            for i in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        r = await c.post("/api/v1/auth/login", json={"email": "x@example.com", "password": PASSWORD})
        assert r.json() == {"detail": "Rate limit exceeded. Please try again later."}
        assert int(r.headers["retry-after"]) >= 1
        assert (await c.post("/api/v1/auth/refresh", json={"refresh_token": "x"})).status_code == 401
        spoofed = await c.post(
            "/api/v1/auth/login",
            headers={"X-Forwarded-For": "203.0.113.9"},
            json={"email": "x@example.com", "password": PASSWORD},
        )
        assert spoofed.status_code == 429  # X-Forwarded-For is not trusted without LMS_TRUSTED_PROXIES


async def test_default_rate_limit_per_user(make_app: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app=make_app(rate_limit_default=RateLimit(3, 60))) as c:
        tokens = await Api(c).register()
        codes = [(await c.get("/api/v1/users/me", headers=Api.auth(tokens))).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert (await c.get("/api/v1/health")).status_code == 200


async def test_concurrent_registrations_of_one_email_create_one_user(api: Api) -> None:
    body = {"email": "race@example.com", "password": PASSWORD, "full_name": "Race"}
    results = await asyncio.gather(*(api.client.post("/api/v1/auth/register", json=body) for _ in range(8)))
    assert sorted(r.status_code for r in results) == [201] + [409] * 7

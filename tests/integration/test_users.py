"""/users: profile, admin listing and updates, roles and mass assignment."""

from __future__ import annotations

from collections.abc import Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.conftest import PASSWORD, Api


async def test_patch_me_changes_only_the_name(api: Api) -> None:
    tokens = await api.register()
    r = await api.client.patch(
        "/api/v1/users/me",
        headers=api.auth(tokens),
        json={"full_name": "  New Name ", "role": "admin", "email": "x@y.io", "is_active": False},
    )
    assert r.status_code == 200
    assert (r.json()["full_name"], r.json()["role"], r.json()["is_active"]) == ("New Name", "student", True)
    assert r.json()["email"] != "x@y.io"
    empty = await api.client.patch("/api/v1/users/me", headers=api.auth(tokens), json={"full_name": ""})
    assert empty.status_code == 422
    long = await api.client.patch("/api/v1/users/me", headers=api.auth(tokens), json={"full_name": "x" * 256})
    assert long.status_code == 422


async def test_students_and_instructors_cannot_administer(api: Api) -> None:
    student, teacher = await api.register(), await api.user_with_role("instructor")
    victim = (await api.client.get("/api/v1/users/me", headers=api.auth(student))).json()["id"]
    for who in (student, teacher):
        assert (await api.client.get("/api/v1/users", headers=api.auth(who))).status_code == 403
        r = await api.client.patch(f"/api/v1/users/{victim}", headers=api.auth(who), json={"role": "admin"})
        assert (r.status_code, r.json()) == (403, {"detail": "Only admins can change users"})


async def test_admin_lists_filters_and_pages(api: Api) -> None:
    admin = await api.user_with_role("admin")
    for i in range(3):
        await api.register(f"listed{i}@example.com", full_name=f"Listed {i}")
    await api.user_with_role("instructor")
    h = api.auth(admin)
    r = await api.client.get("/api/v1/users", headers=h, params={"page_size": 2})
    body = r.json()
    assert (r.status_code, body["total"], body["page"], body["page_size"], body["pages"]) == (200, 5, 1, 2, 3)
    assert len(body["items"]) == 2
    r = await api.client.get("/api/v1/users", headers=h, params={"role": "instructor"})
    assert [u["role"] for u in r.json()["items"]] == ["instructor"]
    r = await api.client.get("/api/v1/users", headers=h, params={"q": "LISTED1"})
    assert [u["email"] for u in r.json()["items"]] == ["listed1@example.com"]
    for params in (
        {"page_size": 0},
        {"page_size": 101},
        {"page": 0},
        {"role": "wizard"},
        {"page_size": "many"},
    ):
        bad = await api.client.get("/api/v1/users", headers=h, params=params)
        assert bad.status_code == 422, params
        assert isinstance(bad.json()["detail"], list)
    r = await api.client.get("/api/v1/users", headers=h, params={"q": "%' OR 1=1 --"})
    assert (r.status_code, r.json()["total"]) == (200, 0)


async def test_admin_changes_role_and_deactivation_revokes(api: Api) -> None:
    admin, student = await api.user_with_role("admin"), await api.register("deact@example.com")
    sid = (await api.client.get("/api/v1/users/me", headers=api.auth(student))).json()["id"]
    r = await api.client.patch(f"/api/v1/users/{sid}", headers=api.auth(admin), json={"role": "instructor"})
    assert (r.status_code, r.json()["role"]) == (200, "instructor")
    me = await api.client.get("/api/v1/users/me", headers=api.auth(student))
    assert me.json()["role"] == "instructor"
    r = await api.client.patch(f"/api/v1/users/{sid}", headers=api.auth(admin), json={"is_active": False})
    assert (r.status_code, r.json()["is_active"]) == (200, False)
    assert (await api.client.get("/api/v1/users/me", headers=api.auth(student))).status_code == 401
    login = await api.client.post(
        "/api/v1/auth/login", json={"email": "deact@example.com", "password": PASSWORD}
    )
    assert login.status_code == 401
    missing = await api.client.patch(
        "/api/v1/users/00000000-0000-0000-0000-000000000000", headers=api.auth(admin), json={"role": "admin"}
    )
    assert (missing.status_code, missing.json()) == (404, {"detail": "User not found"})
    not_uuid = await api.client.patch(
        "/api/v1/users/not-a-uuid", headers=api.auth(admin), json={"role": "admin"}
    )
    assert not_uuid.status_code in (404, 422)
    bad_role = await api.client.patch(
        f"/api/v1/users/{sid}", headers=api.auth(admin), json={"role": "wizard"}
    )
    assert bad_role.status_code == 422


async def test_admin_from_settings_is_ensured_and_keeps_its_password(
    make_app: Callable[..., Litestar],
) -> None:
    app = make_app(admin_email="Boss@Example.com", admin_password="Admin7Secret")
    async with AsyncTestClient(app=app) as c:
        r = await c.post("/api/v1/auth/login", json={"email": "boss@example.com", "password": "Admin7Secret"})
        assert r.status_code == 200
        me = await c.get("/api/v1/users/me", headers=Api.auth(r.json()))
        assert me.json()["role"] == "admin"
    async with AsyncTestClient(
        app=make_app(admin_email="boss@example.com", admin_password="Other7Secret")
    ) as c:
        r = await c.post("/api/v1/auth/login", json={"email": "boss@example.com", "password": "Admin7Secret"})
        assert r.status_code == 200


async def test_memory_adapters_can_replace_the_database(make_app: Callable[..., Litestar]) -> None:
    """The swap embedders use: the same app over in-memory repositories."""
    from dependency_injector import providers

    from lms_adapters.memory.sessions import MemorySessionStore
    from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork

    app: Litestar = make_app()
    container = app.state.container
    state = MemoryState()
    container.uow.override(providers.Factory(MemoryUnitOfWork, state))
    container.sessions.override(providers.Singleton(MemorySessionStore))
    async with AsyncTestClient(app=app) as c:
        tokens = await Api(c).register("mem@example.com")
        assert (await c.get("/api/v1/users/me", headers=Api.auth(tokens))).status_code == 200
    assert [u.email for u in state.users.values()] == ["mem@example.com"]

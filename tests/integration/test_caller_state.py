"""The caller's role and state travel with the session: a signed-in request reads no user to
authenticate (none with Redis, one statement joining session and user on the embedded store), and
a role change, a deactivation or an erasure applies to the very next request, on every process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio.client import Pipeline, Redis
from sqlalchemy import event

from lms_http.app import create_app
from lms_http.container import Container
from lms_http.settings import Settings
from tests.conftest import needs_pg, needs_redis
from tests.integration.conftest import PASSWORD, Api, racing_client
from tests.servers import serve

V1 = "/api/v1"


async def me_as_admin(api: Api, tokens: dict[str, Any]) -> int:
    """What an admin-only read answers the caller: 200 as an admin, 403 as anyone else, 401 once
    the session is no good (the role is the actor's, as authentication built it)."""
    return (await api.client.get(f"{V1}/users?page_size=1", headers=api.auth(tokens))).status_code


async def user_id(api: Api, tokens: dict[str, Any]) -> str:
    me = await api.client.get(f"{V1}/users/me", headers=api.auth(tokens))
    assert me.status_code == 200, me.text
    return str(me.json()["id"])


async def test_a_role_change_applies_to_the_very_next_request(api: Api) -> None:
    admin, ann = await api.user_with_role("admin"), await api.register()
    ann_id = await user_id(api, ann)
    assert await me_as_admin(api, ann) == 403  # her state is kept from here on (with Redis)
    r = await api.client.patch(f"{V1}/users/{ann_id}", headers=api.auth(admin), json={"role": "admin"})
    assert r.status_code == 200, r.text
    assert await me_as_admin(api, ann) == 200
    r = await api.client.patch(f"{V1}/users/{ann_id}", headers=api.auth(admin), json={"role": "student"})
    assert r.status_code == 200, r.text
    assert await me_as_admin(api, ann) == 403


async def test_a_deactivation_refuses_the_very_next_request(api: Api) -> None:
    admin, ann = await api.user_with_role("admin"), await api.register()
    ann_id = await user_id(api, ann)
    r = await api.client.patch(f"{V1}/users/{ann_id}", headers=api.auth(admin), json={"is_active": False})
    assert r.status_code == 200, r.text
    assert await me_as_admin(api, ann) == 401
    r = await api.client.patch(f"{V1}/users/{ann_id}", headers=api.auth(admin), json={"is_active": True})
    assert r.status_code == 200, r.text
    assert await me_as_admin(api, ann) == 401  # reactivated, but the sessions ended for good


async def test_an_erasure_refuses_the_very_next_request(api: Api) -> None:
    admin, ann, bob = await api.user_with_role("admin"), await api.register(), await api.register()
    ann_id = await user_id(api, ann)
    assert await me_as_admin(api, bob) == 403
    r = await api.client.post(f"{V1}/users/{ann_id}/erase", headers=api.auth(admin))
    assert r.status_code == 204, r.text
    assert await me_as_admin(api, ann) == 401
    own = await api.client.post(f"{V1}/users/me/erase", headers=api.auth(bob), json={"password": PASSWORD})
    assert own.status_code == 204, own.text
    assert await me_as_admin(api, bob) == 401


# Counting: SQL statements on the app's engine, Redis round trips on its client


class Counts:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.round_trips: list[str] = []


@pytest.fixture
async def counted(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Api, Counts]]:
    counts = Counts()
    execute_command: Any = Redis.execute_command
    execute_pipeline = Pipeline.execute

    async def command(self: Redis, *args: Any, **options: Any) -> Any:
        if not isinstance(self, Pipeline):  # a pipeline's commands are sent by its execute
            counts.round_trips.append(str(args[0]))
        return await execute_command(self, *args, **options)

    async def pipeline(self: Pipeline, raise_on_error: bool = True) -> Any:
        counts.round_trips.append("pipeline")
        return await execute_pipeline(self, raise_on_error)

    monkeypatch.setattr(Redis, "execute_command", command)
    monkeypatch.setattr(Pipeline, "execute", pipeline)
    container = Container(settings=settings)
    app = create_app(settings, container)

    def statement(_conn: Any, _cursor: Any, text: str, *_: Any) -> None:
        counts.statements.append(text)

    event.listen(container.engine().sync_engine, "before_cursor_execute", statement)
    async with racing_client(app) as client:
        yield Api(client, settings), counts


async def signed_in_twice(api: Api, counts: Counts) -> dict[str, Any]:
    """A new account that has made one request (so its state is kept where a store keeps it);
    the counts start afresh."""
    ann = await api.register()
    assert (await api.client.get(f"{V1}/users/me", headers=api.auth(ann))).status_code == 200
    counts.statements.clear()
    counts.round_trips.clear()
    return ann


@pytest.mark.parametrize("stack", [pytest.param("postgres", marks=[needs_pg, needs_redis])])
async def test_with_redis_a_signed_in_request_reads_no_sql_to_authenticate(
    counted: tuple[Api, Counts],
) -> None:
    api, counts = counted
    ann = await signed_in_twice(api, counts)
    me = await api.client.get(f"{V1}/users/me", headers=api.auth(ann))
    assert me.status_code == 200
    assert me.json()["email"] == ann["email"]
    # the profile /users/me shows is kept with the caller's state: no SQL at all
    assert counts.statements == []
    # rate limit and session in one round trip (one script)
    assert counts.round_trips == ["EVALSHA"], counts.round_trips
    counts.statements.clear()
    courses = await api.client.get(f"{V1}/enrollments/my-courses", headers=api.auth(ann))
    assert courses.status_code == 200
    assert not any("FROM users" in s for s in counts.statements), counts.statements


@pytest.mark.parametrize("stack", ["sqlite"])
async def test_embedded_a_signed_in_request_authenticates_in_one_statement(
    counted: tuple[Api, Counts],
) -> None:
    api, counts = counted
    ann = await signed_in_twice(api, counts)
    r = await api.client.get(f"{V1}/enrollments/my-courses", headers=api.auth(ann))
    assert r.status_code == 200
    sessions = [s for s in counts.statements if "auth_sessions" in s]
    assert len(sessions) == 1, counts.statements
    assert "JOIN users" in sessions[0]
    assert not any("FROM users" in s for s in counts.statements if s not in sessions), counts.statements
    assert counts.round_trips == []
    counts.statements.clear()
    me = await api.client.get(f"{V1}/users/me", headers=api.auth(ann))
    assert (me.status_code, me.json()["email"]) == (200, ann["email"])
    sent = [s for s in counts.statements if not s.startswith("BEGIN")]
    assert len(sent) == 1, counts.statements  # the session with its user's profile
    assert "auth_sessions" in sent[0]


# Two server processes sharing PostgreSQL and Redis


@pytest.fixture
def two_servers(pg_url: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    shared = {
        "LMS_DATABASE_URL": pg_url,
        "LMS_REDIS_URL": redis_url,
        "LMS_SECRET_KEY": "callers-" + "s" * 40,
        "LMS_ADMIN_EMAIL": "root@example.com",
        "LMS_ADMIN_PASSWORD": "Admin7Secret",
    }
    with serve(tmp_path / "a", **shared) as a, serve(tmp_path / "b", **shared) as b:
        yield a.url, b.url


@needs_pg
@needs_redis
def test_a_change_through_one_process_applies_to_the_next_request_on_the_other(
    two_servers: tuple[str, str],
) -> None:
    a, b = two_servers
    with httpx.Client(timeout=30) as http:
        root = http.post(
            f"{a}/api/v1/auth/login", json={"email": "root@example.com", "password": "Admin7Secret"}
        )
        assert root.status_code == 200, root.text
        admin = {"Authorization": f"Bearer {root.json()['access_token']}"}
        r = http.post(
            f"{a}/api/v1/auth/register",
            json={"email": "ann@example.com", "password": PASSWORD, "full_name": "Ann Lee"},
        )
        assert r.status_code == 201, r.text
        ann = {"Authorization": f"Bearer {r.json()['access_token']}"}
        ann_id = http.get(f"{b}/api/v1/users/me", headers=ann).json()["id"]

        def listing(server: str) -> int:
            return http.get(f"{server}/api/v1/users?page_size=1", headers=ann).status_code

        assert (listing(a), listing(b)) == (403, 403)  # both have authenticated her as a student
        for through, other, role, expected in ((a, b, "admin", 200), (b, a, "student", 403)):
            r = http.patch(f"{through}/api/v1/users/{ann_id}", headers=admin, json={"role": role})
            assert r.status_code == 200, r.text
            assert listing(other) == expected
            assert listing(through) == expected

        # the profile /users/me shows from the kept state follows every change of it
        def me(server: str) -> dict[str, Any]:
            r = http.get(f"{server}/api/v1/users/me", headers=ann)
            assert r.status_code == 200, r.text
            return dict(r.json())

        assert me(a) == me(b)
        r = http.patch(f"{a}/api/v1/users/me", headers=ann, json={"full_name": "Ann Renamed"})
        assert r.status_code == 200, r.text
        assert me(b)["full_name"] == me(a)["full_name"] == "Ann Renamed"
        r = http.patch(f"{b}/api/v1/users/{ann_id}", headers=admin, json={"full_name": "Ann By Admin"})
        assert r.status_code == 200, r.text
        assert me(a)["full_name"] == me(b)["full_name"] == "Ann By Admin"
        before = me(a)["last_login_at"]
        again = http.post(f"{b}/api/v1/auth/login", json={"email": "ann@example.com", "password": PASSWORD})
        assert again.status_code == 200, again.text
        assert me(a)["last_login_at"] != before
        assert me(a) == me(b)
        r = http.patch(f"{b}/api/v1/users/{ann_id}", headers=admin, json={"is_active": False})
        assert r.status_code == 200, r.text
        assert (listing(a), listing(b)) == (401, 401)


@pytest.mark.parametrize("stack", [pytest.param("postgres", marks=[needs_pg, needs_redis])])
async def test_with_redis_a_kept_catalog_read_is_one_round_trip(counted: tuple[Api, Counts]) -> None:
    """The rate limit's script reads the catalog's stamp too: a kept answer, anonymous or for a
    signed-in student, costs that one round trip and no SQL."""
    api, counts = counted
    ann = await signed_in_twice(api, counts)
    instructor = await api.user_with_role("instructor")
    course = await api.client.post(
        f"{V1}/courses", headers=api.auth(instructor), json={"title": "Kept", "description": "d"}
    )
    assert course.status_code == 201, course.text
    published = await api.client.post(
        f"{V1}/courses/{course.json()['id']}/publish", headers=api.auth(instructor)
    )
    assert published.status_code == 200, published.text
    for headers in ({}, api.auth(ann)):
        for path in (f"{V1}/courses", f"{V1}/courses/{course.json()['id']}"):
            first = await api.client.get(path, headers=headers)  # made and kept
            assert first.status_code == 200, first.text
            counts.statements.clear()
            counts.round_trips.clear()
            again = await api.client.get(path, headers=headers)
            assert again.json() == first.json()
            assert counts.round_trips == ["EVALSHA"], (path, headers, counts.round_trips)
            assert counts.statements == [], (path, headers, counts.statements)
    # a change made meanwhile is seen by the next read (the stamp read ahead is the new one)
    renamed = await api.client.patch(
        f"{V1}/courses/{course.json()['id']}", headers=api.auth(instructor), json={"title": "Renamed"}
    )
    assert renamed.status_code == 200, renamed.text
    for headers in ({}, api.auth(ann)):
        r = await api.client.get(f"{V1}/courses/{course.json()['id']}", headers=headers)
        assert r.json()["title"] == "Renamed"

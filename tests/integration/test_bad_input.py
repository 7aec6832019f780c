"""Bad input through the real app, on SQLite and on PostgreSQL + Redis: every case answers a clear
4xx and leaves the database exactly as it was."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import create_engine, select

from lms_adapters.sql.tables import metadata
from lms_adapters.sql.urls import sync_url
from lms_http.app import create_app
from lms_http.container import Container
from lms_http.settings import RateLimit, Settings
from tests.integration.catalog_support import V1, new_course, new_lesson, publish
from tests.integration.conftest import PASSWORD, Api, asgi_transport

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"x" * 500 + b"\n%%EOF\n"
JSON = {"content-type": "application/json"}


def snapshot(settings: Settings, *, without: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Every row of every table (but ``without``), read over a connection of its own."""
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.connect() as conn:
            return {
                t.name: sorted(repr(tuple(row)) for row in conn.execute(select(t)))
                for t in metadata.sorted_tables
                if t.name not in without
            }
    finally:
        engine.dispose()


@dataclass
class World:
    api: Api
    settings: Settings
    owner: dict[str, str]
    other: dict[str, str]
    admin: dict[str, str]
    student: dict[str, str]  # enrolled in the published course, owns a file
    stranger: dict[str, str]  # a second student
    student_id: str
    published: dict[str, Any]
    draft: dict[str, Any]
    lesson: dict[str, Any]
    draft_lesson: dict[str, Any]
    enrollment: dict[str, Any]
    file: dict[str, Any]

    async def refused(
        self,
        method: str,
        url: str,
        status: int | tuple[int, ...],
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """Send one request; it must answer ``status`` and change nothing in the database."""
        before = snapshot(self.settings)
        r = await self.api.client.request(method, url, headers=headers or {}, **kw)
        expected = status if isinstance(status, tuple) else (status,)
        assert r.status_code in expected, (method, url, r.status_code, r.text[:300])
        assert snapshot(self.settings) == before, (method, url, "changed the database")
        return r


@pytest.fixture
async def world(api: Api, settings: Settings) -> World:
    owner = api.auth(await api.user_with_role("instructor"))
    other = api.auth(await api.user_with_role("instructor"))
    admin = api.auth(await api.user_with_role("admin"))
    student = api.auth(await api.register())
    stranger = api.auth(await api.register())
    published = await new_course(api, owner, title="Published")
    lesson = await new_lesson(api, owner, published["id"])
    await publish(api, owner, published["id"])
    draft = await new_course(api, owner, title="Draft")
    draft_lesson = await new_lesson(api, owner, draft["id"])
    r = await api.client.post(f"{V1}/enrollments", json={"course_id": published["id"]}, headers=student)
    assert r.status_code == 201, r.text
    enrollment = r.json()
    r = await api.client.post(
        f"{V1}/files/upload", files={"file": ("notes.pdf", PDF, "application/pdf")}, headers=student
    )
    assert r.status_code == 201, r.text
    me = (await api.client.get(f"{V1}/users/me", headers=student)).json()
    return World(
        api, settings, owner, other, admin, student, stranger, me["id"], published, draft, lesson,
        draft_lesson, enrollment, r.json(),
    )  # fmt: skip


def loc(r: httpx.Response) -> list[list[Any]]:
    body = r.json()
    assert isinstance(body["detail"], list), body
    return [item["loc"] for item in body["detail"]]


# -- size and shape of the body ----------------------------------------------------------------------


async def test_body_over_one_mebibyte_is_413(world: World) -> None:
    big = {"title": "Big", "description": "x" * (1024 * 1024 + 1)}
    r = await world.refused("POST", f"{V1}/courses", 413, headers=world.owner, json=big)
    assert r.json() == {"detail": "Request body is too large"}
    await world.refused(
        "PATCH", f"{V1}/users/me", 413, headers=world.student, json={"full_name": "y" * 2**21}
    )


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
async def test_deeply_nested_json_is_422_not_a_recursion_error(
    world: World, content_type: str | None
) -> None:
    headers = {**world.student, **({"content-type": content_type} if content_type else {})}
    for body in (b"[" * 10_000 + b"]" * 10_000, b'{"course_id": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"):
        r = await world.refused("POST", f"{V1}/enrollments", 422, headers=headers, content=body)
        assert r.json()["detail"][0]["msg"] == "JSON is nested too deeply"
    nested_dicts = b'{"a":' * 5_000 + b"1" + b"}" * 5_000
    await world.refused("POST", f"{V1}/courses", 422, headers={**world.owner, **JSON}, content=nested_dicts)


@pytest.mark.parametrize("body", [b'{"title": "x",', b"{'title': 'x'}", b"\xff\xfe", b"[1, 2", b"nul"])
async def test_malformed_json_is_422(world: World, body: bytes) -> None:
    r = await world.refused("POST", f"{V1}/courses", 422, headers={**world.owner, **JSON}, content=body)
    assert r.json()["detail"][0]["loc"] == ["body"]


async def test_missing_body_is_422_naming_the_body(world: World) -> None:
    r = await world.refused("POST", f"{V1}/courses", 422, headers=world.owner)
    assert r.json() == {"detail": [{"loc": ["body"], "msg": "Request body is required", "type": "missing"}]}


async def test_nul_characters_are_422_in_body_query_and_keys(world: World) -> None:
    r = await world.refused("POST", f"{V1}/courses", 422, headers=world.owner, json={"title": "a\x00b"})
    assert loc(r) == [["body", "title"]]
    await world.refused("PATCH", f"{V1}/users/me", 422, headers=world.student, json={"full_name": "\x00"})
    await world.refused("POST", f"{V1}/courses", 422, headers=world.owner, json={"title": "t", "\x00": 1})
    await world.refused("GET", f"{V1}/courses?q=a%00b", 422)
    await world.refused("GET", f"{V1}/courses?category=%00", 422, headers=world.student)


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e400"])
async def test_nan_and_infinity_are_422(world: World, number: bytes) -> None:
    body = b'{"title": "Course", "estimated_duration_minutes": ' + number + b"}"
    await world.refused("POST", f"{V1}/courses", 422, headers={**world.owner, **JSON}, content=body)
    body = b'{"title": "L", "content_type": "text", "duration_minutes": ' + number + b"}"
    url = f"{V1}/courses/{world.published['id']}/lessons"
    await world.refused("POST", url, 422, headers={**world.owner, **JSON}, content=body)


# -- numbers, lengths, enums, pages ------------------------------------------------------------------


@pytest.mark.parametrize("size", ["0", "101", "1000000000", "-1", "1e3", "abc", "99999999999999999999999"])
async def test_page_size_out_of_range_is_422(world: World, size: str) -> None:
    for url, headers in [
        (f"{V1}/courses", {}),
        (f"{V1}/courses/{world.published['id']}/lessons", {}),
        (f"{V1}/enrollments/my-courses", world.student),
        (f"{V1}/files", world.student),
        (f"{V1}/users", world.admin),
    ]:
        r = await world.refused("GET", f"{url}?page_size={size}", 422, headers=headers)
        assert loc(r) == [["query", "page_size"]]


@pytest.mark.parametrize("page", ["0", "-5", "18446744073709551617", "1000001"])
async def test_page_out_of_range_is_422(world: World, page: str) -> None:
    r = await world.refused("GET", f"{V1}/courses?page={page}", 422)
    assert loc(r) == [["query", "page"]]


@pytest.mark.parametrize("value", [-1, 2**31, 2**63, 2**64 + 1, 10**30, -(10**30), 1.5, "10", True])
async def test_negative_huge_or_mistyped_integers_are_422(world: World, value: Any) -> None:
    r = await world.refused(
        "POST",
        f"{V1}/courses",
        422,
        headers=world.owner,
        json={"title": "T", "estimated_duration_minutes": value},
    )
    assert loc(r) == [["body", "estimated_duration_minutes"]]
    url = f"{V1}/courses/{world.published['id']}/lessons"
    body = {"title": "L", "content_type": "text", "duration_minutes": value}
    await world.refused("POST", url, 422, headers=world.owner, json=body)
    await world.refused(
        "PATCH",
        f"{V1}/lessons/{world.lesson['id']}",
        422,
        headers=world.owner,
        json={"duration_minutes": value},
    )


@pytest.mark.parametrize(
    ("method", "path", "field", "length"),
    [
        ("POST", "/courses", "title", 256),
        ("POST", "/courses", "category", 10_000),
        ("POST", "/courses", "description", 200_000),
        ("POST", "/courses", "thumbnail_url", 5_000),
        ("PATCH", "/users/me", "full_name", 256),
    ],
)
async def test_overlong_strings_are_422(
    world: World, method: str, path: str, field: str, length: int
) -> None:
    body: dict[str, Any] = {"title": "T"} if path == "/courses" else {}
    body[field] = ("https://example.com/" if field.endswith("url") else "") + "x" * length
    headers = world.owner if path == "/courses" else world.student
    r = await world.refused(method, f"{V1}{path}", 422, headers=headers, json=body)
    assert loc(r) == [["body", field]]


async def test_overlong_query_text_is_422(world: World) -> None:
    await world.refused("GET", f"{V1}/courses?q={'x' * 10_000}", 422)
    await world.refused("GET", f"{V1}/users?q={'x' * 10_000}", 422, headers=world.admin)


async def test_unknown_enum_values_are_422(world: World) -> None:
    r = await world.refused(
        "POST", f"{V1}/courses", 422, headers=world.owner, json={"title": "T", "difficulty_level": "expert"}
    )
    assert loc(r) == [["body", "difficulty_level"]]
    url = f"{V1}/courses/{world.published['id']}/lessons"
    await world.refused("POST", url, 422, headers=world.owner, json={"title": "L", "content_type": "audio"})
    await world.refused(
        "PATCH",
        f"{V1}/lessons/{world.lesson['id']}",
        422,
        headers=world.owner,
        json={"content_type": "VIDEO"},
    )
    for query in ("difficulty_level=expert", "sort=popularity", "sort=-title"):
        await world.refused("GET", f"{V1}/courses?{query}", 422)
    await world.refused("GET", f"{V1}/users?role=superuser", 422, headers=world.admin)
    await world.refused(
        "PATCH", f"{V1}/users/{world.student_id}", 422, headers=world.admin, json={"role": "root"}
    )


# -- identifiers ---------------------------------------------------------------------------------------

NOT_UUIDS = ["not-a-uuid", "123", "00000000-0000-0000-0000-00000000000g", "%27%20OR%201%3D1--", "1.5"]


@pytest.mark.parametrize("bad", NOT_UUIDS)
async def test_ids_that_are_not_uuids_are_404_in_the_path(world: World, bad: str) -> None:
    """Decision: a path id that is not a UUID names nothing, so 404; in a body it is 422."""
    for method, path, headers in [
        ("GET", f"/courses/{bad}", {}),
        ("PATCH", f"/courses/{bad}", world.owner),
        ("DELETE", f"/courses/{bad}", world.owner),
        ("POST", f"/courses/{bad}/publish", world.owner),
        ("GET", f"/courses/{bad}/lessons", {}),
        ("GET", f"/lessons/{bad}", {}),
        ("DELETE", f"/lessons/{bad}", world.owner),
        ("GET", f"/enrollments/{bad}", world.student),
        ("POST", f"/enrollments/{bad}/lessons/{world.lesson['id']}/complete", world.student),
        ("POST", f"/enrollments/{world.enrollment['id']}/lessons/{bad}/complete", world.student),
        ("GET", f"/files/{bad}", world.student),
        ("DELETE", f"/files/{bad}", world.student),
        ("PATCH", f"/users/{bad}", world.admin),
    ]:
        kw: dict[str, Any] = {"json": {"title": "x"}} if method == "PATCH" else {}
        r = await world.refused(method, f"{V1}{path}", 404, headers=headers, **kw)
        assert r.json() == {"detail": "Not Found"}


@pytest.mark.parametrize("bad", ["not-a-uuid", "123", "", "00000000-0000-0000-0000-00000000000g"])
async def test_ids_that_are_not_uuids_are_422_in_a_body(world: World, bad: str) -> None:
    r = await world.refused("POST", f"{V1}/enrollments", 422, headers=world.student, json={"course_id": bad})
    assert loc(r) == [["body", "course_id"]]
    body = {"course_id": world.published["id"], "lesson_ids": [bad]}
    await world.refused("PATCH", f"{V1}/lessons/reorder", 422, headers=world.owner, json=body)


async def test_another_users_ids_are_404_on_every_resource(world: World) -> None:
    e, f, lesson = world.enrollment["id"], world.file["id"], world.lesson["id"]
    d, dl = world.draft["id"], world.draft_lesson["id"]
    cases: list[tuple[str, str, dict[str, str], dict[str, Any]]] = [
        # another student's enrollment and file
        ("GET", f"/enrollments/{e}", world.stranger, {}),
        ("POST", f"/enrollments/{e}/lessons/{lesson}/complete", world.stranger, {}),
        ("POST", f"/enrollments/{e}/lessons/{lesson}/complete", world.other, {}),
        ("GET", f"/files/{f}", world.stranger, {}),
        ("GET", f"/files/{f}/download", world.stranger, {}),
        ("DELETE", f"/files/{f}", world.stranger, {}),
        ("GET", f"/files/{f}", world.owner, {}),
        # another instructor's unpublished course and its lessons
        ("GET", f"/courses/{d}", world.other, {}),
        ("PATCH", f"/courses/{d}", world.other, {"json": {"title": "Mine now"}}),
        ("POST", f"/courses/{d}/publish", world.other, {}),
        ("DELETE", f"/courses/{d}", world.other, {}),
        ("GET", f"/courses/{d}/lessons", world.other, {}),
        ("POST", f"/courses/{d}/lessons", world.other, {"json": {"title": "L", "content_type": "text"}}),
        ("GET", f"/lessons/{dl}", world.student, {}),
        ("PATCH", f"/lessons/{dl}", world.other, {"json": {"title": "Renamed"}}),
        ("DELETE", f"/lessons/{dl}", world.other, {}),
        ("PATCH", "/lessons/reorder", world.other, {"json": {"course_id": d, "lesson_ids": [dl]}}),
        ("POST", "/enrollments", world.stranger, {"json": {"course_id": d}}),
        # ids that exist nowhere
        ("GET", f"/courses/{uuid.uuid4()}", world.admin, {}),
        ("PATCH", f"/users/{uuid.uuid4()}", world.admin, {"json": {"full_name": "Nobody"}}),
    ]
    for method, path, headers, kw in cases:
        await world.refused(method, f"{V1}{path}", 404, headers=headers, **kw)


async def test_a_student_gets_403_on_every_instructor_and_admin_endpoint(world: World) -> None:
    p, lesson = world.published["id"], world.lesson["id"]
    course = {"title": "Sneaky", "description": "d"}
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/courses", {"json": course}),
        ("GET", "/courses?mine=true", {}),
        ("PATCH", f"/courses/{p}", {"json": {"title": "Hijacked"}}),
        ("POST", f"/courses/{p}/publish", {}),
        ("DELETE", f"/courses/{p}", {}),
        ("POST", f"/courses/{p}/lessons", {"json": {"title": "L", "content_type": "text"}}),
        ("PATCH", f"/lessons/{lesson}", {"json": {"title": "Renamed"}}),
        ("DELETE", f"/lessons/{lesson}", {}),
        ("PATCH", "/lessons/reorder", {"json": {"course_id": p, "lesson_ids": [lesson]}}),
        ("GET", "/users", {}),
        ("GET", "/users?role=admin", {}),
        ("PATCH", f"/users/{world.student_id}", {"json": {"role": "admin"}}),
        ("PATCH", f"/users/{world.student_id}", {"json": {"is_active": False}}),
        ("POST", "/quizzes", {"json": {"course_id": p, "title": "Sneaky quiz"}}),
        ("GET", "/analytics/instructor", {}),
        ("GET", f"/analytics/courses/{p}/analytics", {}),
        ("GET", "/analytics/system", {}),
    ]
    for method, path, kw in cases:
        r = await world.refused(method, f"{V1}{path}", 403, headers=world.student, **kw)
        assert set(r.json()) == {"detail"}
    # the instructor (not admin) is refused the admin endpoints the same way
    await world.refused("GET", f"{V1}/users", 403, headers=world.owner)
    await world.refused(
        "PATCH", f"{V1}/users/{world.student_id}", 403, headers=world.owner, json={"role": "admin"}
    )


# -- fields nobody may set -----------------------------------------------------------------------------


async def test_role_and_flags_in_bodies_are_ignored(world: World) -> None:
    api, someone = world.api, str(uuid.uuid4())
    r = await api.client.post(
        f"{V1}/auth/register",
        json={
            "email": "climber@example.com", "password": PASSWORD, "full_name": "Climber",
            "role": "admin", "is_active": False, "id": someone, "mfa_enabled": True,
        },
    )  # fmt: skip
    assert r.status_code == 201, r.text
    climber = api.auth(r.json())
    me = (await api.client.get(f"{V1}/users/me", headers=climber)).json()
    assert (me["role"], me["is_active"], me["mfa_enabled"]) == ("student", True, False)
    assert me["id"] != someone

    r = await api.client.patch(
        f"{V1}/users/me",
        json={"full_name": "Still Student", "role": "admin", "is_active": False},
        headers=climber,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["role"], r.json()["is_active"], r.json()["full_name"]) == (
        "student",
        True,
        "Still Student",
    )

    other = (await api.client.get(f"{V1}/users/me", headers=world.other)).json()["id"]
    r = await api.client.post(
        f"{V1}/courses",
        json={
            "title": "Mine", "is_published": True, "instructor_id": other, "id": someone,
            "slug": "hijack", "created_at": "2000-01-01T00:00:00Z",
        },
        headers=world.owner,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    course = r.json()
    owner_id = (await api.client.get(f"{V1}/users/me", headers=world.owner)).json()["id"]
    assert (course["is_published"], course["instructor_id"], course["slug"]) == (False, owner_id, "mine")
    assert course["id"] != someone and not course["created_at"].startswith("2000")

    r = await api.client.patch(
        f"{V1}/courses/{course['id']}",
        json={"is_published": True, "instructor_id": other},
        headers=world.owner,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["is_published"], r.json()["instructor_id"]) == (False, owner_id)

    r = await api.client.post(
        f"{V1}/enrollments",
        json={
            "course_id": world.published["id"], "progress_percentage": 100, "score": 100,
            "completed_at": "2020-01-01T00:00:00Z", "student_id": other,
        },
        headers=climber,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    enrollment = r.json()
    assert (enrollment["completed_at"], enrollment["student_id"]) == (None, me["id"])
    r = await api.client.get(f"{V1}/enrollments/{enrollment['id']}", headers=climber)
    assert r.json()["progress_percentage"] == 0


# -- X-Forwarded-For -------------------------------------------------------------------------------------


def _peer_app(settings: Settings, proxies: str, limit: int) -> Litestar:
    import ipaddress

    s = dataclasses.replace(
        settings,
        rate_limit_auth=RateLimit(limit, 60),
        trusted_proxies=tuple(ipaddress.ip_network(n) for n in proxies.split(",") if n),
    )
    return create_app(s, Container(settings=s))


async def _logins(app: Litestar, peer: str, forwarded: list[str]) -> list[int]:
    transport = asgi_transport(app, client=(peer, 40000))
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"  # a fresh address: the lockout never trips
    codes = []
    async with httpx.AsyncClient(transport=transport, base_url="http://lms.test") as c:
        for hop in forwarded:
            r = await c.post(
                f"{V1}/auth/login",
                json={"email": email, "password": "Wrong-password-1"},
                headers={"X-Forwarded-For": hop},
            )
            codes.append(r.status_code)
    container = app.state.container
    if container.settings().redis_url:
        await container.redis().aclose()
    await container.engine().dispose()
    return codes


async def test_x_forwarded_for_is_not_trusted_unless_the_peer_is_a_trusted_proxy(world: World) -> None:
    # failed sign-ins are recorded in the audit log (that is its job); nothing else may change
    before = snapshot(world.settings, without=("audit_log",))
    spoofs = ["203.0.113.1", "203.0.113.2", "198.51.100.7, 203.0.113.3"]
    # no trusted proxies: every forged address counts as the same peer
    assert await _logins(_peer_app(world.settings, "", 2), "192.0.2.10", spoofs) == [401, 401, 429]
    # proxies are trusted, but this peer is not one of them
    assert await _logins(_peer_app(world.settings, "10.0.0.0/8", 2), "192.0.2.11", spoofs) == [401, 401, 429]
    # the peer is a trusted proxy: the forwarded address is the client (each its own counter)
    assert await _logins(_peer_app(world.settings, "10.0.0.0/8", 2), "10.0.0.5", spoofs) == [401, 401, 401]
    same = ["203.0.113.50"] * 3
    assert await _logins(_peer_app(world.settings, "10.0.0.0/8", 2), "10.0.0.6", same) == [401, 401, 429]
    assert snapshot(world.settings, without=("audit_log",)) == before


# -- SQL metacharacters --------------------------------------------------------------------------------

SQL_TEXT = ["'", "' OR '1'='1", "'; DROP TABLE courses; --", "%", "_", "\\", '"', "1) OR (1=1", "%%' --"]


@pytest.mark.parametrize("text", SQL_TEXT)
async def test_sql_metacharacters_in_q_and_category_match_literally(world: World, text: str) -> None:
    api = world.api
    special = await new_course(api, world.owner, title=f"Odd {text} title", category=f"cat {text}")
    await publish(api, world.owner, special["id"])
    before = snapshot(world.settings)
    for params in ({"q": text}, {"category": f"cat {text}"}, {"q": text, "category": f"cat {text}"}):
        r = await api.client.get(f"{V1}/courses", params=params)
        assert r.status_code == 200, (params, r.text)
        assert [c["id"] for c in r.json()["items"]] == [special["id"]], params
    r = await api.client.get(f"{V1}/users", params={"q": text}, headers=world.admin)
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 0
    assert snapshot(world.settings) == before


@pytest.mark.parametrize("sort", ["title; DROP TABLE courses", "title'", "created_at--", "1", "(select 1)"])
async def test_sql_metacharacters_in_sort_are_422(world: World, sort: str) -> None:
    r = await world.refused("GET", f"{V1}/courses", 422, params={"sort": sort})
    assert loc(r) == [["query", "sort"]]


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**40])
async def test_integers_beyond_64_bits_are_422_anywhere_in_a_body(world: World, value: int) -> None:
    """A safety net for every endpoint, bounded field or not: no such number reaches SQL."""
    body = {"title": "T", "unknown_field": [{"deep": value}]}
    r = await world.refused("POST", f"{V1}/courses", 422, headers=world.owner, json=body)
    assert r.json() == {
        "detail": [
            {
                "loc": ["body", "unknown_field", 0, "deep"],
                "msg": "Number is out of range",
                "type": "value_error",
            }
        ]
    }


@pytest.mark.parametrize(
    "url",
    ["https://a b.com", "https://x\x0f.com", "https://\u00e9t\u00e9.fr", "https:///path", "javascript:1"],
)
async def test_urls_that_are_not_http_uris_are_422(world: World, url: str) -> None:
    body = {"title": "L", "content_type": "video", "video_url": url}
    r = await world.refused(
        "POST", f"{V1}/courses/{world.published['id']}/lessons", 422, headers=world.owner, json=body
    )
    assert loc(r) == [["body", "video_url"]]
    body = {"title": "C", "thumbnail_url": url}
    await world.refused("POST", f"{V1}/courses", 422, headers=world.owner, json=body)


async def test_error_locations_keep_odd_keys_exactly(world: World) -> None:
    body = {"title": "T", "a.b": {"\u00b2": ["ok", "bad\x00"]}}
    r = await world.refused("POST", f"{V1}/courses", 422, headers=world.owner, json=body)
    assert loc(r) == [["body", "a.b", "\u00b2", 1]]
    body = {"\u00b3": "\x00", "code": "123456"}
    r = await world.refused("POST", f"{V1}/auth/mfa/verify", 422, headers=world.student, json=body)
    assert loc(r) == [["body", "\u00b3"]]

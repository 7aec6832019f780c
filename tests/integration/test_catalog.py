"""/courses and /lessons over HTTP: roles, visibility, slugs, lists, lessons, reorder, gating, cascades."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.integration.catalog_support import V1, Cast, cast, new_course, new_lesson, publish
from tests.integration.conftest import Api, json_body

__all__ = ["cast"]  # the fixture


async def test_create_course_answers_the_get_shape_and_ignores_forbidden_fields(api: Api, cast: Cast) -> None:
    me = (await api.client.get(f"{V1}/users/me", headers=cast.owner)).json()
    r = await api.client.post(
        f"{V1}/courses",
        headers=cast.owner,
        json={
            "title": "  Python Basics ",
            "description": "Learn",
            "category": "Programming",
            "difficulty_level": "beginner",
            "estimated_duration_minutes": 120,
            "thumbnail_url": "https://example.com/thumb.jpg",
            "is_published": True,
            "instructor_id": str(uuid.uuid4()),
            "id": str(uuid.uuid4()),
            "slug": "chosen",
        },
    )
    assert r.status_code == 201
    body = r.json()
    assert body["title"] == "Python Basics"
    assert (body["slug"], body["is_published"], body["instructor_id"]) == ("python-basics", False, me["id"])
    assert body["created_at"].endswith(("Z", "+00:00"))
    got = await api.client.get(f"{V1}/courses/{body['id']}", headers=cast.owner)
    assert got.status_code == 200
    assert {k: v for k, v in got.json().items() if k not in ("lessons", "staff")} == body
    assert got.json()["lessons"] == []


async def test_only_staff_create_courses(api: Api, cast: Cast) -> None:
    body = {"title": "Nope"}
    assert (await api.client.post(f"{V1}/courses", json=body, headers=cast.student)).status_code == 403
    assert (await api.client.post(f"{V1}/courses", json=body)).status_code == 401
    assert (await api.client.post(f"{V1}/courses", json=body, headers=cast.admin)).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "x" * 256},
        {"title": "T", "description": "x" * 10_001},
        {"title": "T", "category": "x" * 101},
        {"title": "T", "difficulty_level": "expert"},
        {"title": "T", "estimated_duration_minutes": -1},
        {"title": "T", "estimated_duration_minutes": 100_001},
        {"title": "T", "thumbnail_url": "javascript:alert(1)"},
        {"title": "T", "thumbnail_url": "ftp://example.com/x.png"},
        {"title": "T", "thumbnail_url": "http://"},
        {"title": "   "},
    ],
)
async def test_invalid_course_bodies_are_422(api: Api, cast: Cast, body: dict[str, Any]) -> None:
    r = await api.client.post(f"{V1}/courses", json=body, headers=cast.owner)
    assert r.status_code == 422, r.text
    assert isinstance(r.json()["detail"], list)


async def test_unpublished_course_is_seen_by_owner_and_admin_only(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    url = f"{V1}/courses/{course['id']}"
    for who in (cast.owner, cast.admin):
        assert (await api.client.get(url, headers=who)).status_code == 200
    for who in (cast.other, cast.student, cast.anonymous):
        r = await api.client.get(url, headers=who)
        assert (r.status_code, r.json()) == (404, {"detail": "Course not found"})
    await publish(api, cast.owner, course["id"])
    for who in (cast.owner, cast.admin, cast.other, cast.student, cast.anonymous):
        assert (await api.client.get(url, headers=who)).status_code == 200


async def test_writes_by_others_are_404_on_drafts_and_403_on_published(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    url = f"{V1}/courses/{course['id']}"

    async def writes(headers: dict[str, str]) -> list[int]:
        return [
            (await api.client.patch(url, json={"title": "Hijack"}, headers=headers)).status_code,
            (await api.client.post(f"{url}/publish", headers=headers)).status_code,
            (
                await api.client.post(
                    f"{url}/lessons", json={"title": "x", "content_type": "text"}, headers=headers
                )
            ).status_code,
            (await api.client.delete(url, headers=headers)).status_code,
        ]

    for who in (cast.other, cast.student):
        assert await writes(who) == [404, 404, 404, 404]
    assert await writes(cast.anonymous) == [401, 401, 401, 401]
    await publish(api, cast.owner, course["id"])
    for who in (cast.other, cast.student):
        assert await writes(who) == [403, 403, 403, 403]
    assert (await api.client.get(url)).json()["title"] == "Python Basics"


async def test_admin_may_edit_publish_and_delete_any_course(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    url = f"{V1}/courses/{course['id']}"
    r = await api.client.patch(url, json={"description": "By admin"}, headers=cast.admin)
    assert (r.status_code, r.json()["description"]) == (200, "By admin")
    assert (await api.client.post(f"{url}/publish", headers=cast.admin)).json()["is_published"] is True
    assert (await api.client.delete(url, headers=cast.admin)).status_code == 204
    assert (await api.client.get(url, headers=cast.admin)).status_code == 404


async def test_patch_changes_given_fields_only_and_never_publishes(api: Api, cast: Cast) -> None:
    course = await new_course(
        api, cast.owner, category="Programming", thumbnail_url="https://example.com/a.png"
    )
    url = f"{V1}/courses/{course['id']}"
    r = await api.client.patch(
        url,
        headers=cast.owner,
        json={"title": "Python Fundamentals", "is_published": True, "thumbnail_url": None, "slug": "x"},
    )
    body = r.json()
    assert r.status_code == 200
    assert (body["title"], body["description"], body["category"]) == (
        "Python Fundamentals",
        "Learn Python fundamentals",
        "Programming",
    )
    assert (body["thumbnail_url"], body["is_published"], body["slug"]) == (None, False, "python-basics")
    bad = await api.client.patch(url, headers=cast.owner, json={"difficulty_level": "guru"})
    assert bad.status_code == 422
    bad = await api.client.patch(url, headers=cast.owner, json={"thumbnail_url": "data:image/png;base64,xx"})
    assert bad.status_code == 422


async def test_slugs_are_unique_also_for_concurrent_creates(api: Api, cast: Cast) -> None:
    first = await new_course(api, cast.owner, title="Python Basics")
    second = await new_course(api, cast.other, title="python  basics!")
    assert (first["slug"], second["slug"]) == ("python-basics", "python-basics-2")
    results = await asyncio.gather(
        *(
            api.client.post(f"{V1}/courses", json={"title": "Data Science"}, headers=cast.owner)
            for _ in range(10)
        )
    )
    assert [r.status_code for r in results] == [201] * 10
    slugs = {r.json()["slug"] for r in results}
    assert slugs == {"data-science", *(f"data-science-{n}" for n in range(2, 11))}


async def test_list_visibility_per_role_and_mine(api: Api, cast: Cast) -> None:
    published = await new_course(api, cast.owner, title="Published")
    await publish(api, cast.owner, published["id"])
    draft = await new_course(api, cast.owner, title="Owner draft")
    other_draft = await new_course(api, cast.other, title="Other draft")

    async def titles(headers: dict[str, str], **params: Any) -> set[str]:
        r = await api.client.get(f"{V1}/courses", headers=headers, params=params)
        assert r.status_code == 200, r.text
        return {c["title"] for c in r.json()["items"]}

    assert await titles(cast.anonymous) == {"Published"}
    assert await titles(cast.student) == {"Published"}
    assert await titles(cast.owner) == {"Published", draft["title"]}
    assert await titles(cast.admin) == {"Published", draft["title"], other_draft["title"]}
    assert await titles(cast.owner, mine="true") == {"Published", "Owner draft"}
    assert await titles(cast.other, mine="true") == {"Other draft"}
    assert await titles(cast.admin, mine="true") == set()
    # a student has courses of their own only on a course's staff (none here)
    assert (
        await api.client.get(f"{V1}/courses", headers=cast.student, params={"mine": "true"})
    ).status_code == 403
    assert (await api.client.get(f"{V1}/courses", params={"mine": "true"})).status_code == 401


async def test_list_filters_search_sort_and_pages(api: Api, cast: Cast) -> None:
    specs = [
        ("Alpha Python", "beginner", "Programming", "plain"),
        ("beta Cooking", "advanced", "Food", "has 100% butter"),
        ("Gamma Python", "advanced", "Programming", "under_score"),
    ]
    for title, level, category, description in specs:
        c = await new_course(
            api, cast.owner, title=title, difficulty_level=level, category=category, description=description
        )
        await publish(api, cast.owner, c["id"])

    async def listed(**params: Any) -> dict[str, Any]:
        r = await api.client.get(f"{V1}/courses", params=params)
        assert r.status_code == 200, r.text
        return json_body(r)

    assert [c["title"] for c in (await listed(sort="title"))["items"]] == [
        "Alpha Python",
        "beta Cooking",
        "Gamma Python",
    ]
    in_creation_order = ["Alpha Python", "beta Cooking", "Gamma Python"]
    assert [c["title"] for c in (await listed(sort="created_at"))["items"]] == in_creation_order
    assert [c["title"] for c in (await listed(sort="-created_at"))["items"]] == in_creation_order[::-1]
    assert [c["title"] for c in (await listed())["items"]] == in_creation_order[::-1]
    assert [c["title"] for c in (await listed(difficulty_level="advanced", sort="title"))["items"]] == [
        "beta Cooking",
        "Gamma Python",
    ]
    assert {c["title"] for c in (await listed(category="Programming"))["items"]} == {
        "Alpha Python",
        "Gamma Python",
    }
    assert {c["title"] for c in (await listed(q="PYTHON"))["items"]} == {"Alpha Python", "Gamma Python"}
    assert [c["title"] for c in (await listed(q="100%"))["items"]] == ["beta Cooking"]
    assert (await listed(q="%"))["total"] == 1  # a literal percent sign, not a wildcard
    assert [c["title"] for c in (await listed(q="_"))["items"]] == ["Gamma Python"]
    page = await listed(page_size=2, page=2, sort="title")
    assert (page["total"], page["page"], page["page_size"], page["pages"]) == (3, 2, 2, 2)
    assert [c["title"] for c in page["items"]] == ["Gamma Python"]
    assert (await listed(page=9))["items"] == []
    for params in (
        {"page_size": 0},
        {"page_size": 101},
        {"page": 0},
        {"sort": "price"},
        {"difficulty_level": "expert"},
        {"q": "x" * 256},
    ):
        bad = await api.client.get(f"{V1}/courses", params=params)
        assert bad.status_code == 422, params
        assert isinstance(bad.json()["detail"], list)


async def test_lessons_get_order_and_outline(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    made = [
        await new_lesson(api, cast.owner, course["id"], title=f"L{n}", duration_minutes=n)
        for n in range(1, 4)
    ]
    assert [v["order"] for v in made] == [1, 2, 3]
    assert made[0]["is_preview"] is False
    detail = (await api.client.get(f"{V1}/courses/{course['id']}", headers=cast.owner)).json()
    assert detail["lessons"] == [
        {
            "id": v["id"],
            "title": v["title"],
            "order": v["order"],
            "duration_minutes": v["duration_minutes"],
            "locked": False,
        }
        for v in made
    ]
    got = await api.client.get(f"{V1}/lessons/{made[0]['id']}", headers=cast.owner)
    assert got.json() == made[0]
    r = await api.client.get(
        f"{V1}/courses/{course['id']}/lessons", headers=cast.owner, params={"page_size": 2}
    )
    body = r.json()
    assert (body["total"], body["pages"], [v["title"] for v in body["items"]]) == (3, 2, ["L1", "L2"])
    for params in ({"page_size": 0}, {"page_size": 101}):
        assert (
            await api.client.get(f"{V1}/courses/{course['id']}/lessons", params=params, headers=cast.owner)
        ).status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x", "content_type": "podcast"},
        {"title": "", "content_type": "text"},
        {"title": "x", "content_type": "video", "video_url": "file:///etc/passwd"},
        {"title": "x", "content_type": "text", "duration_minutes": -5},
        {"title": "x", "content_type": "text", "content": "x" * 100_001},
        {"content_type": "text"},
    ],
)
async def test_invalid_lesson_bodies_are_422(api: Api, cast: Cast, body: dict[str, Any]) -> None:
    course = await new_course(api, cast.owner)
    r = await api.client.post(f"{V1}/courses/{course['id']}/lessons", json=body, headers=cast.owner)
    assert r.status_code == 422, r.text


async def test_lesson_writes_follow_course_rules(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    lesson = await new_lesson(api, cast.owner, course["id"])
    url = f"{V1}/lessons/{lesson['id']}"
    for who in (cast.other, cast.student, cast.anonymous):
        assert (await api.client.get(url, headers=who)).status_code == 404
    for who in (cast.other, cast.student):
        assert (await api.client.patch(url, json={"title": "x"}, headers=who)).status_code == 404
        assert (await api.client.delete(url, headers=who)).status_code == 404
    await publish(api, cast.owner, course["id"])
    assert (await api.client.get(url)).status_code == 200
    for who in (cast.other, cast.student):
        assert (await api.client.patch(url, json={"title": "x"}, headers=who)).status_code == 403
        assert (await api.client.delete(url, headers=who)).status_code == 403
    r = await api.client.patch(
        url, json={"title": "Renamed", "order": 9, "is_preview": True}, headers=cast.admin
    )
    assert (r.status_code, r.json()["title"], r.json()["order"], r.json()["is_preview"]) == (
        200,
        "Renamed",
        1,
        True,
    )
    assert (
        await api.client.patch(url, json={"content_type": "hologram"}, headers=cast.owner)
    ).status_code == 422
    missing = f"{V1}/lessons/{uuid.uuid4()}"
    assert (await api.client.get(missing)).status_code == 404
    assert (await api.client.patch(missing, json={"title": "x"}, headers=cast.owner)).status_code == 404


async def test_content_is_gated(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    locked = await new_lesson(
        api,
        cast.owner,
        course["id"],
        content_type="video",
        video_url="https://v.example/1",
        content="members only",
    )
    preview = await new_lesson(
        api, cast.owner, course["id"], title="Preview", content="free", is_preview=True
    )
    await publish(api, cast.owner, course["id"])
    enrolled = api.auth(await api.register())
    assert (
        await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=enrolled)
    ).status_code == 201

    async def seen(headers: dict[str, str]) -> list[tuple[str | None, str | None]]:
        listed = (await api.client.get(f"{V1}/courses/{course['id']}/lessons", headers=headers)).json()[
            "items"
        ]
        single = [
            (await api.client.get(f"{V1}/lessons/{v['id']}", headers=headers)).json()
            for v in (locked, preview)
        ]
        assert [(v["content"], v["video_url"]) for v in listed] == [
            (v["content"], v["video_url"]) for v in single
        ]
        return [(v["content"], v["video_url"]) for v in listed]

    full = [("members only", "https://v.example/1"), ("free", None)]
    for who in (cast.owner, cast.admin, enrolled):
        assert await seen(who) == full
    for who in (cast.anonymous, cast.student, cast.other):
        assert await seen(who) == [(None, None), ("free", None)]


async def test_delete_lesson_closes_the_gap(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    made = [await new_lesson(api, cast.owner, course["id"], title=f"L{n}") for n in range(1, 5)]
    assert (await api.client.delete(f"{V1}/lessons/{made[1]['id']}", headers=cast.owner)).status_code == 204
    items = (await api.client.get(f"{V1}/courses/{course['id']}/lessons", headers=cast.owner)).json()["items"]
    assert [(v["title"], v["order"]) for v in items] == [("L1", 1), ("L3", 2), ("L4", 3)]
    nxt = await new_lesson(api, cast.owner, course["id"], title="L5")
    assert nxt["order"] == 4
    assert (await api.client.get(f"{V1}/lessons/{made[1]['id']}", headers=cast.owner)).status_code == 404


async def test_reorder(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    other_course = await new_course(api, cast.owner, title="Other")
    a, b, c = [(await new_lesson(api, cast.owner, course["id"], title=t))["id"] for t in "ABC"]
    foreign = (await new_lesson(api, cast.owner, other_course["id"]))["id"]

    async def reorder(
        ids: list[str], headers: dict[str, str] = cast.owner, course_id: str = course["id"]
    ) -> Any:
        return await api.client.patch(
            f"{V1}/lessons/reorder", json={"course_id": course_id, "lesson_ids": ids}, headers=headers
        )

    r = await reorder([c, a, b])
    body = r.json()
    assert r.status_code == 200, r.text
    assert [(v["id"], v["order"]) for v in body["items"]] == [(c, 1), (a, 2), (b, 3)]
    assert (body["total"], body["page"], body["pages"]) == (3, 1, 1)
    listed = (await api.client.get(f"{V1}/courses/{course['id']}/lessons", headers=cast.owner)).json()[
        "items"
    ]
    assert [v["id"] for v in listed] == [c, a, b]
    for ids in (
        [c, a],
        [c, a, b, foreign],
        [c, a, foreign],
        [c, a, a],
        [c, a, b, b],
        [],
        [c, a, str(uuid.uuid4())],
    ):
        bad = await reorder(ids)
        assert bad.status_code == 400, ids
        assert isinstance(bad.json()["detail"], str)
    listed = (await api.client.get(f"{V1}/courses/{course['id']}/lessons", headers=cast.owner)).json()[
        "items"
    ]
    assert [v["id"] for v in listed] == [c, a, b]
    assert (await reorder([a, b, c], cast.other)).status_code == 404
    assert (await reorder([a, b, c], cast.anonymous)).status_code == 401
    assert (await reorder([a, b, c], course_id=str(uuid.uuid4()))).status_code == 404
    await publish(api, cast.owner, course["id"])
    assert (await reorder([a, b, c], cast.other)).status_code == 403
    assert (await reorder([a, b, c], cast.admin)).status_code == 200
    bad = await api.client.patch(
        f"{V1}/lessons/reorder", json={"course_id": "nope", "lesson_ids": []}, headers=cast.owner
    )
    assert bad.status_code == 422


async def test_deleting_a_course_removes_lessons_and_enrollments(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    lesson = await new_lesson(api, cast.owner, course["id"])
    await publish(api, cast.owner, course["id"])
    r = await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=cast.student)
    enrollment = r.json()["id"]
    done = await api.client.post(
        f"{V1}/enrollments/{enrollment}/lessons/{lesson['id']}/complete", headers=cast.student
    )
    assert done.status_code == 200
    assert (await api.client.delete(f"{V1}/courses/{course['id']}", headers=cast.owner)).status_code == 204
    assert (await api.client.get(f"{V1}/courses/{course['id']}", headers=cast.owner)).status_code == 404
    assert (await api.client.get(f"{V1}/lessons/{lesson['id']}", headers=cast.owner)).status_code == 404
    assert (await api.client.get(f"{V1}/enrollments/{enrollment}", headers=cast.student)).status_code == 404
    mine = (await api.client.get(f"{V1}/enrollments/my-courses", headers=cast.student)).json()
    assert (mine["items"], mine["total"]) == ([], 0)
    again = await api.client.delete(f"{V1}/courses/{course['id']}", headers=cast.owner)
    assert again.status_code == 404


async def test_openapi_documents_each_status(api: Api) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    expected = {
        ("get", "/api/v1/courses"): {"200", "401", "403", "422"},
        ("post", "/api/v1/courses"): {"201", "401", "403", "422"},
        ("get", "/api/v1/courses/{course_id}"): {"200", "401", "404"},
        ("patch", "/api/v1/courses/{course_id}"): {"200", "401", "403", "404", "422"},
        ("post", "/api/v1/courses/{course_id}/publish"): {"200", "401", "403", "404"},
        ("delete", "/api/v1/courses/{course_id}"): {"204", "401", "403", "404"},
        ("get", "/api/v1/courses/{course_id}/lessons"): {"200", "401", "404", "422"},
        ("post", "/api/v1/courses/{course_id}/lessons"): {"201", "401", "403", "404", "422"},
        ("get", "/api/v1/lessons/{lesson_id}"): {"200", "401", "404"},
        ("patch", "/api/v1/lessons/{lesson_id}"): {"200", "401", "403", "404", "422"},
        ("delete", "/api/v1/lessons/{lesson_id}"): {"204", "401", "403", "404"},
        ("patch", "/api/v1/lessons/reorder"): {"200", "400", "401", "403", "404", "422"},
        ("post", "/api/v1/enrollments"): {"201", "401", "404", "409", "422"},
        ("get", "/api/v1/enrollments/my-courses"): {"200", "401", "422"},
        ("get", "/api/v1/enrollments/{enrollment_id}"): {"200", "401", "404"},
        ("post", "/api/v1/enrollments/{enrollment_id}/lessons/{lesson_id}/complete"): {
            "200",
            "401",
            "403",
            "404",
        },
    }
    for (method, path), statuses in expected.items():
        documented = set(paths[path][method]["responses"])
        assert statuses <= documented, (method, path, statuses - documented)

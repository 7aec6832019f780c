"""Course staff over HTTP through the real app, on SQLite and on PostgreSQL + Redis: managing the
staff, what co-instructors and teaching assistants may do across the areas (the SQL that finds
their courses included), and racing changes of one course's staff."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.integration.catalog_support import V1, Cast, cast, new_course, new_lesson, publish
from tests.integration.conftest import Api

__all__ = ["cast"]  # the fixture

ROUNDS = 3


async def me(api: Api, headers: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = (await api.client.get(f"{V1}/users/me", headers=headers)).json()
    return body


async def add(api: Api, by: dict[str, str], course_id: str, user_id: str, role: str) -> Any:
    return await api.client.post(
        f"{V1}/courses/{course_id}/staff", json={"user_id": user_id, "role": role}, headers=by
    )


async def test_the_owner_and_admins_manage_the_staff(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    url = f"{V1}/courses/{course['id']}/staff"
    co_account = await api.user_with_role("instructor")
    co, co_id = api.auth(co_account), (await me(api, api.auth(co_account)))["id"]
    ta_account = await api.register(full_name="Tina Assistant")
    ta, ta_id = api.auth(ta_account), (await me(api, api.auth(ta_account)))["id"]
    r = await add(api, cast.owner, course["id"], co_id, "co_instructor")
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"user_id", "full_name", "email", "role", "added_at"}
    assert (r.json()["user_id"], r.json()["role"], r.json()["email"]) == (
        co_id,
        "co_instructor",
        co_account["email"],
    )
    r = await add(api, cast.admin, course["id"], ta_id, "teaching_assistant")
    assert r.status_code == 201, r.text
    # refusals: already on it or the owner 409; unknown user 404; a bad role 422
    assert (await add(api, cast.owner, course["id"], ta_id, "co_instructor")).status_code == 409
    owner_id = (await me(api, cast.owner))["id"]
    assert (await add(api, cast.owner, course["id"], owner_id, "co_instructor")).status_code == 409
    r = await add(api, cast.owner, course["id"], str(uuid.uuid4()), "co_instructor")
    assert (r.status_code, r.json()) == (404, {"detail": "User not found"})
    assert (await add(api, cast.owner, course["id"], co_id, "dean")).status_code == 422
    # staff may not manage the staff: 403 (they see the draft); strangers 404; anonymous 401
    newcomer = (await me(api, api.auth(await api.register())))["id"]
    for staff in (co, ta):
        assert (await add(api, staff, course["id"], newcomer, "teaching_assistant")).status_code == 403
        assert (await api.client.delete(f"{url}/{newcomer}", headers=staff)).status_code == 403
    for stranger in (cast.other, cast.student):
        assert (await add(api, stranger, course["id"], newcomer, "teaching_assistant")).status_code == 404
    assert (
        await api.client.post(url, json={"user_id": newcomer, "role": "co_instructor"})
    ).status_code == 401
    # the list: owner, staff, admins; in the order they were added; paged
    for reader in (cast.owner, co, ta, cast.admin):
        page = (await api.client.get(url, headers=reader)).json()
        assert [(m["user_id"], m["role"]) for m in page["items"]] == [
            (co_id, "co_instructor"),
            (ta_id, "teaching_assistant"),
        ]
        assert (page["total"], page["pages"]) == (2, 1)
    assert (await api.client.get(url, headers=cast.student)).status_code == 404  # a draft
    await publish(api, cast.owner, course["id"])
    assert (await api.client.get(url, headers=cast.student)).status_code == 403  # a published course
    # the course page names them, without their email, to everyone who sees it
    shown = (await api.client.get(f"{V1}/courses/{course['id']}")).json()
    assert shown["staff"] == [
        {"user_id": co_id, "full_name": "Instructor", "role": "co_instructor"},
        {"user_id": ta_id, "full_name": "Tina Assistant", "role": "teaching_assistant"},
    ]
    # removing: 204, then 404
    assert (await api.client.delete(f"{url}/{ta_id}", headers=cast.owner)).status_code == 204
    assert (await api.client.delete(f"{url}/{ta_id}", headers=cast.owner)).status_code == 404
    assert [m["user_id"] for m in (await api.client.get(f"{V1}/courses/{course['id']}")).json()["staff"]] == [
        co_id
    ]
    # an inactive user cannot join
    r = await api.client.patch(f"{V1}/users/{ta_id}", json={"is_active": False}, headers=cast.admin)
    assert r.status_code == 200, r.text
    assert (await add(api, cast.owner, course["id"], ta_id, "teaching_assistant")).status_code == 404


async def test_co_instructors_edit_teaching_assistants_read(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner, title="Draft Course")
    lesson = await new_lesson(api, cast.owner, course["id"])
    co = api.auth(await api.user_with_role("instructor"))
    ta = api.auth(await api.register())
    await add(api, cast.owner, course["id"], (await me(api, co))["id"], "co_instructor")
    await add(api, cast.owner, course["id"], (await me(api, ta))["id"], "teaching_assistant")
    quiz_body = {
        "course_id": course["id"],
        "title": "Check",
        "questions": [
            {
                "question_text": "2+2?",
                "question_type": "multiple_choice",
                "options": ["3", "4"],
                "correct_answer": "4",
            }
        ],
    }
    # the co-instructor edits the draft everywhere
    r = await api.client.patch(f"{V1}/courses/{course['id']}", json={"description": "By co"}, headers=co)
    assert r.status_code == 200, r.text
    r = await api.client.patch(f"{V1}/lessons/{lesson['id']}", json={"title": "Renamed"}, headers=co)
    assert r.status_code == 200, r.text
    r = await api.client.post(f"{V1}/quizzes", json=quiz_body, headers=co)
    assert r.status_code == 201, r.text
    quiz_id = r.json()["id"]
    # the teaching assistant sees the draft, the content and the answers, and changes nothing
    assert (await api.client.get(f"{V1}/courses/{course['id']}", headers=ta)).status_code == 200
    got = await api.client.get(f"{V1}/lessons/{lesson['id']}", headers=ta)
    assert got.json()["content"] == "secret words"
    quiz = (await api.client.get(f"{V1}/quizzes/{quiz_id}", headers=ta)).json()
    assert quiz["questions"][0]["correct_answer"] == "4"
    for method, url, body in (
        ("PATCH", f"{V1}/courses/{course['id']}", {"title": "No"}),
        ("POST", f"{V1}/courses/{course['id']}/publish", None),
        ("PATCH", f"{V1}/lessons/{lesson['id']}", {"title": "No"}),
        ("POST", f"{V1}/courses/{course['id']}/lessons", {"title": "No", "content_type": "text"}),
        ("PATCH", f"{V1}/quizzes/{quiz_id}", {"title": "No"}),
        ("POST", f"{V1}/quizzes", quiz_body),
        ("DELETE", f"{V1}/courses/{course['id']}", None),
    ):
        r = await api.client.request(method, url, json=body, headers=ta)
        assert r.status_code == 403, (method, url, r.text)
    # only the owner and admins delete the course
    r = await api.client.delete(f"{V1}/courses/{course['id']}", headers=co)
    assert r.status_code == 403
    # mine, lists, analytics: staff courses count as theirs
    for staff in (co, ta):
        mine = (await api.client.get(f"{V1}/courses", params={"mine": "true"}, headers=staff)).json()
        assert [c["id"] for c in mine["items"]] == [course["id"]]
        listed = (await api.client.get(f"{V1}/courses", headers=staff)).json()
        assert course["id"] in [c["id"] for c in listed["items"]]  # the draft shows to its staff
        r = await api.client.get(f"{V1}/analytics/courses/{course['id']}/analytics", headers=staff)
        assert r.status_code == 200, r.text
    report = (await api.client.get(f"{V1}/analytics/instructor", headers=co)).json()
    assert [c["course_id"] for c in report["courses"]] == [course["id"]]
    assert report["total_courses"] == 1
    assert (await api.client.get(f"{V1}/courses", params={"mine": "true"}, headers=cast.other)).json()[
        "total"
    ] == 0


async def test_staff_read_enrollments_and_attempts_but_issue_no_certificate(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    lesson = await new_lesson(api, cast.owner, course["id"])
    await publish(api, cast.owner, course["id"])
    ta = api.auth(await api.register())
    await add(api, cast.owner, course["id"], (await me(api, ta))["id"], "teaching_assistant")
    r = await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=cast.student)
    enrollment_id = r.json()["id"]
    url = f"{V1}/enrollments/{enrollment_id}"
    assert (
        await api.client.post(f"{url}/lessons/{lesson['id']}/complete", headers=cast.student)
    ).status_code == 200
    assert (await api.client.get(url, headers=ta)).status_code == 200
    assert (await api.client.get(url, headers=cast.other)).status_code == 404
    r = await api.client.post(
        f"{V1}/certificates/generate", json={"enrollment_id": enrollment_id}, headers=ta
    )
    assert r.status_code == 403, r.text


async def test_racing_changes_to_one_staff_leave_one_row_each(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    url = f"{V1}/courses/{course['id']}/staff"
    for n in range(ROUNDS):
        user_id = (await me(api, api.auth(await api.register())))["id"]
        adds = await asyncio.gather(
            *(
                add(api, by, course["id"], user_id, "teaching_assistant")
                for by in [cast.owner, cast.admin] * 4
            )
        )
        assert sorted(r.status_code for r in adds) == [201] + [409] * 7, f"round {n}"
        removes = await asyncio.gather(
            *(api.client.delete(f"{url}/{user_id}", headers=by) for by in [cast.owner, cast.admin] * 4)
        )
        assert sorted(r.status_code for r in removes) == [204] + [404] * 7, f"round {n}"
        assert user_id not in [
            m["user_id"] for m in (await api.client.get(url, headers=cast.owner)).json()["items"]
        ]

"""/enrollments over HTTP: enrolling, concurrency, my-courses, visibility and completing lessons."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.integration.catalog_support import V1, Cast, cast, new_course, new_lesson, publish
from tests.integration.conftest import Api, json_body

__all__ = ["cast"]  # the fixture


async def course_with_lessons(
    api: Api, cast: Cast, n: int, title: str = "Python Basics"
) -> tuple[str, list[str]]:
    course = await new_course(api, cast.owner, title=title)
    lessons = [(await new_lesson(api, cast.owner, course["id"], title=f"L{i}"))["id"] for i in range(n)]
    await publish(api, cast.owner, course["id"])
    return course["id"], lessons


async def enroll(api: Api, headers: dict[str, str], course_id: str) -> Any:
    return await api.client.post(f"{V1}/enrollments", json={"course_id": course_id}, headers=headers)


async def test_enroll_answers_201_once_then_409(api: Api, cast: Cast) -> None:
    course_id, _ = await course_with_lessons(api, cast, 1)
    me = (await api.client.get(f"{V1}/users/me", headers=cast.student)).json()
    r = await enroll(api, cast.student, course_id)
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"id", "course_id", "student_id", "enrolled_at", "completed_at"}
    assert (body["course_id"], body["student_id"], body["completed_at"]) == (course_id, me["id"], None)
    again = await enroll(api, cast.student, course_id)
    assert (again.status_code, again.json()) == (409, {"detail": "Already enrolled in this course"})
    # instructors and admins may enroll too; the body's student_id is never taken
    r = await api.client.post(
        f"{V1}/enrollments",
        json={"course_id": course_id, "student_id": str(uuid.uuid4())},
        headers=cast.other,
    )
    assert r.status_code == 201
    assert r.json()["student_id"] != me["id"]


async def test_enroll_needs_a_token_and_a_published_course(api: Api, cast: Cast) -> None:
    draft = await new_course(api, cast.owner)
    assert (await enroll(api, {}, draft["id"])).status_code == 401
    for who in (cast.student, cast.owner, cast.admin):
        r = await enroll(api, who, draft["id"])
        assert (r.status_code, r.json()) == (404, {"detail": "Course not found"})
    assert (await enroll(api, cast.student, str(uuid.uuid4()))).status_code == 404
    assert (await enroll(api, cast.student, "not-a-uuid")).status_code == 422
    r = await api.client.post(f"{V1}/enrollments", json={}, headers=cast.student)
    assert r.status_code == 422


async def test_ten_concurrent_enrollments_give_one_201_and_nine_409(api: Api, cast: Cast) -> None:
    course_id, _ = await course_with_lessons(api, cast, 1)
    results = await asyncio.gather(*(enroll(api, cast.student, course_id) for _ in range(10)))
    assert sorted(r.status_code for r in results) == [201] + [409] * 9
    mine = (await api.client.get(f"{V1}/enrollments/my-courses", headers=cast.student)).json()
    assert mine["total"] == 1


async def test_progress_and_completion(api: Api, cast: Cast) -> None:
    course_id, lessons = await course_with_lessons(api, cast, 3)
    enrollment = (await enroll(api, cast.student, course_id)).json()["id"]

    async def complete(lesson_id: str, headers: dict[str, str] = cast.student) -> Any:
        return await api.client.post(
            f"{V1}/enrollments/{enrollment}/lessons/{lesson_id}/complete", headers=headers
        )

    async def detail() -> dict[str, Any]:
        r = await api.client.get(f"{V1}/enrollments/{enrollment}", headers=cast.student)
        assert r.status_code == 200
        return json_body(r)

    assert ((await detail())["progress_percentage"], (await detail())["completed_lesson_ids"]) == (0, [])
    first = await complete(lessons[1])
    assert first.status_code == 200
    assert set(first.json()) == {"id", "lesson_id", "completed", "completed_at"}
    assert (first.json()["lesson_id"], first.json()["completed"]) == (lessons[1], True)
    again = await complete(lessons[1])
    assert (again.status_code, again.json()) == (200, first.json())
    d = await detail()
    assert (d["progress_percentage"], d["completed_lesson_ids"], d["completed_at"]) == (
        33,
        [lessons[1]],
        None,
    )
    await complete(lessons[0])
    assert (await detail())["progress_percentage"] == 67
    last = await complete(lessons[2])
    d = await detail()
    assert (d["progress_percentage"], d["completed_lesson_ids"]) == (100, lessons)
    assert d["completed_at"] == last.json()["completed_at"]
    mine = (await api.client.get(f"{V1}/enrollments/my-courses", headers=cast.student)).json()["items"]
    assert (mine[0]["progress_percentage"], mine[0]["completed_at"]) == (100, d["completed_at"])


async def test_completing_checks_who_and_which_lesson(api: Api, cast: Cast) -> None:
    course_id, lessons = await course_with_lessons(api, cast, 2)
    other_course, other_lessons = await course_with_lessons(api, cast, 1, title="Other")
    enrollment = (await enroll(api, cast.student, course_id)).json()["id"]
    url = f"{V1}/enrollments/{enrollment}/lessons"
    r = await api.client.post(f"{url}/{other_lessons[0]}/complete", headers=cast.student)
    assert (r.status_code, r.json()) == (404, {"detail": "Lesson not found"})
    assert (await api.client.post(f"{url}/{uuid.uuid4()}/complete", headers=cast.student)).status_code == 404
    stranger = api.auth(await api.register())
    assert (await api.client.post(f"{url}/{lessons[0]}/complete", headers=stranger)).status_code == 404
    assert (await api.client.post(f"{url}/{lessons[0]}/complete", headers=cast.other)).status_code == 404
    for who in (cast.owner, cast.admin):  # they may see the enrollment, not act for the student
        assert (await api.client.post(f"{url}/{lessons[0]}/complete", headers=who)).status_code == 403
    assert (await api.client.post(f"{url}/{lessons[0]}/complete")).status_code == 401
    missing = await api.client.post(
        f"{V1}/enrollments/{uuid.uuid4()}/lessons/{lessons[0]}/complete", headers=cast.student
    )
    assert missing.status_code == 404
    d = (await api.client.get(f"{V1}/enrollments/{enrollment}", headers=cast.student)).json()
    assert d["completed_lesson_ids"] == []
    assert other_course


async def test_enrollment_is_seen_by_student_owner_and_admin_only(api: Api, cast: Cast) -> None:
    course_id, _ = await course_with_lessons(api, cast, 1)
    enrollment = (await enroll(api, cast.student, course_id)).json()["id"]
    url = f"{V1}/enrollments/{enrollment}"
    for who in (cast.student, cast.owner, cast.admin):
        r = await api.client.get(url, headers=who)
        assert (r.status_code, r.json()["id"]) == (200, enrollment)
    stranger = api.auth(await api.register())
    for who in (cast.other, stranger):
        r = await api.client.get(url, headers=who)
        assert (r.status_code, r.json()) == (404, {"detail": "Enrollment not found"})
    assert (await api.client.get(url)).status_code == 401


async def test_my_courses_pages_with_progress(api: Api, cast: Cast) -> None:
    ids = []
    for n in range(3):
        course_id, lessons = await course_with_lessons(api, cast, 2, title=f"Course {n}")
        enrollment = (await enroll(api, cast.student, course_id)).json()["id"]
        for lesson in lessons[:n]:
            await api.client.post(
                f"{V1}/enrollments/{enrollment}/lessons/{lesson}/complete", headers=cast.student
            )
        ids.append(course_id)
    empty_id, _ = await course_with_lessons(api, cast, 0, title="Empty")
    await enroll(api, cast.student, empty_id)
    r = await api.client.get(f"{V1}/enrollments/my-courses", headers=cast.student, params={"page_size": 10})
    body = r.json()
    assert (r.status_code, body["total"], body["pages"]) == (200, 4, 1)
    progress = {item["course"]["title"]: item["progress_percentage"] for item in body["items"]}
    assert progress == {"Course 0": 0, "Course 1": 50, "Course 2": 100, "Empty": 0}
    item = body["items"][0]
    assert set(item) == {"id", "course", "enrolled_at", "completed_at", "progress_percentage"}
    assert {"id", "title", "slug", "thumbnail_url"} <= set(item["course"])
    page = (
        await api.client.get(
            f"{V1}/enrollments/my-courses", headers=cast.student, params={"page_size": 3, "page": 2}
        )
    ).json()
    assert (len(page["items"]), page["pages"]) == (1, 2)
    for params in ({"page_size": 0}, {"page_size": 101}, {"page": 0}):
        assert (
            await api.client.get(f"{V1}/enrollments/my-courses", headers=cast.student, params=params)
        ).status_code == 422
    assert (await api.client.get(f"{V1}/enrollments/my-courses")).status_code == 401
    other = (await api.client.get(f"{V1}/enrollments/my-courses", headers=cast.other)).json()
    assert other["total"] == 0


async def test_deleting_a_lesson_keeps_progress_consistent(api: Api, cast: Cast) -> None:
    course_id, lessons = await course_with_lessons(api, cast, 3)
    enrollment = (await enroll(api, cast.student, course_id)).json()["id"]
    for lesson in lessons[:2]:
        await api.client.post(
            f"{V1}/enrollments/{enrollment}/lessons/{lesson}/complete", headers=cast.student
        )
    assert (await api.client.delete(f"{V1}/lessons/{lessons[0]}", headers=cast.owner)).status_code == 204
    d = (await api.client.get(f"{V1}/enrollments/{enrollment}", headers=cast.student)).json()
    assert (d["completed_lesson_ids"], d["progress_percentage"], d["total_lessons"]) == ([lessons[1]], 50, 2)

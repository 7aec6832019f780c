"""Analytics over HTTP on both stacks: every endpoint, every role, exact figures after a
scenario built through the API."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from tests.integration.catalog_support import V1, Cast, cast, new_course, new_lesson, publish
from tests.integration.conftest import Api

__all__ = ["cast"]  # the fixture

QUESTIONS: list[dict[str, Any]] = [
    {
        "question_text": "2 + 2?",
        "question_type": "multiple_choice",
        "options": ["3", "4"],
        "correct_answer": "4",
        "points": 2,
    },
    {
        "question_text": "Python is typed dynamically.",
        "question_type": "true_false",
        "correct_answer": "true",
        "points": 1,
    },
]
"""3 points: all right 100, only the first 66.67."""


async def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def me(api: Api, headers: dict[str, str]) -> str:
    return str((await _ok(await api.client.get(f"{V1}/users/me", headers=headers)))["id"])


@dataclass
class World:
    course_id: str
    draft_id: str
    lessons: list[str]
    quiz_id: str
    learner: dict[str, str]  # completes the course, two submitted attempts
    slow: dict[str, str]  # one lesson, one open attempt


async def build(api: Api, cast: Cast) -> World:
    c = api.client
    course = await new_course(api, cast.owner, title="Python Basics")
    draft = await new_course(api, cast.owner, title="Draft")
    l1 = await new_lesson(api, cast.owner, course["id"], title="One", duration_minutes=10)
    l2 = await new_lesson(api, cast.owner, course["id"], title="Two", duration_minutes=20)
    l3 = await new_lesson(api, cast.owner, course["id"], title="Three", duration_minutes=30)
    await publish(api, cast.owner, course["id"])
    quiz = await _ok(
        await c.post(
            f"{V1}/quizzes",
            json={"course_id": course["id"], "title": "Check", "questions": QUESTIONS},
            headers=cast.owner,
        ),
        201,
    )
    await _ok(await c.post(f"{V1}/quizzes/{quiz['id']}/publish", headers=cast.owner))
    question_ids = [q["id"] for q in quiz["questions"]]

    learner, slow = cast.student, api.auth(await api.register())
    enrolled = {}
    for who in (learner, slow):
        body = {"course_id": course["id"]}
        enrolled[id(who)] = await _ok(await c.post(f"{V1}/enrollments", json=body, headers=who), 201)
    for who, lessons in ((learner, (l1, l2, l3)), (slow, (l1,))):
        for lesson in lessons:
            url = f"{V1}/enrollments/{enrolled[id(who)]['id']}/lessons/{lesson['id']}/complete"
            await _ok(await c.post(url, headers=who))
    for answers in (["4", "true"], ["4", "false"]):
        attempt = await _ok(await c.post(f"{V1}/quizzes/{quiz['id']}/attempts", headers=learner), 201)
        body = {
            "answers": [{"question_id": q, "answer": a} for q, a in zip(question_ids, answers, strict=True)]
        }
        await _ok(await c.post(f"{V1}/attempts/{attempt['id']}/submit", json=body, headers=learner))
    await _ok(await c.post(f"{V1}/quizzes/{quiz['id']}/attempts", headers=slow), 201)  # left open
    body = {"enrollment_id": enrolled[id(learner)]["id"]}
    await _ok(await c.post(f"{V1}/certificates/generate", json=body, headers=learner), 201)
    # deleting a lesson deletes its completions; the completed enrollment stays completed
    assert (await c.delete(f"{V1}/lessons/{l3['id']}", headers=cast.owner)).status_code == 204
    return World(course["id"], draft["id"], [l1["id"], l2["id"]], quiz["id"], learner, slow)


async def test_exact_figures_after_a_scenario(api: Api, cast: Cast) -> None:
    w = await build(api, cast)
    c = api.client
    assert await _ok(await c.get(f"{V1}/analytics/student", headers=w.learner)) == {
        "courses_enrolled": 1,
        "courses_completed": 1,
        "total_lessons_completed": 2,
        "quizzes_taken": 1,
        "average_quiz_score": 83.34,  # (100 + 66.67) / 2 = 83.335, rounded half up
        "learning_time_minutes": 30,
    }
    assert await _ok(await c.get(f"{V1}/analytics/student", headers=w.slow)) == {
        "courses_enrolled": 1,
        "courses_completed": 0,
        "total_lessons_completed": 1,
        "quizzes_taken": 0,  # the open attempt does not count
        "average_quiz_score": None,
        "learning_time_minutes": 10,
    }
    owner_id = await me(api, cast.owner)
    expected_instructor = {
        "instructor_id": owner_id,
        "total_courses": 2,
        "published_courses": 1,
        "total_enrollments": 2,
        "total_students": 2,
        "completion_rate": 50.0,
        "average_quiz_score": 83.34,
        "courses": [
            {
                "course_id": w.course_id,
                "title": "Python Basics",
                "enrollments": 2,
                "completions": 1,
                "average_progress": 75.0,
            },
            {
                "course_id": w.draft_id,
                "title": "Draft",
                "enrollments": 0,
                "completions": 0,
                "average_progress": None,
            },
        ],
    }
    assert await _ok(await c.get(f"{V1}/analytics/instructor", headers=cast.owner)) == expected_instructor
    as_admin = await c.get(
        f"{V1}/analytics/instructor", params={"instructor_id": owner_id}, headers=cast.admin
    )
    assert await _ok(as_admin) == expected_instructor
    expected_course = {
        "course_id": w.course_id,
        "enrollments": 2,
        "completions": 1,
        "completion_rate": 50.0,
        "average_progress": 75.0,  # (2/2 + 1/2) / 2
        "lessons": [
            {"lesson_id": w.lessons[0], "title": "One", "completions": 2},
            {"lesson_id": w.lessons[1], "title": "Two", "completions": 1},
        ],
        "quizzes": [
            {"quiz_id": w.quiz_id, "title": "Check", "attempts": 2, "average_score": 83.34, "pass_rate": 50.0}
        ],
    }
    url = f"{V1}/analytics/courses/{w.course_id}/analytics"
    for who in (cast.owner, cast.admin):
        assert await _ok(await c.get(url, headers=who)) == expected_course
    assert await _ok(await c.get(f"{V1}/analytics/system", headers=cast.admin)) == {
        "total_users": 5,
        "users_by_role": {"student": 2, "instructor": 2, "admin": 1},
        "active_users_30d": 5,
        "total_courses": 2,
        "published_courses": 1,
        "total_enrollments": 2,
        "total_certificates": 1,
        "total_quiz_attempts": 2,
    }


async def test_who_may_read_which_analytics(api: Api, cast: Cast) -> None:
    c = api.client
    course = await new_course(api, cast.owner)
    course_url = f"{V1}/analytics/courses/{course['id']}/analytics"
    missing_url = f"{V1}/analytics/courses/{uuid.uuid4()}/analytics"
    for path in ("student", "instructor", "system"):
        assert (await c.get(f"{V1}/analytics/{path}")).status_code == 401
    assert (await c.get(course_url)).status_code == 401
    for who in (cast.student, cast.owner, cast.other, cast.admin):
        assert (await c.get(f"{V1}/analytics/student", headers=who)).status_code == 200
    r = await c.get(f"{V1}/analytics/instructor", headers=cast.student)
    assert (r.status_code, r.json()) == (403, {"detail": "Requires the instructor or admin role"})
    for who in (cast.student, cast.owner, cast.other):
        assert (await c.get(f"{V1}/analytics/system", headers=who)).status_code == 403
    for who in (cast.student, cast.other):
        assert (await c.get(course_url, headers=who)).status_code == 403
    for who in (cast.owner, cast.admin):
        assert (await c.get(course_url, headers=who)).status_code == 200
        assert (await c.get(missing_url, headers=who)).status_code == 404
    owner_id = await me(api, cast.owner)
    r = await c.get(f"{V1}/analytics/instructor", params={"instructor_id": owner_id}, headers=cast.other)
    assert r.status_code == 403
    r = await c.get(f"{V1}/analytics/instructor", params={"instructor_id": owner_id}, headers=cast.owner)
    assert (r.status_code, r.json()["total_courses"]) == (200, 1)
    r = await c.get(
        f"{V1}/analytics/instructor", params={"instructor_id": str(uuid.uuid4())}, headers=cast.admin
    )
    assert r.status_code == 404
    r = await c.get(f"{V1}/analytics/instructor", params={"instructor_id": "nope"}, headers=cast.admin)
    assert r.status_code == 422
    admins_own = await _ok(await c.get(f"{V1}/analytics/instructor", headers=cast.admin))
    assert (admins_own["total_courses"], admins_own["completion_rate"], admins_own["courses"]) == (
        0,
        None,
        [],
    )


async def test_course_without_enrollments_reports_nulls(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    r = await api.client.get(f"{V1}/analytics/courses/{course['id']}/analytics", headers=cast.owner)
    assert await _ok(r) == {
        "course_id": course["id"],
        "enrollments": 0,
        "completions": 0,
        "completion_rate": None,
        "average_progress": None,
        "lessons": [],
        "quizzes": [],
    }


async def test_openapi_documents_the_statuses(api: Api) -> None:
    paths = (await _ok(await api.client.get("/openapi.json")))["paths"]
    statuses = {
        "/api/v1/analytics/student": {"200", "401"},
        "/api/v1/analytics/instructor": {"200", "401", "403", "404", "422"},
        "/api/v1/analytics/courses/{course_id}/analytics": {"200", "401", "403", "404"},
        "/api/v1/analytics/system": {"200", "401", "403"},
    }
    for path, expected in statuses.items():
        assert expected <= set(paths[path]["get"]["responses"]), path


async def _counted(api: Api) -> None:
    """Every report counter equals its recount from the rows (``reconcile_database`` says how many
    differed; it rewrites the same values)."""
    from lms_adapters.sql.counters import reconcile_database

    assert api.settings is not None
    assert await asyncio.to_thread(reconcile_database, api.settings.database_url) == 0


async def test_the_counters_follow_every_write_through_the_api(api: Api, cast: Cast) -> None:
    """Enrollments, completions to a course's completion, submitted and open attempts, a
    certificate and a lesson's deletion (``build``), then a role change, an erasure and the
    deletions of a quiz and of a course with everything in it."""
    c = api.client
    w = await build(api, cast)
    await _counted(api)
    slow_id = await me(api, w.slow)
    learner_id = await me(api, w.learner)
    r = await c.patch(f"{V1}/users/{learner_id}", json={"role": "instructor"}, headers=cast.admin)
    assert r.status_code == 200, r.text
    await _counted(api)
    assert (await c.post(f"{V1}/users/{slow_id}/erase", headers=cast.admin)).status_code == 204
    await _counted(api)
    assert (await c.delete(f"{V1}/quizzes/{w.quiz_id}", headers=cast.owner)).status_code == 204
    await _counted(api)
    assert (await c.delete(f"{V1}/courses/{w.course_id}", headers=cast.owner)).status_code == 204
    await _counted(api)
    system = await _ok(await c.get(f"{V1}/analytics/system", headers=cast.admin))
    assert (system["total_enrollments"], system["total_certificates"]) == (0, 1)


async def test_writes_at_once_wait_on_no_counter_into_a_deadlock(api: Api, cast: Cast) -> None:
    """32 students enroll at once, then each completes the course's lessons and submits a quiz, all
    at once: every request succeeds (a deadlock would answer 503) and the counters are exact."""
    c = api.client
    course = await new_course(api, cast.owner, title="Crowded")
    lessons = [await new_lesson(api, cast.owner, course["id"], title=f"L{n}") for n in range(2)]
    await publish(api, cast.owner, course["id"])
    body = {"course_id": course["id"], "title": "Check", "questions": QUESTIONS}
    quiz = await _ok(await c.post(f"{V1}/quizzes", json=body, headers=cast.owner), 201)
    await _ok(await c.post(f"{V1}/quizzes/{quiz['id']}/publish", headers=cast.owner))
    students = [api.auth(await api.register()) for _ in range(32)]
    enrolled = await asyncio.gather(
        *(c.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=who) for who in students)
    )
    assert [r.status_code for r in enrolled] == [201] * 32, [r.text for r in enrolled if r.status_code != 201]

    async def learn(who: dict[str, str], enrollment_id: str) -> list[int]:
        done = [
            await c.post(f"{V1}/enrollments/{enrollment_id}/lessons/{lesson['id']}/complete", headers=who)
            for lesson in lessons
        ]
        attempt = await c.post(f"{V1}/quizzes/{quiz['id']}/attempts", headers=who)
        answers = [{"question_id": q["id"], "answer": "4"} for q in quiz["questions"]]
        submitted = await c.post(
            f"{V1}/attempts/{attempt.json()['id']}/submit", json={"answers": answers}, headers=who
        )
        return [r.status_code for r in (*done, attempt, submitted)]

    codes = await asyncio.gather(
        *(learn(who, r.json()["id"]) for who, r in zip(students, enrolled, strict=True))
    )
    assert codes == [[200, 200, 201, 200]] * 32
    await _counted(api)
    report = await _ok(await c.get(f"{V1}/analytics/courses/{course['id']}/analytics", headers=cast.owner))
    assert (report["enrollments"], report["completions"]) == (32, 32)

"""Release rules and prerequisites over HTTP through the real app, on SQLite and on PostgreSQL +
Redis: the fields and every refusal, what each role sees, 409 on a locked lesson and on a quiz
attached to one, unlocking, the cleanup when a named lesson or quiz is deleted, enrolling behind
prerequisites, and racing requests that must never leave a dangling id, a cycle, or answers that
contradict each other."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.integration.catalog_support import V1, Cast, cast, new_course, new_lesson, publish
from tests.integration.conftest import Api, json_body

__all__ = ["cast"]  # the fixture

ROUNDS = 4
QUESTION = {
    "question_text": "2 + 2?",
    "question_type": "multiple_choice",
    "options": ["3", "4"],
    "correct_answer": "4",
}
QUESTIONS = 4  # one point each: 0, 25, 50, 75 or 100


async def me(api: Api, headers: dict[str, str]) -> str:
    user_id: str = (await api.client.get(f"{V1}/users/me", headers=headers)).json()["id"]
    return user_id


async def new_quiz(api: Api, by: dict[str, str], course_id: str, lesson_id: str | None = None) -> str:
    body = {
        "course_id": course_id,
        "title": "Check",
        "lesson_id": lesson_id,
        "questions": [QUESTION] * QUESTIONS,
    }
    r = await api.client.post(f"{V1}/quizzes", json=body, headers=by)
    assert r.status_code == 201, r.text
    quiz_id: str = r.json()["id"]
    r = await api.client.post(f"{V1}/quizzes/{quiz_id}/publish", headers=by)
    assert r.status_code == 200, r.text
    return quiz_id


def rule(*lessons: dict[str, Any], quiz_id: str | None = None, min_score: float = 50) -> dict[str, Any]:
    return {
        "after_lessons": [v["id"] for v in lessons],
        "after_quiz": None if quiz_id is None else {"quiz_id": quiz_id, "min_score": min_score},
    }


async def patch_rule(api: Api, by: dict[str, str], lesson_id: str, value: Any) -> httpx.Response:
    return await api.client.patch(f"{V1}/lessons/{lesson_id}", json={"release_rule": value}, headers=by)


@dataclass
class School:
    """A published course with three lessons (the last a preview), a published quiz, a
    co-instructor, a teaching assistant, an enrolled student and a student who is not."""

    course: dict[str, Any]
    lessons: list[dict[str, Any]]
    quiz_id: str
    co: dict[str, str]
    ta: dict[str, str]
    enrolled: dict[str, str]
    enrollment_id: str

    async def complete(
        self, api: Api, lesson: dict[str, Any], who: dict[str, str] | None = None
    ) -> httpx.Response:
        url = f"{V1}/enrollments/{self.enrollment_id}/lessons/{lesson['id']}/complete"
        return await api.client.post(url, headers=who or self.enrolled)

    async def attempt(self, api: Api, right: int, quiz_id: str | None = None) -> httpx.Response:
        """Start an attempt and, when it starts, submit it with ``right`` right answers."""
        r = await api.client.post(f"{V1}/quizzes/{quiz_id or self.quiz_id}/attempts", headers=self.enrolled)
        if r.status_code != 201:
            return r
        answers = [
            {"question_id": q["id"], "answer": "4" if n < right else "3"}
            for n, q in enumerate(r.json()["questions"])
        ]
        r = await api.client.post(
            f"{V1}/attempts/{r.json()['id']}/submit", json={"answers": answers}, headers=self.enrolled
        )
        assert r.status_code == 200, r.text
        return r


async def school(api: Api, cast: Cast) -> School:
    course = await new_course(api, cast.owner)
    lessons = [
        await new_lesson(
            api, cast.owner, course["id"], title=f"L{n}", video_url="https://v.example/x", is_preview=n == 2
        )
        for n in range(3)
    ]
    quiz_id = await new_quiz(api, cast.owner, course["id"])
    co, ta = api.auth(await api.user_with_role("instructor")), api.auth(await api.register())
    for headers, role in ((co, "co_instructor"), (ta, "teaching_assistant")):
        r = await api.client.post(
            f"{V1}/courses/{course['id']}/staff",
            json={"user_id": await me(api, headers), "role": role},
            headers=cast.owner,
        )
        assert r.status_code == 201, r.text
    await publish(api, cast.owner, course["id"])
    enrolled = api.auth(await api.register())
    r = await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=enrolled)
    assert r.status_code == 201, r.text
    return School(course, lessons, quiz_id, co, ta, enrolled, r.json()["id"])


async def views(api: Api, s: School, who: dict[str, str]) -> list[tuple[bool, str | None, str | None]]:
    """(locked, content, video_url) of each lesson in the list, after checking that the course page
    and each lesson read alone say the same."""
    listed = (await api.client.get(f"{V1}/courses/{s.course['id']}/lessons", headers=who)).json()["items"]
    outline = (await api.client.get(f"{V1}/courses/{s.course['id']}", headers=who)).json()["lessons"]
    assert [v["locked"] for v in outline] == [v["locked"] for v in listed]
    for v in listed:
        alone = (await api.client.get(f"{V1}/lessons/{v['id']}", headers=who)).json()
        assert alone == v
    return [(v["locked"], v["content"], v["video_url"]) for v in listed]


# --- the field ------------------------------------------------------------------------------------


async def test_release_rule_is_set_on_create_replaced_by_patch_and_removed_by_null(
    api: Api, cast: Cast
) -> None:
    s = await school(api, cast)
    a, b, _ = s.lessons
    assert (a["release_rule"], a["locked"]) == (None, False)
    r = await api.client.post(
        f"{V1}/courses/{s.course['id']}/lessons",
        json={
            "title": "Gated",
            "content_type": "text",
            "release_rule": rule(b, a, quiz_id=s.quiz_id, min_score=62.5),
        },
        headers=cast.owner,
    )
    assert r.status_code == 201, r.text
    gated = json_body(r)
    assert gated["release_rule"] == {
        "after_lessons": [b["id"], a["id"]],  # the order given
        "after_quiz": {"quiz_id": s.quiz_id, "min_score": 62.5},
    }
    assert gated["locked"] is False
    r = await patch_rule(api, s.co, gated["id"], {"after_quiz": {"quiz_id": s.quiz_id, "min_score": 80}})
    assert r.status_code == 200, r.text
    assert r.json()["release_rule"] == {
        "after_lessons": [],
        "after_quiz": {"quiz_id": s.quiz_id, "min_score": 80},
    }
    r = await api.client.patch(f"{V1}/lessons/{gated['id']}", json={"title": "Renamed"}, headers=cast.owner)
    assert r.json()["release_rule"]["after_quiz"]["min_score"] == 80  # left out: kept
    r = await patch_rule(api, cast.admin, gated["id"], {"after_lessons": [a["id"]]})
    assert r.json()["release_rule"] == {"after_lessons": [a["id"]], "after_quiz": None}
    assert (await patch_rule(api, cast.owner, gated["id"], None)).json()["release_rule"] is None
    r = await patch_rule(api, cast.owner, gated["id"], {"after_lessons": [], "after_quiz": None})
    assert (r.status_code, r.json()["release_rule"]) == (200, None)  # naming nothing: no rule
    got = await api.client.get(f"{V1}/lessons/{gated['id']}", headers=cast.student)
    assert (got.json()["release_rule"], got.json()["locked"]) == (None, False)
    # teaching assistants, other instructors and students change no rule
    assert (await patch_rule(api, s.ta, gated["id"], rule(a))).status_code == 403
    assert (await patch_rule(api, cast.other, gated["id"], rule(a))).status_code == 403
    assert (await patch_rule(api, s.enrolled, gated["id"], rule(a))).status_code == 403


@pytest.mark.parametrize(
    "case",
    [
        "unknown lesson",
        "lesson of another course",
        "the lesson itself",
        "a lesson twice",
        "more than 100 lessons",
        "not a uuid",
        "unknown quiz",
        "quiz of another course",
        "min_score below 0",
        "min_score above 100",
        "min_score not a number",
        "min_score missing",
        "lessons waiting for each other",
        "the lesson's own quiz",
    ],
)
async def test_each_bad_rule_is_422_and_changes_nothing(api: Api, cast: Cast, case: str) -> None:
    s = await school(api, cast)
    a, b, c = s.lessons
    other = await new_course(api, cast.owner, title="Other")
    foreign_lesson = await new_lesson(api, cast.owner, other["id"])
    foreign_quiz = await new_quiz(api, cast.owner, other["id"])
    assert (await patch_rule(api, cast.owner, a["id"], rule(b))).status_code == 200
    attached = await new_quiz(api, cast.owner, s.course["id"], lesson_id=b["id"])
    bodies: dict[str, tuple[Any, list[str | int]]] = {
        "unknown lesson": ({"after_lessons": [str(uuid.uuid4())]}, ["after_lessons"]),
        "lesson of another course": ({"after_lessons": [c["id"], foreign_lesson["id"]]}, ["after_lessons"]),
        "the lesson itself": ({"after_lessons": [b["id"]]}, ["after_lessons"]),
        "a lesson twice": ({"after_lessons": [c["id"], c["id"]]}, ["after_lessons"]),
        "more than 100 lessons": (
            {"after_lessons": [str(uuid.uuid4()) for _ in range(101)]},
            ["after_lessons"],
        ),
        "not a uuid": ({"after_lessons": ["nope"]}, ["after_lessons", 0]),
        "unknown quiz": (rule(quiz_id=str(uuid.uuid4())), ["after_quiz", "quiz_id"]),
        "quiz of another course": (rule(quiz_id=foreign_quiz), ["after_quiz", "quiz_id"]),
        "min_score below 0": (rule(quiz_id=s.quiz_id, min_score=-1), ["after_quiz", "min_score"]),
        "min_score above 100": (rule(quiz_id=s.quiz_id, min_score=100.5), ["after_quiz", "min_score"]),
        "min_score not a number": (
            {"after_quiz": {"quiz_id": s.quiz_id, "min_score": "80"}},
            ["after_quiz", "min_score"],
        ),
        "min_score missing": ({"after_quiz": {"quiz_id": s.quiz_id}}, ["after_quiz", "min_score"]),
        "lessons waiting for each other": (rule(a), []),  # b -> a -> b
        "the lesson's own quiz": (rule(quiz_id=attached), []),  # b waits for a quiz that waits for b
    }
    body, where = bodies[case]
    before = (await api.client.get(f"{V1}/lessons/{b['id']}", headers=cast.owner)).json()
    r = await patch_rule(api, cast.owner, b["id"], body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "release_rule", *where]
    assert (await api.client.get(f"{V1}/lessons/{b['id']}", headers=cast.owner)).json() == before
    r = await api.client.post(
        f"{V1}/courses/{s.course['id']}/lessons",
        json={"title": "New", "content_type": "text", "release_rule": body},
        headers=cast.owner,
    )
    if case not in ("the lesson itself", "lessons waiting for each other", "the lesson's own quiz"):
        assert r.status_code == 422, r.text  # a new lesson cannot be named yet: those three are fine
    listed = (await api.client.get(f"{V1}/courses/{s.course['id']}/lessons", headers=cast.owner)).json()
    assert listed["total"] == (3 if r.status_code == 422 else 4)


# --- who is locked out --------------------------------------------------------------------------


async def test_only_enrolled_students_are_locked_out(api: Api, cast: Cast) -> None:
    s = await school(api, cast)
    a, b, preview = s.lessons
    for gated in (b, preview):
        assert (await patch_rule(api, cast.owner, gated["id"], rule(a))).status_code == 200
    material = ("secret words", "https://v.example/x")
    full = (False, *material)
    # the enrolled student: both locked, even the preview (a rule overrides is_preview)
    assert await views(api, s, s.enrolled) == [full, (True, None, None), (True, None, None)]
    # everyone else keeps the usual visibility: locked never
    assert await views(api, s, cast.student) == [(False, None, None), (False, None, None), full]
    assert await views(api, s, cast.anonymous) == [(False, None, None), (False, None, None), full]
    assert await views(api, s, cast.other) == [(False, None, None), (False, None, None), full]
    for staff in (cast.owner, s.co, s.ta, cast.admin):
        assert await views(api, s, staff) == [full, full, full]
    # staff and admins enrolled themselves are never locked out either
    for staff in (s.ta, cast.admin):
        r = await api.client.post(f"{V1}/enrollments", json={"course_id": s.course["id"]}, headers=staff)
        assert r.status_code == 201, r.text
        assert await views(api, s, staff) == [full, full, full]
        url = f"{V1}/enrollments/{r.json()['id']}/lessons/{b['id']}/complete"
        assert (await api.client.post(url, headers=staff)).status_code == 200


async def test_locked_lessons_and_their_quizzes_answer_409_until_the_rule_is_met(
    api: Api, cast: Cast
) -> None:
    s = await school(api, cast)
    a, b, c = s.lessons
    attached = await new_quiz(api, cast.owner, s.course["id"], lesson_id=c["id"])
    assert (await patch_rule(api, cast.owner, b["id"], rule(a))).status_code == 200
    assert (
        await patch_rule(api, cast.owner, c["id"], rule(a, b, quiz_id=s.quiz_id, min_score=75))
    ).status_code == 200
    r = await s.complete(api, b)
    assert (r.status_code, r.json()) == (409, {"detail": "Lesson is locked"})
    r = await s.attempt(api, QUESTIONS, quiz_id=attached)
    assert (r.status_code, r.json()) == (409, {"detail": "The lesson of this quiz is locked"})
    assert [v[0] for v in await views(api, s, s.enrolled)] == [False, True, True]
    assert (await s.complete(api, a)).status_code == 200
    assert [v[0] for v in await views(api, s, s.enrolled)] == [False, False, True]
    assert (await s.complete(api, b)).status_code == 200
    assert (await s.complete(api, c)).status_code == 409  # both parts: the quiz is not passed yet
    assert (await s.attempt(api, 2)).json()["score"] == 50
    assert [v[0] for v in await views(api, s, s.enrolled)] == [False, False, True]
    assert (await s.attempt(api, 3)).json()["score"] == 75  # min_score is reached: inclusive
    assert await views(api, s, s.enrolled) == [(False, "secret words", "https://v.example/x")] * 3
    assert (await s.attempt(api, QUESTIONS, quiz_id=attached)).status_code == 200
    assert (await s.complete(api, c)).status_code == 200
    enrollment = (await api.client.get(f"{V1}/enrollments/{s.enrollment_id}", headers=s.enrolled)).json()
    assert (enrollment["progress_percentage"], enrollment["completed_at"] is not None) == (100, True)


async def test_deleting_a_named_lesson_or_quiz_removes_it_from_the_rule(api: Api, cast: Cast) -> None:
    s = await school(api, cast)
    a, b, c = s.lessons
    assert (await patch_rule(api, cast.owner, c["id"], rule(a, b, quiz_id=s.quiz_id))).status_code == 200
    assert (await patch_rule(api, cast.owner, b["id"], rule(a))).status_code == 200
    assert (await api.client.delete(f"{V1}/lessons/{a['id']}", headers=cast.owner)).status_code == 204
    shown = {
        v["title"]: v["release_rule"]
        for v in (await api.client.get(f"{V1}/courses/{s.course['id']}/lessons")).json()["items"]
    }
    assert shown == {"L1": None, "L2": rule(b, quiz_id=s.quiz_id)}  # b's rule had nothing else: removed
    assert (await api.client.delete(f"{V1}/quizzes/{s.quiz_id}", headers=cast.owner)).status_code == 204
    got = (await api.client.get(f"{V1}/lessons/{c['id']}", headers=s.enrolled)).json()
    assert (got["release_rule"], got["locked"]) == (rule(b), True)
    assert (await s.complete(api, b)).status_code == 200
    assert (await api.client.get(f"{V1}/lessons/{c['id']}", headers=s.enrolled)).json()["locked"] is False
    assert (await api.client.delete(f"{V1}/lessons/{b['id']}", headers=cast.owner)).status_code == 204
    assert (await api.client.get(f"{V1}/lessons/{c['id']}", headers=cast.owner)).json()[
        "release_rule"
    ] is None


# --- prerequisites --------------------------------------------------------------------------------


async def course_with_lesson(
    api: Api, by: dict[str, str], title: str, **fields: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    course = await new_course(api, by, title=title, **fields)
    lesson = await new_lesson(api, by, course["id"])
    await publish(api, by, course["id"])
    return course, lesson


async def finish(api: Api, who: dict[str, str], course: dict[str, Any], lesson: dict[str, Any]) -> None:
    r = await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=who)
    assert r.status_code == 201, r.text
    done = await api.client.post(
        f"{V1}/enrollments/{r.json()['id']}/lessons/{lesson['id']}/complete", headers=who
    )
    assert done.status_code == 200, done.text


async def enroll(api: Api, who: dict[str, str], course: dict[str, Any]) -> httpx.Response:
    return await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=who)


async def test_prerequisites_are_set_shown_and_refused_when_bad(api: Api, cast: Cast) -> None:
    first, _ = await course_with_lesson(api, cast.owner, "First")
    second, _ = await course_with_lesson(api, cast.owner, "Second")
    hidden = await new_course(api, cast.other, title="Someone else's draft")
    r = await api.client.post(
        f"{V1}/courses",
        json={"title": "Next", "prerequisite_course_ids": [second["id"], first["id"]]},
        headers=cast.owner,
    )
    assert r.status_code == 201, r.text
    course = json_body(r)
    assert course["prerequisite_course_ids"] == [second["id"], first["id"]]
    assert first["prerequisite_course_ids"] == []
    url = f"{V1}/courses/{course['id']}"
    assert (await api.client.get(url, headers=cast.owner)).json()["prerequisite_course_ids"] == [
        second["id"],
        first["id"],
    ]
    for bad in (
        [str(uuid.uuid4())],
        [course["id"]],
        [first["id"], first["id"]],
        [hidden["id"]],
        [str(uuid.uuid4()) for _ in range(101)],
        None,
        ["nope"],
    ):
        r = await api.client.patch(url, json={"prerequisite_course_ids": bad}, headers=cast.owner)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["detail"][0]["loc"][:2] == ["body", "prerequisite_course_ids"]
    r = await api.client.patch(
        f"{V1}/courses/{first['id']}", json={"prerequisite_course_ids": [course["id"]]}, headers=cast.owner
    )
    assert (r.status_code, r.json()["detail"][0]["loc"]) == (
        422,
        ["body", "prerequisite_course_ids"],
    )  # a cycle
    r = await api.client.post(
        f"{V1}/courses", json={"title": "X", "prerequisite_course_ids": [hidden["id"]]}, headers=cast.owner
    )
    assert r.status_code == 422
    r = await api.client.patch(url, json={"prerequisite_course_ids": [first["id"]]}, headers=cast.owner)
    assert (r.status_code, r.json()["prerequisite_course_ids"]) == (200, [first["id"]])
    await publish(api, cast.owner, course["id"])
    listed = (await api.client.get(f"{V1}/courses", params={"page_size": 100})).json()["items"]
    assert {c["id"]: c["prerequisite_course_ids"] for c in listed}[course["id"]] == [first["id"]]
    assert (await api.client.get(url)).json()["prerequisite_course_ids"] == [first["id"]]  # anonymous too


async def test_enrolling_waits_for_prerequisites_and_a_deleted_one_no_longer_counts(
    api: Api, cast: Cast
) -> None:
    first, first_lesson = await course_with_lesson(api, cast.owner, "First")
    second, _ = await course_with_lesson(api, cast.owner, "Second")
    course, _ = await course_with_lesson(
        api, cast.owner, "Next", prerequisite_course_ids=[first["id"], second["id"]]
    )
    learner = cast.student
    r = await enroll(api, learner, course)
    assert (r.status_code, r.json()) == (409, {"detail": "Prerequisites not met"})
    await finish(api, learner, first, first_lesson)
    assert (await enroll(api, learner, second)).status_code == 201  # enrolled, not completed: not met
    r = await enroll(api, learner, course)
    assert (r.status_code, r.json()) == (409, {"detail": "Prerequisites not met"})
    mine = (await api.client.get(f"{V1}/enrollments/my-courses", headers=learner)).json()
    assert course["id"] not in [e["course"]["id"] for e in mine["items"]]  # nothing kept
    assert (await api.client.delete(f"{V1}/courses/{second['id']}", headers=cast.owner)).status_code == 204
    shown = (await api.client.get(f"{V1}/courses/{course['id']}")).json()
    assert shown["prerequisite_course_ids"] == [first["id"]]
    r = await enroll(api, learner, course)
    assert r.status_code == 201, r.text
    r = await enroll(api, learner, course)
    assert (r.status_code, r.json()) == (409, {"detail": "Already enrolled in this course"})
    other = api.auth(await api.register())
    assert (await enroll(api, other, course)).status_code == 409
    await finish(api, other, first, first_lesson)
    assert (await enroll(api, other, course)).status_code == 201


async def test_openapi_documents_the_fields_and_statuses(api: Api) -> None:
    doc = (await api.client.get("/openapi.json")).json()
    paths, schemas = doc["paths"], doc["components"]["schemas"]
    assert {"409", "422"} <= set(paths[f"{V1}/enrollments"]["post"]["responses"])
    assert (
        "409"
        in paths[f"{V1}/enrollments/{{enrollment_id}}/lessons/{{lesson_id}}/complete"]["post"]["responses"]
    )
    assert "409" in paths[f"{V1}/quizzes/{{quiz_id}}/attempts"]["post"]["responses"]
    writes = [
        (f"{V1}/courses", "post"),
        (f"{V1}/courses/{{course_id}}", "patch"),
        (f"{V1}/courses/{{course_id}}/lessons", "post"),
        (f"{V1}/lessons/{{lesson_id}}", "patch"),
    ]
    for path, method in writes:
        assert "422" in paths[path][method]["responses"], (path, method)
    assert {"release_rule", "locked"} <= set(schemas["LessonOut"]["required"])
    assert "locked" in schemas["LessonOutlineOut"]["required"]
    assert "prerequisite_course_ids" in schemas["CourseOut"]["required"]
    assert schemas["ReleaseRuleIn"]["properties"]["after_lessons"]["maxItems"] == 100
    min_score = schemas["AfterQuizIn"]["properties"]["min_score"]
    assert (min_score["minimum"], min_score["maximum"]) == (0, 100)


# --- racing requests ------------------------------------------------------------------------------


async def test_racing_rule_changes_and_deletions_never_leave_a_dangling_id(api: Api, cast: Cast) -> None:
    """Each round: rules naming a lesson and a quiz are written by several editors while that
    lesson and that quiz are deleted, all at once. Whatever wins, no rule names what is gone."""
    s = await school(api, cast)
    gated, keep = s.lessons[1], s.lessons[0]
    for n in range(ROUNDS):
        doomed = await new_lesson(api, cast.owner, s.course["id"], title=f"Doomed {n}")
        doomed_quiz = await new_quiz(api, cast.owner, s.course["id"])
        value = {
            "after_lessons": [keep["id"], doomed["id"]],
            "after_quiz": {"quiz_id": doomed_quiz, "min_score": 10},
        }
        answers = await asyncio.gather(
            *(patch_rule(api, by, gated["id"], value) for by in [cast.owner, s.co, cast.admin] * 3),
            api.client.delete(f"{V1}/lessons/{doomed['id']}", headers=cast.owner),
            api.client.delete(f"{V1}/quizzes/{doomed_quiz}", headers=s.co),
        )
        *patches, lesson_gone, quiz_gone = answers
        assert (lesson_gone.status_code, quiz_gone.status_code) == (204, 204), f"round {n}"
        assert {r.status_code for r in patches} <= {200, 422}, f"round {n}"
        got = (await api.client.get(f"{V1}/lessons/{gated['id']}", headers=cast.owner)).json()["release_rule"]
        if any(r.status_code == 200 for r in patches):
            assert got == {"after_lessons": [keep["id"]], "after_quiz": None}, f"round {n}"
        assert doomed["id"] not in str(got) and doomed_quiz not in str(got), f"round {n}"
        assert (await patch_rule(api, cast.owner, gated["id"], None)).status_code == 200


async def test_racing_prerequisite_changes_make_no_cycle(api: Api, cast: Cast) -> None:
    """Three courses asked at once, several times each, to need each other in a ring: the answers
    are 200 or 422, and the stored prerequisites never close the ring."""
    for n in range(ROUNDS):
        ring = [await new_course(api, cast.owner, title=f"Ring {n}-{k}") for k in range(3)]
        answers = await asyncio.gather(
            *(
                api.client.patch(
                    f"{V1}/courses/{ring[k]['id']}",
                    json={"prerequisite_course_ids": [ring[(k + 1) % 3]["id"]]},
                    headers=by,
                )
                for k in range(3)
                for by in (cast.owner, cast.admin)
            )
        )
        assert {r.status_code for r in answers} <= {200, 422}, f"round {n}"
        stored = [
            (await api.client.get(f"{V1}/courses/{c['id']}", headers=cast.owner)).json()[
                "prerequisite_course_ids"
            ]
            for c in ring
        ]
        assert sum(len(p) for p in stored) == 2, f"round {n}: {stored}"
        assert sum(r.status_code == 422 for r in answers) >= 1, f"round {n}"


async def test_racing_enrollments_behind_prerequisites_answer_consistently(api: Api, cast: Cast) -> None:
    """Each round a student completes the prerequisite's last lesson while eight requests to enroll
    in the next course race it: at most one 201, every other answer a 409 that says why, and
    "already enrolled" only once someone was."""
    first, first_lesson = await course_with_lesson(api, cast.owner, "First")
    course, _ = await course_with_lesson(api, cast.owner, "Next", prerequisite_course_ids=[first["id"]])
    for n in range(ROUNDS):
        learner = api.auth(await api.register())
        r = await enroll(api, learner, first)
        completing = api.client.post(
            f"{V1}/enrollments/{r.json()['id']}/lessons/{first_lesson['id']}/complete", headers=learner
        )
        done, *answers = await asyncio.gather(completing, *(enroll(api, learner, course) for _ in range(8)))
        assert done.status_code == 200, f"round {n}"
        created = [r for r in answers if r.status_code == 201]
        details = sorted(r.json()["detail"] for r in answers if r.status_code != 201)
        assert len(created) <= 1 and len(created) + len(details) == 8, f"round {n}"
        allowed = {"Prerequisites not met", "Already enrolled in this course"}
        assert set(details) <= (allowed if created else {"Prerequisites not met"}), f"round {n}"
        again = await enroll(api, learner, course)  # now met: enrolled exactly once in the end
        assert again.status_code == (409 if created else 201), f"round {n}"
        mine = (await api.client.get(f"{V1}/enrollments/my-courses", headers=learner)).json()["items"]
        assert [e["course"]["id"] for e in mine].count(course["id"]) == 1, f"round {n}"


async def test_racing_completions_of_a_lesson_and_the_one_it_waits_for(api: Api, cast: Cast) -> None:
    """The gated lesson is completed only if the lesson it waits for is completed too."""
    s = await school(api, cast)
    for n in range(ROUNDS):
        before = await new_lesson(api, cast.owner, s.course["id"], title=f"Before {n}")
        gated = await new_lesson(
            api, cast.owner, s.course["id"], title=f"Gated {n}", release_rule=rule(before)
        )
        answers = await asyncio.gather(*(s.complete(api, v) for v in [gated, before, gated, gated, before]))
        gated_codes = {answers[k].status_code for k in (0, 2, 3)}
        assert {answers[1].status_code, answers[4].status_code} == {200}, f"round {n}"
        assert gated_codes <= {200, 409}, f"round {n}"
        after = (await api.client.get(f"{V1}/enrollments/{s.enrollment_id}", headers=s.enrolled)).json()
        assert before["id"] in after["completed_lesson_ids"], f"round {n}"
        assert (gated["id"] in after["completed_lesson_ids"]) == (200 in gated_codes), f"round {n}"

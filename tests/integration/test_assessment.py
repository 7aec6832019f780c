"""/quizzes and /attempts over HTTP, on SQLite and on PostgreSQL + Redis.

Who may do what (anonymous, enrolled and unenrolled students, the owner, another instructor,
admins), grading at the pass threshold, attempt limits, the time limit with a moved clock, racing
submissions, and that no response a student can get ever carries ``correct_answer``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import AsyncTestClient

from lms_http.app import create_app
from lms_http.container import Container
from lms_http.settings import Settings
from tests.builders import FixedClock
from tests.integration.catalog_support import V1, Cast, cast, new_course, new_lesson, publish
from tests.integration.conftest import Api

__all__ = ["cast"]  # the fixture

QUESTIONS: list[dict[str, Any]] = [
    {
        "question_text": "2 + 2?",
        "question_type": "multiple_choice",
        "options": ["3", "4", "5"],
        "correct_answer": "4",
        "points": 2,
    },
    {
        "question_text": "Vowels?",
        "question_type": "multiple_select",
        "options": ["a", "b", "c", "e"],
        "correct_answer": ["a", "e"],
        "points": 3,
    },
    {
        "question_text": "Python is dynamically typed.",
        "question_type": "true_false",
        "correct_answer": "true",
        "points": 1,
    },
    {
        "question_text": "Capital of France?",
        "question_type": "short_answer",
        "correct_answer": "Paris",
        "points": 4,
    },
]
"""10 points: multiple choice 2, multiple select 3, true/false 1, short answer 4."""

RIGHT: list[Any] = ["4", ["e", "a"], "true", "  paris "]
WRONG: list[Any] = ["3", ["a"], "false", "Lyon"]


@dataclass
class Setup:
    course_id: str
    lesson_id: str
    quiz: dict[str, Any]
    enrolled: dict[str, str]

    @property
    def quiz_id(self) -> str:
        return str(self.quiz["id"])

    @property
    def question_ids(self) -> list[str]:
        return [q["id"] for q in self.quiz["questions"]]


async def create_quiz(api: Api, headers: dict[str, str], course_id: str, **fields: Any) -> Any:
    body = {"course_id": course_id, "title": "Python Basics Quiz", "questions": QUESTIONS, **fields}
    return await api.client.post(f"{V1}/quizzes", json=body, headers=headers)


async def enroll(api: Api, headers: dict[str, str], course_id: str) -> None:
    r = await api.client.post(f"{V1}/enrollments", json={"course_id": course_id}, headers=headers)
    assert r.status_code == 201, r.text


async def setup(api: Api, cast: Cast, *, publish_quiz: bool = True, **fields: Any) -> Setup:
    """A published course with a lesson, a quiz of the four question types, and cast.student enrolled."""
    course = await new_course(api, cast.owner)
    lesson = await new_lesson(api, cast.owner, course["id"])
    await publish(api, cast.owner, course["id"])
    r = await create_quiz(api, cast.owner, course["id"], lesson_id=lesson["id"], **fields)
    assert r.status_code == 201, r.text
    quiz = r.json()
    if publish_quiz:
        r = await api.client.post(f"{V1}/quizzes/{quiz['id']}/publish", headers=cast.owner)
        assert r.status_code == 200, r.text
        quiz = r.json()
    await enroll(api, cast.student, course["id"])
    return Setup(course_id=course["id"], lesson_id=lesson["id"], quiz=quiz, enrolled=cast.student)


async def start(api: Api, headers: dict[str, str], quiz_id: str) -> Any:
    return await api.client.post(f"{V1}/quizzes/{quiz_id}/attempts", headers=headers)


async def submit(api: Api, headers: dict[str, str], attempt_id: str, answers: list[dict[str, Any]]) -> Any:
    return await api.client.post(
        f"{V1}/attempts/{attempt_id}/submit", json={"answers": answers}, headers=headers
    )


def answers(s: Setup, values: list[Any]) -> list[dict[str, Any]]:
    return [{"question_id": qid, "answer": v} for qid, v in zip(s.question_ids, values, strict=True)]


async def test_create_quiz_with_questions_and_read_it_back(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    r = await create_quiz(
        api,
        cast.owner,
        course["id"],
        description="Test your knowledge",
        time_limit_minutes=30,
        passing_score_percentage=70,
        max_attempts=3,
        is_published=True,  # never taken from the body
        id=str(uuid.uuid4()),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {
        "id",
        "course_id",
        "lesson_id",
        "title",
        "description",
        "time_limit_minutes",
        "passing_score_percentage",
        "shuffle_questions",
        "max_attempts",
        "is_published",
        "scoring",
        "question_pools",
        "question_count",
        "questions",
        "created_at",
        "updated_at",
    }
    assert (body["is_published"], body["question_count"], body["time_limit_minutes"]) == (False, 4, 30)
    assert (body["scoring"], body["question_pools"]) == ("all_or_nothing", [])
    assert all("tolerance" not in q for q in body["questions"])
    assert (body["max_attempts"], body["passing_score_percentage"], body["lesson_id"]) == (3, 70, None)
    assert [q["order"] for q in body["questions"]] == [1, 2, 3, 4]
    assert [q["correct_answer"] for q in body["questions"]] == ["4", ["a", "e"], "true", "Paris"]
    assert body["questions"][2]["options"] == ["true", "false"]
    assert body["questions"][3]["options"] == []
    for who in (cast.owner, cast.admin):
        got = await api.client.get(f"{V1}/quizzes/{body['id']}", headers=who)
        assert got.status_code == 200
        assert got.json() == body
    # unpublished: nobody else learns it exists
    for who in (cast.anonymous, cast.student, cast.other):
        r = await api.client.get(f"{V1}/quizzes/{body['id']}", headers=who)
        assert (r.status_code, r.json()) == (404, {"detail": "Quiz not found"})
    assert (await api.client.get(f"{V1}/quizzes/{uuid.uuid4()}", headers=cast.owner)).status_code == 404


async def test_who_may_create_a_quiz(api: Api, cast: Cast) -> None:
    published = await new_course(api, cast.owner)
    await publish(api, cast.owner, published["id"])
    draft = await new_course(api, cast.owner, title="Draft")
    assert (await create_quiz(api, cast.anonymous, published["id"])).status_code == 401
    for who in (cast.student, cast.other):
        r = await create_quiz(api, who, published["id"])
        assert r.status_code == 403
        r = await create_quiz(api, who, draft["id"])
        assert (r.status_code, r.json()) == (404, {"detail": "Course not found"})
    assert (await create_quiz(api, cast.owner, str(uuid.uuid4()))).status_code == 404
    assert (await create_quiz(api, cast.admin, draft["id"])).status_code == 201
    listed = await api.client.get(f"{V1}/quizzes", params={"course_id": published["id"]}, headers=cast.admin)
    assert listed.json()["total"] == 0


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"passing_score_percentage": 100.5}, ["body", "passing_score_percentage"]),
        ({"passing_score_percentage": -1}, ["body", "passing_score_percentage"]),
        ({"time_limit_minutes": 0}, ["body", "time_limit_minutes"]),
        ({"time_limit_minutes": 10001}, ["body", "time_limit_minutes"]),
        ({"max_attempts": 0}, ["body", "max_attempts"]),
        ({"max_attempts": 10001}, ["body", "max_attempts"]),
        ({"title": "x" * 256}, ["body", "title"]),
        ({"title": ""}, ["body", "title"]),
        ({"description": "x" * 5001}, ["body", "description"]),
        ({"questions": [{**QUESTIONS[0], "points": 0}]}, ["body", "questions", 0, "points"]),
        ({"questions": [{**QUESTIONS[0], "points": 1001}]}, ["body", "questions", 0, "points"]),
        (
            {"questions": [{**QUESTIONS[0], "question_type": "poem"}]},
            ["body", "questions", 0, "question_type"],
        ),
        (
            {"questions": [{**QUESTIONS[0], "question_text": "q" * 5001}]},
            ["body", "questions", 0, "question_text"],
        ),
        ({"questions": [{**QUESTIONS[0], "correct_answer": "7"}]}, ["body", "correct_answer"]),
        ({"questions": [{**QUESTIONS[2], "options": ["yes", "no"]}]}, ["body", "options"]),
        ({"questions": [QUESTIONS[0]] * 501}, ["body", "questions"]),
    ],
)
async def test_quiz_fields_out_of_range_are_422(
    api: Api, cast: Cast, change: dict[str, Any], loc: list[Any]
) -> None:
    course = await new_course(api, cast.owner)
    r = await create_quiz(api, cast.owner, course["id"], **change)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == loc
    listed = await api.client.get(f"{V1}/quizzes", headers=cast.owner)
    assert listed.json()["total"] == 0


async def test_non_finite_score_and_foreign_lesson_are_422(api: Api, cast: Cast) -> None:
    course, other = await new_course(api, cast.owner), await new_course(api, cast.owner, title="Other")
    foreign = await new_lesson(api, cast.owner, other["id"])
    body = '{"course_id": "' + course["id"] + '", "title": "Q", "passing_score_percentage": NaN}'
    r = await api.client.post(
        f"{V1}/quizzes", content=body, headers={**cast.owner, "Content-Type": "application/json"}
    )
    assert r.status_code == 422
    r = await create_quiz(api, cast.owner, course["id"], lesson_id=foreign["id"])
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "lesson_id"]


async def test_update_publish_and_delete_quiz_by_role(api: Api, cast: Cast) -> None:
    s = await setup(api, cast, publish_quiz=False)
    url = f"{V1}/quizzes/{s.quiz_id}"
    # unpublished: 404 to those who may not see it, 401 without a token
    assert (await api.client.patch(url, json={"title": "T"})).status_code == 401
    for who in (cast.student, cast.other):
        assert (await api.client.patch(url, json={"title": "T"}, headers=who)).status_code == 404
        assert (await api.client.post(f"{url}/publish", headers=who)).status_code == 404
        assert (await api.client.delete(url, headers=who)).status_code == 404
    r = await api.client.patch(
        url, json={"title": "Renamed", "time_limit_minutes": None, "max_attempts": 5}, headers=cast.owner
    )
    assert r.status_code == 200
    assert (r.json()["title"], r.json()["max_attempts"], r.json()["is_published"]) == ("Renamed", 5, False)
    r = await api.client.patch(url, json={"is_published": True}, headers=cast.admin)
    assert (r.status_code, r.json()["is_published"]) == (200, True)
    # published: readable, so a write is 403
    for who in (cast.student, cast.other):
        assert (await api.client.patch(url, json={"title": "T"}, headers=who)).status_code == 403
        assert (await api.client.post(f"{url}/publish", headers=who)).status_code == 403
        assert (await api.client.delete(url, headers=who)).status_code == 403
    assert (
        await api.client.patch(url, json={"passing_score_percentage": 101}, headers=cast.owner)
    ).status_code == 422
    assert (await api.client.delete(url, headers=cast.anonymous)).status_code == 401
    r = await api.client.delete(url, headers=cast.owner)
    assert (r.status_code, r.content) == (204, b"")
    assert (await api.client.get(url, headers=cast.owner)).status_code == 404
    assert (await api.client.delete(url, headers=cast.owner)).status_code == 404


async def test_a_quiz_without_questions_cannot_be_published(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    quiz = (await create_quiz(api, cast.owner, course["id"], questions=[])).json()
    url = f"{V1}/quizzes/{quiz['id']}"
    assert quiz["question_count"] == 0
    for attempt in (
        api.client.post(f"{url}/publish", headers=cast.owner),
        api.client.patch(url, json={"is_published": True}, headers=cast.owner),
    ):
        r = await attempt
        assert (r.status_code, r.json()) == (
            400,
            {"detail": "A quiz needs at least one question to be published"},
        )
    r = await api.client.post(f"{url}/questions", json=QUESTIONS[3], headers=cast.owner)
    assert r.status_code == 201
    r = await api.client.post(f"{url}/publish", headers=cast.owner)
    assert (r.status_code, r.json()["is_published"], r.json()["question_count"]) == (200, True, 1)


async def test_question_endpoints(api: Api, cast: Cast) -> None:
    s = await setup(api, cast)
    url = f"{V1}/quizzes/{s.quiz_id}/questions"
    new = {
        "question_text": "Pick one",
        "question_type": "multiple_choice",
        "options": ["x", "y"],
        "correct_answer": "y",
    }
    assert (await api.client.post(url, json=new)).status_code == 401
    for who in (cast.student, cast.other):  # the quiz is published: they may read it, not write it
        assert (await api.client.post(url, json=new, headers=who)).status_code == 403
    r = await api.client.post(url, json=new, headers=cast.owner)
    assert r.status_code == 201
    added = r.json()
    assert set(added) == {
        "id",
        "quiz_id",
        "question_text",
        "question_type",
        "options",
        "points",
        "order",
        "correct_answer",
    }
    assert (added["order"], added["points"], added["correct_answer"]) == (5, 1, "y")
    r = await api.client.post(url, json={**new, "question_type": "fill_in"}, headers=cast.owner)
    assert (r.status_code, r.json()["detail"][0]["loc"]) == (422, ["body", "question_type"])
    assert (await api.client.post(url, json={**new, "points": 0}, headers=cast.owner)).status_code == 422

    one = f"{url}/{added['id']}"
    r = await api.client.patch(one, json={"points": 7, "correct_answer": "x"}, headers=cast.admin)
    assert (r.status_code, r.json()["points"], r.json()["correct_answer"]) == (200, 7, "x")
    r = await api.client.patch(
        one, json={"question_type": "multiple_select", "correct_answer": ["x", "y"]}, headers=cast.owner
    )
    assert (r.status_code, r.json()["question_type"], r.json()["correct_answer"]) == (
        200,
        "multiple_select",
        ["x", "y"],
    )
    assert (await api.client.patch(one, json={"correct_answer": "z"}, headers=cast.owner)).status_code == 422
    assert (await api.client.patch(one, json={"points": 5}, headers=cast.other)).status_code == 403
    assert (await api.client.delete(one, headers=cast.student)).status_code == 403
    # a question of another quiz, or none at all, is 404 under this quiz
    other_course = await new_course(api, cast.owner, title="Another")
    foreign = (await create_quiz(api, cast.owner, other_course["id"])).json()["questions"][0]["id"]
    for missing in (foreign, str(uuid.uuid4())):
        assert (
            await api.client.patch(f"{url}/{missing}", json={"points": 2}, headers=cast.owner)
        ).status_code == 404
        assert (await api.client.delete(f"{url}/{missing}", headers=cast.owner)).status_code == 404
    r = await api.client.delete(one, headers=cast.owner)
    assert (r.status_code, r.content) == (204, b"")
    quiz = (await api.client.get(f"{V1}/quizzes/{s.quiz_id}", headers=cast.owner)).json()
    assert quiz["question_count"] == 4
    # a published quiz keeps its last question
    for qid in s.question_ids[:3]:
        assert (await api.client.delete(f"{url}/{qid}", headers=cast.owner)).status_code == 204
    r = await api.client.delete(f"{url}/{s.question_ids[3]}", headers=cast.owner)
    assert (r.status_code, r.json()) == (400, {"detail": "A published quiz keeps at least one question"})


async def test_list_quizzes_filters_pages_and_hides_drafts(api: Api, cast: Cast) -> None:
    s = await setup(api, cast)
    draft = (await create_quiz(api, cast.owner, s.course_id, title="Draft")).json()
    other_course = await new_course(api, cast.other, title="Elsewhere")
    await publish(api, cast.other, other_course["id"])
    elsewhere = (await create_quiz(api, cast.other, other_course["id"], questions=QUESTIONS[:1])).json()
    await api.client.post(f"{V1}/quizzes/{elsewhere['id']}/publish", headers=cast.other)

    async def ids(headers: dict[str, str], **params: Any) -> list[str]:
        r = await api.client.get(f"{V1}/quizzes", params=params, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"items", "total", "page", "page_size", "pages"}
        return [q["id"] for q in body["items"]]

    assert set(await ids(cast.anonymous)) == {s.quiz_id, elsewhere["id"]}
    assert set(await ids(cast.student)) == {s.quiz_id, elsewhere["id"]}
    assert set(await ids(cast.owner)) == {s.quiz_id, draft["id"], elsewhere["id"]}
    assert set(await ids(cast.admin)) == {s.quiz_id, draft["id"], elsewhere["id"]}
    assert set(await ids(cast.owner, published_only="true")) == {s.quiz_id, elsewhere["id"]}
    assert set(await ids(cast.admin, course_id=s.course_id)) == {s.quiz_id, draft["id"]}
    assert await ids(cast.anonymous, lesson_id=s.lesson_id) == [s.quiz_id]
    r = await api.client.get(f"{V1}/quizzes", params={"page_size": 1, "page": 2}, headers=cast.admin)
    body = r.json()
    assert (body["total"], body["page"], body["page_size"], body["pages"], len(body["items"])) == (
        3,
        2,
        1,
        3,
        1,
    )
    listed = (
        await api.client.get(f"{V1}/quizzes", params={"course_id": s.course_id}, headers=cast.student)
    ).json()
    assert [(q["id"], q["question_count"]) for q in listed["items"]] == [(s.quiz_id, 4)]
    assert "questions" not in listed["items"][0]
    for bad in (
        {"page": 0},
        {"page_size": 0},
        {"page_size": 101},
        {"course_id": "nope"},
        {"published_only": "maybe"},
    ):
        assert (await api.client.get(f"{V1}/quizzes", params=bad)).status_code == 422, bad


async def test_starting_an_attempt_by_role(api: Api, cast: Cast) -> None:
    s = await setup(api, cast)
    assert (await start(api, cast.anonymous, s.quiz_id)).status_code == 401
    stranger = api.auth(await api.register())
    # a published quiz is readable by anyone; the answers only by the owner and admins
    for who, sees_answers in (
        (stranger, False),
        (cast.other, False),
        (cast.anonymous, False),
        (cast.admin, True),
    ):
        r = await api.client.get(f"{V1}/quizzes/{s.quiz_id}", headers=who)
        assert r.status_code == 200
        assert [q["id"] for q in r.json()["questions"]] == s.question_ids
        assert all(("correct_answer" in q) is sees_answers for q in r.json()["questions"])
    r = await start(api, stranger, s.quiz_id)
    assert (r.status_code, r.json()) == (403, {"detail": "Enroll in the course to take its quizzes"})
    for who in (cast.owner, cast.admin, cast.other):  # not enrolled either
        assert (await start(api, who, s.quiz_id)).status_code == 403
    assert (await start(api, s.enrolled, str(uuid.uuid4()))).status_code == 404
    r = await start(api, s.enrolled, s.quiz_id)
    assert r.status_code == 201, r.text
    attempt = r.json()
    assert set(attempt) == {
        "id", "quiz_id", "student_id", "status", "grading_status", "started_at", "ended_at", "deadline",
        "score", "passed", "answers", "questions",
    }  # fmt: skip
    assert (attempt["quiz_id"], attempt["status"], attempt["ended_at"], attempt["deadline"]) == (
        s.quiz_id, "open", None, None,
    )  # fmt: skip
    assert (attempt["answers"], attempt["score"], attempt["passed"]) == ([], None, None)
    assert [q["id"] for q in attempt["questions"]] == s.question_ids
    assert all("correct_answer" not in q for q in attempt["questions"])
    r = await start(api, s.enrolled, s.quiz_id)
    assert (r.status_code, r.json()) == (409, {"detail": "An attempt of this quiz is already open"})
    # an unpublished quiz cannot be taken, even by an enrolled student
    draft = (await create_quiz(api, cast.owner, s.course_id, title="Draft")).json()
    assert (await start(api, s.enrolled, draft["id"])).status_code == 404


async def test_submit_grades_each_answer(api: Api, cast: Cast) -> None:
    s = await setup(api, cast)
    attempt = (await start(api, s.enrolled, s.quiz_id)).json()
    sent: list[dict[str, Any]] = [
        {"question_id": s.question_ids[0], "answer": "4"},
        {"question_id": s.question_ids[1], "answer": ["a"]},
        {"question_id": s.question_ids[3], "answer": " PARIS "},
    ]
    r = await submit(api, s.enrolled, attempt["id"], sent)
    assert r.status_code == 200, r.text
    graded = r.json()
    assert (graded["status"], graded["score"], graded["passed"]) == ("submitted", 60.0, False)
    assert graded["ended_at"] is not None
    assert graded["answers"] == [
        {
            "question_id": s.question_ids[0],
            "answer": "4",
            "correct": True,
            "points_earned": 2,
            "pending": False,
            "feedback": None,
        },
        {
            "question_id": s.question_ids[1],
            "answer": ["a"],
            "correct": False,
            "points_earned": 0,
            "pending": False,
            "feedback": None,
        },
        {
            "question_id": s.question_ids[2],
            "answer": None,
            "correct": False,
            "points_earned": 0,
            "pending": False,
            "feedback": None,
        },
        {
            "question_id": s.question_ids[3],
            "answer": " PARIS ",
            "correct": True,
            "points_earned": 4,
            "pending": False,
            "feedback": None,
        },
    ]
    again = await api.client.get(f"{V1}/attempts/{attempt['id']}", headers=s.enrolled)
    assert again.json() == graded
    r = await submit(api, s.enrolled, attempt["id"], answers(s, RIGHT))
    assert (r.status_code, r.json()) == (409, {"detail": "This attempt has already been submitted"})


async def test_pass_and_fail_exactly_at_the_threshold(api: Api, cast: Cast) -> None:
    s = await setup(api, cast, passing_score_percentage=70)
    seven_of_ten = answers(s, [RIGHT[0], WRONG[1], RIGHT[2], RIGHT[3]])  # 2 + 1 + 4

    async def take() -> dict[str, Any]:
        attempt = (await start(api, s.enrolled, s.quiz_id)).json()
        r = await submit(api, s.enrolled, attempt["id"], seven_of_ten)
        assert r.status_code == 200, r.text
        return dict(r.json())

    first = await take()
    assert (first["score"], first["passed"]) == (70.0, True)
    r = await api.client.patch(
        f"{V1}/quizzes/{s.quiz_id}", json={"passing_score_percentage": 70.01}, headers=cast.owner
    )
    assert r.status_code == 200
    second = await take()
    assert (second["score"], second["passed"]) == (70.0, False)
    everything = (await start(api, s.enrolled, s.quiz_id)).json()
    r = await submit(api, s.enrolled, everything["id"], answers(s, RIGHT))
    assert (r.json()["score"], r.json()["passed"]) == (100.0, True)


async def test_max_attempts_caps_finished_attempts(api: Api, cast: Cast) -> None:
    s = await setup(api, cast, max_attempts=2)
    for _ in range(2):
        attempt = (await start(api, s.enrolled, s.quiz_id)).json()
        assert (await submit(api, s.enrolled, attempt["id"], [])).status_code == 200
    r = await start(api, s.enrolled, s.quiz_id)
    assert (r.status_code, r.json()) == (409, {"detail": "No attempts left for this quiz"})
    classmate = api.auth(await api.register())
    await enroll(api, classmate, s.course_id)
    assert (await start(api, classmate, s.quiz_id)).status_code == 201


async def test_an_answer_to_a_question_of_another_quiz_is_422(api: Api, cast: Cast) -> None:
    s = await setup(api, cast)
    other = (await create_quiz(api, cast.owner, s.course_id, title="Other")).json()
    attempt = (await start(api, s.enrolled, s.quiz_id)).json()
    for wrong_id in (other["questions"][0]["id"], str(uuid.uuid4())):
        r = await submit(api, s.enrolled, attempt["id"], [{"question_id": wrong_id, "answer": "4"}])
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"][:2] == ["body", "answers"]
    r = await submit(api, s.enrolled, attempt["id"], [{"question_id": "not-a-uuid", "answer": "4"}])
    assert r.status_code == 422
    too_many = [{"question_id": s.question_ids[0], "answer": "4"}] * 501
    assert (await submit(api, s.enrolled, attempt["id"], too_many)).status_code == 422
    long_answer = [{"question_id": s.question_ids[3], "answer": "x" * 20_001}]  # longer than an essay
    assert (await submit(api, s.enrolled, attempt["id"], long_answer)).status_code == 422
    # nothing was recorded: the attempt is still open and can be submitted
    r = await submit(api, s.enrolled, attempt["id"], answers(s, RIGHT))
    assert (r.status_code, r.json()["score"]) == (200, 100.0)


async def test_who_sees_and_submits_an_attempt(api: Api, cast: Cast) -> None:
    s = await setup(api, cast)
    attempt = (await start(api, s.enrolled, s.quiz_id)).json()
    url = f"{V1}/attempts/{attempt['id']}"
    classmate = api.auth(await api.register())
    await enroll(api, classmate, s.course_id)
    assert (await api.client.get(url)).status_code == 401
    for who in (classmate, cast.other):
        r = await api.client.get(url, headers=who)
        assert (r.status_code, r.json()) == (404, {"detail": "Attempt not found"})
    for who in (classmate, cast.other, cast.owner, cast.admin):
        assert (await submit(api, who, attempt["id"], [])).status_code == 404
    assert (await submit(api, cast.anonymous, attempt["id"], [])).status_code == 401
    assert (await api.client.get(f"{V1}/attempts/{uuid.uuid4()}", headers=s.enrolled)).status_code == 404
    mine = await api.client.get(url, headers=s.enrolled)
    assert mine.status_code == 200
    for who in (cast.owner, cast.admin):  # staff of the course see the attempt with the answers
        r = await api.client.get(url, headers=who)
        assert r.status_code == 200
        assert [q["correct_answer"] for q in r.json()["questions"]] == ["4", ["a", "e"], "true", "Paris"]
        assert {k: v for k, v in r.json().items() if k != "questions"} == {
            k: v for k, v in mine.json().items() if k != "questions"
        }
    # deleting the quiz deletes its attempts
    assert (await api.client.delete(f"{V1}/quizzes/{s.quiz_id}", headers=cast.owner)).status_code == 204
    assert (await api.client.get(url, headers=s.enrolled)).status_code == 404


async def test_two_submissions_at_once_grade_the_attempt_once(api: Api, cast: Cast) -> None:
    s = await setup(api, cast)
    attempt = (await start(api, s.enrolled, s.quiz_id)).json()
    results = await asyncio.gather(
        submit(api, s.enrolled, attempt["id"], answers(s, RIGHT)),
        submit(api, s.enrolled, attempt["id"], answers(s, WRONG)),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    winner = next(r for r in results if r.status_code == 200).json()
    stored = (await api.client.get(f"{V1}/attempts/{attempt['id']}", headers=s.enrolled)).json()
    assert stored == winner
    assert stored["score"] in (100.0, 0.0)
    assert len(stored["answers"]) == 4
    assert all(a["correct"] is (stored["score"] == 100.0) for a in stored["answers"])


async def test_deleting_the_course_removes_its_quizzes_and_attempts(api: Api, cast: Cast) -> None:
    s = await setup(api, cast)
    attempt = (await start(api, s.enrolled, s.quiz_id)).json()
    assert (await api.client.delete(f"{V1}/courses/{s.course_id}", headers=cast.owner)).status_code == 204
    assert (await api.client.get(f"{V1}/quizzes/{s.quiz_id}", headers=cast.admin)).status_code == 404
    assert (await api.client.get(f"{V1}/attempts/{attempt['id']}", headers=s.enrolled)).status_code == 404
    assert (await api.client.get(f"{V1}/quizzes", headers=cast.admin)).json()["total"] == 0


async def test_no_response_a_student_can_get_names_the_correct_answer(api: Api, cast: Cast) -> None:
    s = await setup(api, cast)
    seen: list[str] = []

    async def keep(response: Any, status: int) -> Any:
        assert response.status_code == status, response.text
        seen.append(response.text)
        return response.json()

    for who in (s.enrolled, cast.anonymous):
        await keep(await api.client.get(f"{V1}/quizzes/{s.quiz_id}", headers=who), 200)
        await keep(await api.client.get(f"{V1}/quizzes", headers=who), 200)
        await keep(await api.client.get(f"{V1}/quizzes", params={"course_id": s.course_id}, headers=who), 200)
    attempt = await keep(await start(api, s.enrolled, s.quiz_id), 201)
    await keep(await api.client.get(f"{V1}/attempts/{attempt['id']}", headers=s.enrolled), 200)
    await keep(await submit(api, s.enrolled, attempt["id"], answers(s, WRONG)), 200)
    await keep(await api.client.get(f"{V1}/attempts/{attempt['id']}", headers=s.enrolled), 200)
    second = await keep(await start(api, s.enrolled, s.quiz_id), 201)
    await keep(await submit(api, s.enrolled, second["id"], answers(s, RIGHT)), 200)
    await keep(await submit(api, s.enrolled, second["id"], answers(s, RIGHT)), 409)
    assert len(seen) == 13
    for text in seen:
        assert "correct_answer" not in text
        assert "Paris" not in text  # the short answer's expected text appears nowhere either
    # the same views for the owner do carry it, so the scan above can fail
    owner_view = await api.client.get(f"{V1}/quizzes/{s.quiz_id}", headers=cast.owner)
    assert "correct_answer" in owner_view.text


# --- the time limit, with a clock the test moves -------------------------------------------------


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def timed_api(settings: Settings, clock: FixedClock) -> AsyncIterator[Api]:
    """The app with its clock replaced before the client starts; the test advances it."""
    container = Container(settings=settings)
    container.clock.override(providers.Object(clock))
    app: Litestar = create_app(settings, container)
    async with AsyncTestClient(app=app) as client:
        yield Api(client, settings)


@pytest.fixture
async def timed_cast(timed_api: Api) -> Cast:
    return Cast(
        owner=timed_api.auth(await timed_api.user_with_role("instructor")),
        other=timed_api.auth(await timed_api.user_with_role("instructor")),
        admin=timed_api.auth(await timed_api.user_with_role("admin")),
        student=timed_api.auth(await timed_api.register()),
        anonymous={},
    )


async def test_the_time_limit_with_its_grace_period(
    timed_api: Api, timed_cast: Cast, clock: FixedClock
) -> None:
    api, cast = timed_api, timed_cast
    s = await setup(api, cast, time_limit_minutes=1)
    on_time = (await start(api, s.enrolled, s.quiz_id)).json()
    assert on_time["deadline"] is not None
    clock.advance(seconds=120)  # the limit plus exactly the 60 s grace: still accepted
    r = await submit(api, s.enrolled, on_time["id"], answers(s, RIGHT))
    assert (r.status_code, r.json()["score"], r.json()["passed"]) == (200, 100.0, True)

    late = (await start(api, s.enrolled, s.quiz_id)).json()
    clock.advance(seconds=121)
    r = await submit(api, s.enrolled, late["id"], answers(s, RIGHT))
    assert r.status_code == 409
    assert "time limit" in r.json()["detail"]
    closed = (await api.client.get(f"{V1}/attempts/{late['id']}", headers=s.enrolled)).json()
    assert (closed["status"], closed["score"], closed["passed"], closed["answers"]) == (
        "expired",
        0.0,
        False,
        [],
    )
    assert closed["ended_at"] is not None
    r = await submit(api, s.enrolled, late["id"], answers(s, RIGHT))
    assert r.status_code == 409

    # an abandoned attempt past its limit does not block the next one
    abandoned = (await start(api, s.enrolled, s.quiz_id)).json()
    assert (await start(api, s.enrolled, s.quiz_id)).status_code == 409
    clock.advance(minutes=3)
    fresh = await start(api, s.enrolled, s.quiz_id)
    assert fresh.status_code == 201
    gone = (await api.client.get(f"{V1}/attempts/{abandoned['id']}", headers=s.enrolled)).json()
    assert (gone["status"], gone["score"]) == ("expired", 0.0)


async def test_openapi_documents_each_quiz_and_attempt_status(api: Api) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    quiz, question = "/api/v1/quizzes/{quiz_id}", "/api/v1/quizzes/{quiz_id}/questions/{question_id}"
    expected = {
        ("get", "/api/v1/quizzes"): {"200", "401", "422"},
        ("post", "/api/v1/quizzes"): {"201", "401", "403", "404", "422"},
        ("get", quiz): {"200", "401", "404"},
        ("patch", quiz): {"200", "400", "401", "403", "404", "422"},
        ("delete", quiz): {"204", "401", "403", "404"},
        ("post", f"{quiz}/publish"): {"200", "400", "401", "403", "404"},
        ("post", f"{quiz}/questions"): {"201", "401", "403", "404", "422"},
        ("patch", question): {"200", "401", "403", "404", "422"},
        ("delete", question): {"204", "400", "401", "403", "404"},
        ("post", f"{quiz}/attempts"): {"201", "401", "403", "404", "409"},
        ("get", "/api/v1/attempts/{attempt_id}"): {"200", "401", "404"},
        ("post", "/api/v1/attempts/{attempt_id}/submit"): {"200", "401", "404", "409", "422"},
    }
    for (method, path), statuses in expected.items():
        documented = set(paths[path][method]["responses"])
        assert statuses <= documented, (method, path, statuses - documented)

"""The gradebook over HTTP on both stacks: JSON pages, the CSV file (streamed, parsed back with the
``csv`` module), the formula guard, the ``Accept`` variant, every refusal and the OpenAPI document.

The class is built through the API; its attempts are written as rows (graded, awaiting review,
expired, open), since grading by hand is not what is tested here.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, insert

from lms_adapters.sql.tables import quiz_attempts
from lms_adapters.sql.urls import sync_url
from tests.integration.catalog_support import V1, Cast, cast, new_course, new_lesson, publish
from tests.integration.conftest import PASSWORD, Api

__all__ = ["cast"]  # the fixture

QUESTION = {
    "question_text": "2 + 2?",
    "question_type": "multiple_choice",
    "options": ["3", "4"],
    "correct_answer": "4",
    "points": 1,
}
FORMULA_TITLE = "=cmd|' /C calc'!A0"


async def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@dataclass
class Book:
    course_id: str
    draft_id: str
    quizzes: list[str]  # the published ones, oldest first
    ta: dict[str, str]
    students: dict[str, str]  # name -> user id
    emails: dict[str, str]
    student: dict[str, str]  # Ann's headers: enrolled, not staff

    @property
    def url(self) -> str:
        return f"{V1}/courses/{self.course_id}/gradebook"


async def _quiz(
    api: Api, owner: dict[str, str], course_id: str, title: str, *, published: bool = True
) -> str:
    body = {"course_id": course_id, "title": title, "questions": [QUESTION]}
    quiz = await _ok(await api.client.post(f"{V1}/quizzes", json=body, headers=owner), 201)
    if published:
        await _ok(await api.client.post(f"{V1}/quizzes/{quiz['id']}/publish", headers=owner))
    return str(quiz["id"])


def _attempts(api: Api, rows: list[tuple[str, str, str, float | None, str | None]]) -> None:
    """(quiz, student, status, score, grading status) rows, as the service leaves them."""
    assert api.settings is not None
    engine = create_engine(sync_url(api.settings.database_url))
    now = datetime.now(UTC)
    try:
        with engine.begin() as connection:
            for quiz_id, student_id, status, score, grading in rows:
                connection.execute(
                    insert(quiz_attempts).values(
                        id=uuid.uuid4(),
                        quiz_id=uuid.UUID(quiz_id),
                        student_id=uuid.UUID(student_id),
                        question_order=[],
                        questions=[],
                        answers=[],
                        score=score,
                        passed=None if score is None else score >= 70,
                        status=status,
                        started_at=now,
                        ended_at=None if status == "open" else now,
                        grading_status=grading,
                    )
                )
    finally:
        engine.dispose()


async def build(api: Api, cast: Cast) -> Book:
    c = api.client
    course = await new_course(api, cast.owner, title="Algebra")
    draft = await new_course(api, cast.owner, title="Draft")
    lessons = [await new_lesson(api, cast.owner, course["id"], title=t) for t in ("One", "Two")]
    q1 = await _quiz(api, cast.owner, course["id"], "Quiz one")
    q2 = await _quiz(api, cast.owner, course["id"], FORMULA_TITLE)
    await _quiz(api, cast.owner, course["id"], "Not yet", published=False)
    await publish(api, cast.owner, course["id"])
    ta = api.auth(await api.user_with_role("instructor"))
    ta_id = (await _ok(await c.get(f"{V1}/users/me", headers=ta)))["id"]
    body = {"user_id": ta_id, "role": "teaching_assistant"}
    await _ok(await c.post(f"{V1}/courses/{course['id']}/staff", json=body, headers=cast.owner), 201)

    students, emails, headers = {}, {}, {}
    for name in ("Bob", "Ann", "@Evil"):
        tokens = await api.register(full_name=name)
        headers[name] = api.auth(tokens)
        students[name] = (await _ok(await c.get(f"{V1}/users/me", headers=headers[name])))["id"]
        emails[name] = tokens["email"]
        enrolled = await _ok(
            await c.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=headers[name]), 201
        )
        done = {"Ann": lessons, "Bob": lessons[:1]}.get(name, [])
        for lesson in done:
            url = f"{V1}/enrollments/{enrolled['id']}/lessons/{lesson['id']}/complete"
            await _ok(await c.post(url, headers=headers[name]))
    ann, bob = students["Ann"], students["Bob"]
    _attempts(
        api,
        [
            (q1, ann, "submitted", 55.5, "graded"),
            (q1, ann, "submitted", 80.0, "graded"),
            (q1, ann, "submitted", None, "pending_review"),
            (q2, ann, "expired", 0.0, "graded"),
            (q1, bob, "open", None, None),
        ],
    )
    return Book(course["id"], draft["id"], [q1, q2], ta, students, emails, headers["Ann"])


def _cells(book: Book, *cells: tuple[float | None, int, bool]) -> list[dict[str, Any]]:
    return [
        {"quiz_id": q, "best_score": best, "attempts": attempts, "passed": passed}
        for q, (best, attempts, passed) in zip(book.quizzes, cells, strict=True)
    ]


async def test_json_pages_of_students_by_name(api: Api, cast: Cast) -> None:
    book = await build(api, cast)
    first = await _ok(await api.client.get(book.url, params={"page_size": 2}, headers=cast.owner))
    assert {k: first[k] for k in ("total", "page", "page_size", "pages")} == {
        "total": 3,
        "page": 1,
        "page_size": 2,
        "pages": 2,
    }
    evil, ann = first["items"]
    assert [evil["full_name"], ann["full_name"]] == ["@Evil", "Ann"]  # JSON is not defused
    assert ann["student_id"] == book.students["Ann"]
    assert ann["email"] == book.emails["Ann"]
    assert ann["progress_percentage"] == 100
    assert ann["completed_at"] is not None
    assert ann["quizzes"] == _cells(book, (80.0, 3, True), (0.0, 1, False))
    assert evil["quizzes"] == _cells(book, (None, 0, False), (None, 0, False))

    second = await _ok(await api.client.get(book.url, params={"page": 2, "page_size": 2}, headers=cast.owner))
    [bob] = second["items"]
    assert (bob["full_name"], bob["progress_percentage"], bob["completed_at"]) == ("Bob", 50, None)
    assert bob["quizzes"] == _cells(book, (None, 0, False), (None, 0, False))  # only an open attempt

    for params in ({"page_size": 101}, {"page_size": 0}, {"page": 0}, {"format": "xml"}):
        assert (await api.client.get(book.url, params=params, headers=cast.owner)).status_code == 422, params


def _parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


async def test_csv_has_every_student_and_defuses_formulas(api: Api, cast: Cast) -> None:
    book = await build(api, cast)
    r = await api.client.get(book.url, params={"format": "csv", "page_size": 1}, headers=cast.owner)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    assert f"gradebook-{book.course_id}.csv" in r.headers["content-disposition"]
    assert r.headers["cache-control"] == "no-store"
    assert r.text.startswith("student_id,full_name,email,progress_percentage,completed_at,Quiz one,")
    rows = _parse(r.text)
    header = ["student_id", "full_name", "email", "progress_percentage", "completed_at"]
    assert rows[0] == [*header, "Quiz one", "'" + FORMULA_TITLE]
    assert [row[1] for row in rows[1:]] == ["'@Evil", "Ann", "Bob"]  # all of them, unpaged
    evil, ann, bob = rows[1:]
    assert evil == [book.students["@Evil"], "'@Evil", book.emails["@Evil"], "0", "", "", ""]
    assert ann[:4] == [book.students["Ann"], "Ann", book.emails["Ann"], "100"]
    assert datetime.fromisoformat(ann[4]).tzinfo is not None
    assert ann[5:] == ["80.0", "0.0"]
    assert bob == [book.students["Bob"], "Bob", book.emails["Bob"], "50", "", "", ""]


async def test_accept_text_csv_asks_for_the_file_and_format_wins(api: Api, cast: Cast) -> None:
    book = await build(api, cast)
    by_format = await api.client.get(book.url, params={"format": "csv"}, headers=book.ta)
    by_accept = await api.client.get(book.url, headers={**book.ta, "Accept": "text/csv"})
    assert by_accept.status_code == 200, by_accept.text
    assert by_accept.headers["content-type"].startswith("text/csv")
    assert _parse(by_accept.text) == _parse(by_format.text)
    assert len(_parse(by_accept.text)) == 4
    explicit = await api.client.get(
        book.url, params={"format": "json"}, headers={**book.ta, "Accept": "text/csv"}
    )
    assert explicit.headers["content-type"].startswith("application/json")
    assert explicit.json()["total"] == 3
    prefers_json = await api.client.get(
        book.url, headers={**book.ta, "Accept": "application/json, text/csv;q=0.5"}
    )
    assert prefers_json.json()["total"] == 3


async def test_who_may_read_it(api: Api, cast: Cast) -> None:
    book = await build(api, cast)
    c = api.client
    for who in (cast.owner, cast.admin, book.ta):
        assert (await c.get(book.url, headers=who)).status_code == 200
    for variant in ({}, {"format": "csv"}):
        for who in (book.student, cast.student, cast.other):  # they may see the course
            r = await c.get(book.url, params=variant, headers=who)
            assert (r.status_code, r.headers["content-type"]) == (403, "application/json"), r.text
        r = await c.get(f"{V1}/courses/{book.draft_id}/gradebook", params=variant, headers=cast.other)
        assert r.status_code == 404, r.text  # a draft of others
        r = await c.get(f"{V1}/courses/{uuid.uuid4()}/gradebook", params=variant, headers=cast.admin)
        assert (r.status_code, r.json()) == (404, {"detail": "Course not found"})
        assert (await c.get(book.url, params=variant)).status_code == 401
    r = await c.get(f"{V1}/courses/{book.draft_id}/gradebook", headers=cast.owner)
    assert (await _ok(r))["items"] == []  # the owner's own draft: nobody enrolled


async def test_an_erased_student_keeps_a_row_without_a_name(api: Api, cast: Cast) -> None:
    book = await build(api, cast)
    r = await api.client.post(f"{V1}/users/me/erase", json={"password": PASSWORD}, headers=book.student)
    assert r.status_code == 204, r.text
    body = await _ok(await api.client.get(book.url, headers=cast.owner))
    assert body["total"] == 3
    erased = body["items"][0]  # an empty name comes first
    assert (erased["student_id"], erased["full_name"]) == (book.students["Ann"], "")
    assert erased["email"] == f"erased:{book.students['Ann']}"
    assert erased["quizzes"] == _cells(book, (80.0, 3, True), (0.0, 1, False))
    rows = _parse((await api.client.get(book.url, params={"format": "csv"}, headers=cast.owner)).text)
    assert rows[1][:3] == [book.students["Ann"], "", f"erased:{book.students['Ann']}"]


async def test_the_openapi_document_describes_both_bodies_and_every_status(api: Api) -> None:
    schema = await _ok(await api.client.get("/openapi.json"))
    operation = schema["paths"][f"{V1}/courses/{{course_id}}/gradebook"]["get"]
    ok = operation["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/GradebookPage"}
    assert ok["content"]["text/csv"]["schema"]["type"] == "string"
    assert {"401", "403", "404", "422", "429"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} >= {"page", "page_size", "format"}
    page_size = next(p for p in operation["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == 100

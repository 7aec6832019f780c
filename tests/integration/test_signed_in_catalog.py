"""Signed-in catalog reads: a student's course list and course page cost at most one SQL statement
beyond authentication (the copies of what every caller sees alike are kept per worker under the
catalog's stamp), answer what anonymous callers get wherever the caller changes nothing, and never
show what a finished write changed, on one app or (with Redis) another sharing the stamp.

Counted like tests/integration/test_caller_state.py: statements on the app's engine. With Redis,
authentication sends none; embedded, it sends one (the session joined to its user), left out here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import event

from lms_http.app import create_app
from lms_http.container import Container
from lms_http.settings import Settings
from tests.conftest import needs_pg, needs_redis
from tests.integration.catalog_support import V1, new_course, new_lesson, publish
from tests.integration.conftest import Api, racing_client

LIST = f"{V1}/courses?page=1&page_size=5"
FILTERED = f"{V1}/courses?category=data&difficulty_level=beginner"


def beyond_authentication(statements: list[str]) -> list[str]:
    """The statements, without authentication's (the embedded session store's transaction and
    its session joined to the user), SQLite's ``BEGIN IMMEDIATE`` as ``BEGIN``."""
    shown: list[str] = []
    for n, statement in enumerate(statements):
        if "auth_sessions" in statement:
            continue
        if statement.startswith("BEGIN"):
            if n + 1 < len(statements) and "auth_sessions" in statements[n + 1]:
                continue
            statement = "BEGIN"
        shown.append(statement)
    return shown


@dataclass
class Counted:
    api: Api
    statements: list[str]
    embedded: bool

    def cost(self, selects: int) -> list[str]:
        """How ``shape`` shows a read of ``selects`` statements: SQLite's transaction first."""
        return ["BEGIN"] * (self.embedded and selects > 0) + ["SELECT"] * selects

    async def read(self, url: str, headers: dict[str, str]) -> tuple[Any, list[str]]:
        """What a read answers (a 200) and the statements it sent beyond authentication."""
        self.statements.clear()
        r = await self.api.client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        return r.json(), beyond_authentication(self.statements)

    async def read_again(self, url: str, headers: dict[str, str]) -> tuple[Any, list[str]]:
        """The second of two reads: the first may fill the copies, the second is counted."""
        first, _ = await self.read(url, headers)
        again, statements = await self.read(url, headers)
        assert again == first
        return again, statements


def shape(statements: list[str]) -> list[str]:
    return [s if s == "BEGIN" else s.split()[0] for s in statements]


def counting(app: Litestar, statements: list[str]) -> None:
    def statement(_conn: Any, _cursor: Any, text: str, *_: Any) -> None:
        statements.append(text)

    event.listen(app.state.container.engine().sync_engine, "before_cursor_execute", statement)


@pytest.fixture
async def counted(settings: Settings) -> AsyncIterator[Counted]:
    app, statements = create_app(settings, Container(settings=settings)), list[str]()
    counting(app, statements)
    async with racing_client(app) as client:
        yield Counted(Api(client, settings), statements, embedded=settings.redis_url is None)


async def people(api: Api) -> tuple[dict[str, str], dict[str, str], str]:
    """An instructor's and a student's headers, and the student's id (both have made a request,
    so their state is kept where a store keeps it)."""
    owner = api.auth(await api.user_with_role("instructor"))
    student = api.auth(await api.register())
    me = await api.client.get(f"{V1}/users/me", headers=student)
    assert me.status_code == 200, me.text
    return owner, student, str(me.json()["id"])


async def published_course(api: Api, owner: dict[str, str], **fields: Any) -> dict[str, Any]:
    course = await new_course(api, owner, category="data", difficulty_level="beginner", **fields)
    await publish(api, owner, course["id"])
    return course


async def test_a_students_list_and_course_page_cost_no_statement(counted: Counted) -> None:
    api = counted.api
    owner, student, _ = await people(api)
    course = await published_course(api, owner, title="Kept Apart")
    await new_lesson(api, owner, course["id"], title="One")
    await new_course(api, owner, title="Owner's Draft")  # drafts of others change nothing
    for url in (LIST, FILTERED, f"{V1}/courses/{course['id']}"):
        shown, statements = await counted.read_again(url, student)
        assert statements == [], statements
        anonymous = await api.client.get(url)
        assert shown == anonymous.json()


async def test_an_enrolled_students_course_page_reads_only_their_progress(counted: Counted) -> None:
    api = counted.api
    owner, student, _ = await people(api)
    course = await published_course(api, owner, title="Gated")
    first = await new_lesson(api, owner, course["id"], title="First")
    rule = {"after_lessons": [first["id"]], "after_quiz": None}
    await new_lesson(api, owner, course["id"], title="Second", release_rule=rule)
    page = f"{V1}/courses/{course['id']}"

    shown, statements = await counted.read_again(page, student)  # not enrolled: no rule applies
    assert [v["locked"] for v in shown["lessons"]] == [False, False]
    assert shape(statements) == counted.cost(1), statements  # which that statement tells
    assert "FROM enrollments" in statements[-1]
    r = await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=student)
    assert r.status_code == 201, r.text
    shown, statements = await counted.read_again(page, student)  # enrolled: the very next read
    assert [v["locked"] for v in shown["lessons"]] == [False, True]
    assert shape(statements) == counted.cost(1), statements  # their progress, in one statement
    assert "FROM enrollments" in statements[-1]
    _, statements = await counted.read_again(LIST, student)
    assert statements == [], statements

    done = await api.client.post(
        f"{V1}/enrollments/{r.json()['id']}/lessons/{first['id']}/complete", headers=student
    )
    assert done.status_code in (200, 201), done.text
    shown, _ = await counted.read(page, student)  # a completion unlocks at once
    assert [v["locked"] for v in shown["lessons"]] == [False, False]


async def test_a_student_on_the_staff_of_a_draft(counted: Counted) -> None:
    api = counted.api
    owner, student, student_id = await people(api)
    await published_course(api, owner, title="Open")
    draft = await new_course(api, owner, title="Still A Draft", category="data", difficulty_level="beginner")
    listed, statements = await counted.read_again(LIST, student)
    assert draft["id"] not in [c["id"] for c in listed["items"]] and statements == []
    assert (await api.client.get(f"{V1}/courses/{draft['id']}", headers=student)).status_code == 404

    r = await api.client.post(
        f"{V1}/courses/{draft['id']}/staff",
        json={"user_id": student_id, "role": "teaching_assistant"},
        headers=owner,
    )
    assert r.status_code == 201, r.text
    for url in (LIST, FILTERED):  # the very next list shows the draft: the list of its viewers
        listed, statements = await counted.read_again(url, student)
        assert draft["id"] in [c["id"] for c in listed["items"]]
        assert shape(statements) == counted.cost(1), statements  # the page with its total
        assert "FROM courses" in statements[-1]
    shown, statements = await counted.read_again(f"{V1}/courses/{draft['id']}", student)
    assert shown["title"] == "Still A Draft" and [m["user_id"] for m in shown["staff"]] == [student_id]
    assert statements == [], statements  # staff are never locked out: nothing to read

    r = await api.client.delete(f"{V1}/courses/{draft['id']}/staff/{student_id}", headers=owner)
    assert r.status_code == 204, r.text
    assert (await api.client.get(f"{V1}/courses/{draft['id']}", headers=student)).status_code == 404
    listed, _ = await counted.read(LIST, student)
    assert draft["id"] not in [c["id"] for c in listed["items"]]


async def test_every_catalog_write_shows_in_the_very_next_signed_in_read(counted: Counted) -> None:
    api = counted.api
    owner, student, _ = await people(api)
    course = await published_course(api, owner, title="Fresh")
    page = f"{V1}/courses/{course['id']}"

    async def titles() -> list[str]:
        await counted.read(page, student)  # kept, if it was not
        shown, _ = await counted.read(page, student)
        return [v["title"] for v in shown["lessons"]]

    async def listed() -> list[str]:
        await counted.read(FILTERED, student)
        shown, _ = await counted.read(FILTERED, student)
        return [c["title"] for c in shown["items"]]

    assert await titles() == [] and await listed() == ["Fresh"]
    a = await new_lesson(api, owner, course["id"], title="A")
    assert await titles() == ["A"]
    b = await new_lesson(api, owner, course["id"], title="B")
    assert await titles() == ["A", "B"]
    r = await api.client.patch(
        f"{V1}/lessons/reorder",
        json={"course_id": course["id"], "lesson_ids": [b["id"], a["id"]]},
        headers=owner,
    )
    assert r.status_code == 200, r.text
    assert await titles() == ["B", "A"]
    r = await api.client.delete(f"{V1}/lessons/{b['id']}", headers=owner)
    assert r.status_code == 204, r.text
    assert await titles() == ["A"]
    r = await api.client.patch(f"{V1}/courses/{course['id']}", json={"title": "Fresher"}, headers=owner)
    assert r.status_code == 200, r.text
    assert await listed() == ["Fresher"]
    assert (await counted.read(page, student))[0]["title"] == "Fresher"
    other = await new_course(api, owner, title="Late", category="data", difficulty_level="beginner")
    assert await listed() == ["Fresher"]
    await publish(api, owner, other["id"])
    assert await listed() == ["Late", "Fresher"]
    r = await api.client.delete(f"{V1}/courses/{course['id']}", headers=owner)
    assert r.status_code == 204, r.text
    assert await listed() == ["Late"]
    assert (await api.client.get(page, headers=student)).status_code == 404


@pytest.mark.parametrize("stack", [pytest.param("postgres", marks=[needs_pg, needs_redis])])
async def test_a_write_through_one_app_shows_in_the_next_read_on_another(
    counted: Counted, settings: Settings
) -> None:
    """Two apps (as two workers or instances) sharing PostgreSQL and Redis: the stamp is Redis'."""
    api = counted.api
    owner, student, _ = await people(api)
    course = await published_course(api, owner, title="Shared")
    lesson = await new_lesson(api, owner, course["id"], title="Shared Lesson")
    page = f"{V1}/courses/{course['id']}"
    other = create_app(settings, Container(settings=settings))
    async with racing_client(other) as elsewhere:
        for client in (api.client, elsewhere):  # both keep the outline
            for _ in range(2):
                r = await client.get(page, headers=student)
                assert r.status_code == 200 and r.json()["lessons"][0]["title"] == "Shared Lesson"
        r = await elsewhere.patch(f"{V1}/lessons/{lesson['id']}", json={"title": "Renamed"}, headers=owner)
        assert r.status_code == 200, r.text
        assert (await api.client.get(page, headers=student)).json()["lessons"][0]["title"] == "Renamed"
        r = await api.client.patch(f"{V1}/courses/{course['id']}", json={"title": "Both"}, headers=owner)
        assert r.status_code == 200, r.text
        listed = await elsewhere.get(FILTERED, headers=student)
        assert [c["title"] for c in listed.json()["items"]] == ["Both"]


async def test_a_quiz_deletion_shows_in_the_very_next_course_page(counted: Counted) -> None:
    """Deleting a quiz takes it out of the rules that name it (an assessment write that renews the
    catalog's stamp, since the kept outline holds the rules)."""
    api = counted.api
    owner, student, _ = await people(api)
    course = await published_course(api, owner, title="Quizzed")
    question = {"question_text": "2 + 2?", "question_type": "multiple_choice", "options": ["3", "4"]}
    r = await api.client.post(
        f"{V1}/quizzes",
        json={
            "course_id": course["id"],
            "title": "Check",
            "questions": [{**question, "correct_answer": "4"}],
        },
        headers=owner,
    )
    assert r.status_code == 201, r.text
    quiz_id = r.json()["id"]
    rule = {"after_lessons": [], "after_quiz": {"quiz_id": quiz_id, "min_score": 50}}
    await new_lesson(api, owner, course["id"], title="Behind The Quiz", release_rule=rule)
    r = await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=student)
    assert r.status_code == 201, r.text
    page = f"{V1}/courses/{course['id']}"
    shown, statements = await counted.read_again(page, student)
    assert [v["locked"] for v in shown["lessons"]] == [True]
    assert shape(statements) == counted.cost(1), statements  # enrollment, completions and scores
    r = await api.client.delete(f"{V1}/quizzes/{quiz_id}", headers=owner)
    assert r.status_code == 204, r.text
    shown, statements = await counted.read(page, student)
    assert [v["locked"] for v in shown["lessons"]] == [False]

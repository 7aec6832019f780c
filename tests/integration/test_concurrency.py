"""Writes that stay made: many requests released at once, over several rounds, on both stacks.

Each test races a write against other writes of the same rows and then checks, over HTTP, that
every answered change is still there: no lost update (a read-change-write putting old values
back), no security control raced past (lockout, MFA codes, a password change), and no progress
left half done.

The requests go through ``racing_client`` (httpx's ASGI transport on the test's own loop), so they
really are in flight together: Litestar's test client hands each request to a thread of its own
and waits for it, which runs "concurrent" requests one after another. On PostgreSQL each request
has its own connection; on SQLite they queue on the database's write lock.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import pyotp
import pytest
from dependency_injector import providers
from litestar import Litestar

from tests.builders import FixedClock
from tests.integration.catalog_support import V1, Cast, cast, new_course, new_lesson, publish
from tests.integration.conftest import PASSWORD, Api, json_body, outbox, racing_client

__all__ = ["cast"]  # the fixture


@pytest.fixture
async def api(make_app: Callable[..., Litestar]) -> AsyncIterator[Api]:
    """This module's ``api`` (and so ``cast``) sends its requests really at once."""
    app = make_app()
    async with racing_client(app) as client:
        yield Api(client, app.state.container.settings())


ROUNDS = 4
CROWD = 12  # concurrent requests of each kind per round
_names = itertools.count()


async def at_once(*calls: Awaitable[Any]) -> list[Any]:
    """Release every request together (the test client runs them on one loop, interleaved at each
    await, while the database sees them on separate connections)."""
    return list(await asyncio.gather(*calls))


def statuses(responses: list[Any]) -> list[int]:
    return [r.status_code for r in responses]


async def login(api: Api, email: str, password: str = PASSWORD) -> Any:
    return await api.client.post(f"{V1}/auth/login", json={"email": email, "password": password})


def rename_me(api: Api, headers: dict[str, str]) -> Callable[[], Awaitable[Any]]:
    async def call() -> Any:
        return await api.client.patch(
            f"{V1}/users/me", json={"full_name": f"Name {next(_names)}"}, headers=headers
        )

    return call


# --- users: lost updates -------------------------------------------------------------------------


async def shown(api: Api, admin: dict[str, str], email: str) -> dict[str, Any]:
    """The user as the admin's list shows it."""
    users = (await api.client.get(f"{V1}/users", params={"q": email}, headers=admin)).json()
    (user,) = users["items"]
    return dict(user)


async def test_deactivation_survives_the_users_own_profile_edits_and_logins(api: Api) -> None:
    admin = api.auth(await api.user_with_role("admin"))
    for _ in range(ROUNDS):
        user = await api.register()
        me = api.auth(user)
        edit = rename_me(api, me)
        user_id = (await api.client.get(f"{V1}/users/me", headers=me)).json()["id"]
        answers = await at_once(
            api.client.patch(f"{V1}/users/{user_id}", json={"is_active": False}, headers=admin),
            *(edit() for _ in range(CROWD)),
            *(login(api, user["email"]) for _ in range(3)),
        )
        assert answers[0].status_code == 200, answers[0].text
        assert (await shown(api, admin, user["email"]))["is_active"] is False
        assert (await login(api, user["email"])).status_code == 401
        for tokens in (user, *(r.json() for r in answers[CROWD + 1 :] if r.status_code == 200)):
            assert (await api.client.get(f"{V1}/users/me", headers=api.auth(tokens))).status_code == 401


async def test_a_demoted_admin_loses_the_role_whatever_they_edit_meanwhile(api: Api) -> None:
    boss = api.auth(await api.user_with_role("admin"))
    for _ in range(ROUNDS):
        other_user = await api.user_with_role("admin")
        other = api.auth(other_user)
        other_id = (await api.client.get(f"{V1}/users/me", headers=other)).json()["id"]
        edit = rename_me(api, other)
        answers = await at_once(
            api.client.patch(f"{V1}/users/{other_id}", json={"role": "student"}, headers=boss),
            *(edit() for _ in range(CROWD)),
        )
        assert statuses(answers) == [200] * (CROWD + 1)
        assert (await shown(api, boss, other_user["email"]))["role"] == "student"
        assert (await api.client.get(f"{V1}/users", headers=other)).status_code == 403


async def test_a_changed_password_stays_changed_during_profile_edits(api: Api) -> None:
    for round_ in range(ROUNDS):
        user = await api.register()
        me = api.auth(user)
        edit = rename_me(api, me)
        new_password = f"Fresh7Horse{round_}x"
        answers = await at_once(
            api.client.post(
                f"{V1}/users/me/password",
                json={"current_password": PASSWORD, "new_password": new_password},
                headers=me,
            ),
            *(edit() for _ in range(CROWD)),
        )
        assert answers[0].status_code == 204, answers[0].text
        assert all(r.status_code == 200 for r in answers[1:])
        assert (await login(api, user["email"])).status_code == 401
        assert (await login(api, user["email"], new_password)).status_code == 200


async def test_mfa_once_verified_stays_on_during_profile_edits(make_app: Callable[..., Litestar]) -> None:
    clock = FixedClock()
    app = make_app()
    app.state.container.clock.override(providers.Object(clock))
    async with racing_client(app) as client:
        api = Api(client, app.state.container.settings())
        for _ in range(ROUNDS):
            user = await api.register()
            me = api.auth(user)
            enabled = await client.post(f"{V1}/auth/mfa/enable", headers=me)
            assert enabled.status_code == 200, enabled.text
            secret = enabled.json()["secret"]
            edit = rename_me(api, me)
            code = pyotp.TOTP(secret).at(clock.now())
            answers = await at_once(
                client.post(f"{V1}/auth/mfa/verify", json={"code": code}, headers=me),
                *(edit() for _ in range(CROWD)),
            )
            assert answers[0].status_code == 200, answers[0].text
            assert (await client.get(f"{V1}/users/me", headers=me)).json()["mfa_enabled"] is True
            alone = await login(api, user["email"])
            assert (alone.status_code, alone.json()) == (403, {"detail": "MFA code required"})
            clock.advance(seconds=-30)  # a fresh time step (backwards: tokens are never issued ahead)


class TickingClock(FixedClock):
    """A clock a millisecond later at every reading: each sign-in gets a time of its own."""

    def now(self) -> datetime:
        self.advance(milliseconds=1)
        return self.current


async def test_the_kept_profile_ends_as_the_database_has_it_after_racing_changes(
    make_app: Callable[..., Litestar],
) -> None:
    """users/me answers from the caller's kept state; after the user's renames, an admin's renames,
    sign-ins and MFA turned on, all at once, it shows what the database holds, field for field."""
    clock = TickingClock()
    app = make_app()
    app.state.container.clock.override(providers.Object(clock))
    async with racing_client(app) as client:
        api = Api(client, app.state.container.settings())
        admin = api.auth(await api.user_with_role("admin"))
        for n in range(ROUNDS):
            user = await api.register()
            me = api.auth(user)
            user_id = (await client.get(f"{V1}/users/me", headers=me)).json()["id"]
            secret = (await client.post(f"{V1}/auth/mfa/enable", headers=me)).json()["secret"]
            code = pyotp.TOTP(secret).at(clock.now())
            answers = await at_once(
                client.post(f"{V1}/auth/mfa/verify", json={"code": code}, headers=me),
                *(rename_me(api, me)() for _ in range(CROWD // 2)),
                *(
                    client.patch(f"{V1}/users/{user_id}", json={"full_name": f"Set {n}.{k}"}, headers=admin)
                    for k in range(CROWD // 2)
                ),
                *(login(api, user["email"]) for _ in range(3)),
            )
            assert answers[0].status_code == 200, answers[0].text
            assert set(statuses(answers[1 : CROWD + 1])) == {200}, statuses(answers)
            assert set(statuses(answers[CROWD + 1 :])) <= {200, 403}, statuses(answers)
            kept = (await client.get(f"{V1}/users/me", headers=me)).json()
            assert kept == await shown(api, admin, user["email"]), n
            assert kept["mfa_enabled"] is True
            clock.advance(seconds=-30)  # a fresh time step (backwards: tokens are never issued ahead)


# --- catalog and assessment: lost updates --------------------------------------------------------


async def test_lesson_fields_survive_concurrent_title_edits(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    for round_ in range(ROUNDS):
        lesson = await new_lesson(api, cast.owner, course["id"], duration_minutes=1, is_preview=False)
        url = f"{V1}/lessons/{lesson['id']}"
        answers = await at_once(
            api.client.patch(
                url, json={"duration_minutes": 40 + round_, "is_preview": True}, headers=cast.owner
            ),
            *(api.client.patch(url, json={"title": f"Title {n}"}, headers=cast.owner) for n in range(CROWD)),
        )
        assert statuses(answers) == [200] * (CROWD + 1)
        shown = (await api.client.get(url, headers=cast.owner)).json()
        assert (shown["duration_minutes"], shown["is_preview"]) == (40 + round_, True)


async def test_course_fields_survive_concurrent_title_edits(api: Api, cast: Cast) -> None:
    for round_ in range(ROUNDS):
        course = await new_course(api, cast.owner)
        url = f"{V1}/courses/{course['id']}"
        answers = await at_once(
            api.client.post(f"{url}/publish", headers=cast.owner),
            api.client.patch(url, json={"estimated_duration_minutes": 90 + round_}, headers=cast.owner),
            *(api.client.patch(url, json={"title": f"Title {n}"}, headers=cast.owner) for n in range(CROWD)),
        )
        assert statuses(answers) == [200] * (CROWD + 2)
        shown = (await api.client.get(url, headers=cast.owner)).json()
        assert (shown["is_published"], shown["estimated_duration_minutes"]) == (True, 90 + round_)


QUESTION = {
    "question_text": "2 + 2?",
    "question_type": "multiple_choice",
    "options": ["3", "4"],
    "correct_answer": "4",
    "points": 1,
}


async def new_quiz(api: Api, headers: dict[str, str], course_id: str, questions: int = 0) -> dict[str, Any]:
    body = {"course_id": course_id, "title": "Quiz", "questions": [QUESTION] * questions}
    r = await api.client.post(f"{V1}/quizzes", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return json_body(r)


async def test_a_quiz_published_while_questions_are_added_stays_published(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    for _ in range(ROUNDS):
        quiz = await new_quiz(api, cast.owner, course["id"], questions=1)
        url = f"{V1}/quizzes/{quiz['id']}"
        answers = await at_once(
            api.client.post(f"{url}/publish", headers=cast.owner),
            *(api.client.post(f"{url}/questions", json=QUESTION, headers=cast.owner) for _ in range(CROWD)),
        )
        assert statuses(answers) == [200] + [201] * CROWD
        shown = (await api.client.get(url, headers=cast.owner)).json()
        assert shown["is_published"] is True
        assert len(shown["questions"]) == CROWD + 1


async def test_an_attempt_limit_survives_concurrent_title_edits(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    for round_ in range(ROUNDS):
        quiz = await new_quiz(api, cast.owner, course["id"], questions=1)
        url = f"{V1}/quizzes/{quiz['id']}"
        answers = await at_once(
            api.client.patch(url, json={"max_attempts": 1 + round_}, headers=cast.owner),
            *(api.client.patch(url, json={"title": f"Quiz {n}"}, headers=cast.owner) for n in range(CROWD)),
        )
        assert statuses(answers) == [200] * (CROWD + 1)
        assert (await api.client.get(url, headers=cast.owner)).json()["max_attempts"] == 1 + round_


async def test_deleting_every_question_of_a_published_quiz_at_once_keeps_one(api: Api, cast: Cast) -> None:
    course = await new_course(api, cast.owner)
    for _ in range(ROUNDS):
        quiz = await new_quiz(api, cast.owner, course["id"], questions=6)
        url = f"{V1}/quizzes/{quiz['id']}"
        assert (await api.client.post(f"{url}/publish", headers=cast.owner)).status_code == 200
        question_ids = [q["id"] for q in quiz["questions"]]
        answers = await at_once(
            *(api.client.delete(f"{url}/questions/{q}", headers=cast.owner) for q in question_ids)
        )
        assert sorted(statuses(answers)) == [204] * 5 + [400]
        shown = (await api.client.get(url, headers=cast.owner)).json()
        assert shown["is_published"] is True and len(shown["questions"]) == 1


# --- learning: progress ------------------------------------------------------------------------


async def enrolled(api: Api, cast: Cast, lessons: int) -> tuple[dict[str, Any], list[str], str]:
    """A published course with ``lessons`` lessons, and the student's enrollment in it."""
    course = await new_course(api, cast.owner)
    ids = [(await new_lesson(api, cast.owner, course["id"]))["id"] for _ in range(lessons)]
    await publish(api, cast.owner, course["id"])
    r = await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=cast.student)
    assert r.status_code == 201, r.text
    return course, ids, r.json()["id"]


async def test_completing_every_lesson_at_once_completes_the_course(api: Api, cast: Cast) -> None:
    for _ in range(ROUNDS):
        _, lesson_ids, enrollment_id = await enrolled(api, cast, lessons=CROWD)
        url = f"{V1}/enrollments/{enrollment_id}"
        answers = await at_once(
            *(
                api.client.post(f"{url}/lessons/{lesson}/complete", headers=cast.student)
                for lesson in lesson_ids
            )
        )
        assert statuses(answers) == [200] * CROWD, [r.text for r in answers]
        shown = (await api.client.get(url, headers=cast.student)).json()
        assert shown["progress_percentage"] == 100
        assert shown["completed_at"] is not None
        # one event per change: each lesson once, the course once, whichever request finished it
        completed = outbox(api, "lesson.completed", enrollment_id=enrollment_id)
        assert sorted(e["lesson_id"] for e in completed) == sorted(lesson_ids)
        assert sorted(e["progress_percentage"] for e in completed)[-1] == 100
        assert len(outbox(api, "enrollment.completed", enrollment_id=enrollment_id)) == 1
        cert = await api.client.post(
            f"{V1}/certificates/generate", json={"enrollment_id": enrollment_id}, headers=cast.student
        )
        assert cert.status_code == 201, cert.text


async def test_one_lesson_completed_at_once_and_one_enrollment_are_one_event_each(
    api: Api, cast: Cast
) -> None:
    for _ in range(ROUNDS):
        course, (lesson, _other), _ = await enrolled(api, cast, lessons=2)
        learner = api.auth(await api.register())
        joins = await at_once(
            *(
                api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=learner)
                for _ in range(CROWD)
            )
        )
        assert sorted(statuses(joins)) == [201] + [409] * (CROWD - 1)
        enrollment_id = next(r.json()["id"] for r in joins if r.status_code == 201)
        assert len(outbox(api, "enrollment.created", enrollment_id=enrollment_id)) == 1
        url = f"{V1}/enrollments/{enrollment_id}/lessons/{lesson}/complete"
        answers = await at_once(*(api.client.post(url, headers=learner) for _ in range(CROWD)))
        assert statuses(answers) == [200] * CROWD
        assert len({r.json()["id"] for r in answers}) == 1  # the first completion stays
        assert [e["lesson_id"] for e in outbox(api, "lesson.completed", enrollment_id=enrollment_id)] == [
            lesson
        ]


async def test_deleting_the_last_lesson_left_completes_the_course(api: Api, cast: Cast) -> None:
    for _ in range(ROUNDS):
        _, lesson_ids, enrollment_id = await enrolled(api, cast, lessons=4)
        url = f"{V1}/enrollments/{enrollment_id}"
        *done, left = lesson_ids
        answers = await at_once(
            api.client.delete(f"{V1}/lessons/{left}", headers=cast.owner),
            *(api.client.post(f"{url}/lessons/{lesson}/complete", headers=cast.student) for lesson in done),
        )
        assert statuses(answers) == [204] + [200] * len(done)
        shown = (await api.client.get(url, headers=cast.student)).json()
        assert (shown["progress_percentage"], shown["completed_at"] is not None) == (100, True)


# --- security controls that must not be raced -----------------------------------------------------


async def test_wrong_passwords_sent_at_once_are_checked_no_more_than_the_threshold(api: Api) -> None:
    for _ in range(ROUNDS):
        user = await api.register()
        answers = await at_once(*(login(api, user["email"], "Wrong7Horse") for _ in range(15)))
        assert sorted(statuses(answers)) == [401] * 5 + [423] * 10
        assert (await login(api, user["email"])).status_code == 423  # even the right password


async def test_mfa_code_failures_lock_even_with_password_only_logins_between(
    make_app: Callable[..., Litestar],
) -> None:
    """A password-only login answered "MFA code required" is not a sign-in: it never resets the count."""
    clock = FixedClock()
    app = make_app()
    app.state.container.clock.override(providers.Object(clock))
    async with racing_client(app) as client:
        api = Api(client, app.state.container.settings())
        for round_ in range(ROUNDS):
            user = await api.register()
            me = api.auth(user)
            secret = (await client.post(f"{V1}/auth/mfa/enable", headers=me)).json()["secret"]
            totp = pyotp.TOTP(secret)
            assert (
                await client.post(f"{V1}/auth/mfa/verify", json={"code": totp.at(clock.now())}, headers=me)
            ).status_code == 200
            clock.advance(seconds=-30)
            near = {totp.at(clock.now().timestamp() + d) for d in (-30, 0, 30)}
            wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)
            body = {"email": user["email"], "password": PASSWORD, "mfa_code": wrong}
            right = {**body, "mfa_code": totp.at(clock.now())}
            if round_ % 2 == 0:  # one after another: a password-only login between each failure
                for n in range(5):
                    if n:
                        assert (await login(api, user["email"])).status_code == 403
                    assert (await client.post(f"{V1}/auth/mfa/login", json=body)).status_code == 401
            else:  # at once: never more than five codes checked, and then the address is locked
                seen: list[int] = []
                for _ in range(10):
                    seen += statuses(
                        await at_once(
                            *(client.post(f"{V1}/auth/mfa/login", json=body) for _ in range(6)),
                            *(login(api, user["email"]) for _ in range(6)),
                        )
                    )
                    if seen.count(401) >= 5:
                        break
                assert seen.count(401) == 5, seen
            assert (await client.post(f"{V1}/auth/mfa/login", json=right)).status_code == 423
            clock.advance(seconds=-60)


async def test_no_session_outlives_the_password_it_was_opened_with(make_app: Callable[..., Litestar]) -> None:
    """Logins checking the old password while it changes: whichever way each one ends, no token it
    got works afterwards; the session that changed the password goes on."""
    app = make_app(lockout_threshold=1000)  # a dozen right passwords at once are not an attack
    async with racing_client(app) as client:
        api = Api(client, app.state.container.settings())
        for round_ in range(ROUNDS):
            user = await api.register()
            me = api.auth(user)
            new_password = f"Fresh7Horse{round_}x"
            answers = await at_once(
                client.post(
                    f"{V1}/users/me/password",
                    json={"current_password": PASSWORD, "new_password": new_password},
                    headers=me,
                ),
                *(login(api, user["email"]) for _ in range(CROWD)),
            )
            assert answers[0].status_code == 204, answers[0].text
            assert set(statuses(answers[1:])) <= {200, 401}
            for r in answers[1:]:
                if r.status_code == 200:
                    assert (await client.get(f"{V1}/users/me", headers=api.auth(r.json()))).status_code == 401
                    refreshed = await client.post(
                        f"{V1}/auth/refresh", json={"refresh_token": r.json()["refresh_token"]}
                    )
                    assert refreshed.status_code == 401
            assert (await client.get(f"{V1}/users/me", headers=me)).status_code == 200


async def test_a_success_starts_the_count_again(api: Api) -> None:
    """Four failures at once, then a success, round after round: the address never locks."""
    user = await api.register()
    for _ in range(ROUNDS):
        wrong = await at_once(*(login(api, user["email"], "Wrong7Horse") for _ in range(4)))
        assert statuses(wrong) == [401] * 4
        assert (await login(api, user["email"])).status_code == 200

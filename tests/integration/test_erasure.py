"""Erasing an account over HTTP through the real app, on SQLite and on PostgreSQL + Redis: what goes
(sign-in, name, email, staff roles, files and PDFs with their bytes, deleted by the job queue's
worker), what stays (enrollments, certificates without a name), who may, the 409s, and racing
erasures and demotions that could leave no active admin."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from litestar import Litestar
from sqlalchemy import create_engine, select, update

from lms_adapters.sql.tables import users
from lms_adapters.sql.urls import sync_url
from lms_http.settings import Settings
from tests.integration.catalog_support import V1, Cast, cast, new_course
from tests.integration.conftest import PASSWORD, Api, racing_client
from tests.integration.test_personal_data import history

__all__ = ["cast"]  # the fixture

ROUNDS = 3


async def my_id(api: Api, headers: dict[str, str]) -> str:
    return str((await api.client.get(f"{V1}/users/me", headers=headers)).json()["id"])


def stored(settings: Settings) -> set[str]:
    root = Path(settings.storage_dir)
    return {p.name for p in root.iterdir() if p.is_file()} if root.exists() else set()


async def gone(settings: Settings, keys: set[str], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while keys & stored(settings):
        assert time.monotonic() < deadline, f"still stored after {timeout} s: {keys & stored(settings)}"
        await asyncio.sleep(0.1)


async def erase_me(api: Api, headers: dict[str, str], **body: Any) -> Any:
    return await api.client.post(f"{V1}/users/me/erase", json=body, headers=headers)


async def test_erasing_ones_account_removes_the_person_and_keeps_the_records(
    make_app: Callable[..., Litestar], settings: Settings, cast: Cast
) -> None:
    async with racing_client(make_app(delivery_in_process=True)) as client:
        api = Api(client, settings)
        tokens = await api.register(full_name="Erin Erased")
        me = api.auth(tokens)
        user_id = await my_id(api, me)
        h = await history(api, cast, me, user_id)
        keys = stored(settings)  # the upload and the certificate's PDF
        assert len(keys) == 2

        # a wrong or missing password is 400 and the session goes on
        for body, detail in [
            ({"password": "wrong"}, "Password is incorrect"),
            ({}, "The password is required"),
            ({"password": ""}, "The password is required"),
        ]:
            r = await erase_me(api, me, **body)
            assert (r.status_code, r.json()) == (400, {"detail": detail})
        assert (await api.client.get(f"{V1}/users/me", headers=me)).status_code == 200
        people = (await api.client.get(f"{V1}/analytics/system", headers=cast.admin)).json()["total_users"]
        assert (await erase_me(api, me, password=PASSWORD)).status_code == 204
        after = (await api.client.get(f"{V1}/analytics/system", headers=cast.admin)).json()["total_users"]
        assert after == people - 1  # an erased account is no user

        # signed out everywhere, for good; the address is free again
        assert (await api.client.get(f"{V1}/users/me", headers=me)).status_code == 401
        refresh = await api.client.post(f"{V1}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refresh.status_code == 401
        login = await api.client.post(
            f"{V1}/auth/login", json={"email": tokens["email"], "password": PASSWORD}
        )
        assert login.status_code == 401
        again = await api.register(email=tokens["email"], full_name="Someone New")
        assert await my_id(api, api.auth(again)) != user_id

        # not a user any more
        assert (await api.client.get(f"{V1}/users/{user_id}/export", headers=cast.admin)).status_code == 404
        back = await api.client.patch(f"{V1}/users/{user_id}", json={"is_active": True}, headers=cast.admin)
        assert back.status_code == 404  # never active again
        assert (await api.client.post(f"{V1}/users/{user_id}/erase", headers=cast.admin)).status_code == 404
        listed = await api.client.get(f"{V1}/users", params={"page_size": 100}, headers=cast.admin)
        assert user_id not in [u["id"] for u in listed.json()["items"]]
        staff = await api.client.get(f"{V1}/courses/{h['other_course']['id']}/staff", headers=cast.owner)
        assert staff.json()["items"] == []

        # the certificate stays verifiable, without a name; its PDF is gone
        number = h["cert"]["certificate_number"]
        verified = (await api.client.get(f"{V1}/certificates/verify/{number}")).json()
        assert (verified["valid"], verified["student_name"]) == (True, None)
        cert = await api.client.get(f"{V1}/certificates/{h['cert']['id']}", headers=cast.admin)
        assert (cert.status_code, cert.json()["student_name"]) == (200, None)
        pdf = await api.client.get(f"{V1}/certificates/{h['cert']['id']}/download", headers=cast.admin)
        assert pdf.status_code == 404
        assert (await api.client.get(f"{V1}/certificates/verify/{number}/credential")).status_code == 200
        # the enrollment stays for the course's numbers, naming no one
        url = f"{V1}/analytics/courses/{h['course']['id']}/analytics"
        analytics = (await api.client.get(url, headers=cast.owner)).json()
        assert (analytics["enrollments"], analytics["completions"]) == (1, 1)
        # the bytes are deleted by the worker, after the commit
        await gone(settings, keys)

        log = await api.client.get(f"{V1}/audit-log", params={"action": "user.erased"}, headers=cast.admin)
        assert [(e["actor_id"], e["target_id"]) for e in log.json()["items"]] == [(user_id, user_id)]


async def test_an_mfa_code_is_needed_when_mfa_is_on(api: Api) -> None:
    import pyotp

    me = api.auth(await api.register())
    secret = (await api.client.post(f"{V1}/auth/mfa/enable", headers=me)).json()["secret"]
    code = pyotp.TOTP(secret).now()
    assert (
        await api.client.post(f"{V1}/auth/mfa/verify", json={"code": code}, headers=me)
    ).status_code == 200
    r = await erase_me(api, me, password=PASSWORD)
    assert (r.status_code, r.json()) == (400, {"detail": "An MFA code is required"})
    r = await erase_me(api, me, password=PASSWORD, mfa_code="000000")
    assert r.status_code == 400
    assert (await api.client.get(f"{V1}/users/me", headers=me)).status_code == 200
    fresh = pyotp.TOTP(secret).at(time.time() + 30)  # the current step is used up by the verify
    assert (await erase_me(api, me, password=PASSWORD, mfa_code=fresh)).status_code == 204


async def test_who_may_erase_and_the_409s(api: Api, cast: Cast) -> None:
    admin_id, owner_id = await my_id(api, cast.admin), await my_id(api, cast.owner)
    student_id = await my_id(api, cast.student)
    r = await api.client.post(f"{V1}/users/{admin_id}/erase", headers=cast.admin)
    assert (r.status_code, r.json()) == (400, {"detail": "To erase your own account, use /users/me/erase"})
    r = await api.client.post(f"{V1}/users/{student_id}/erase", headers=cast.student)
    assert r.status_code == 400  # one's own id: 400 before the role is looked at
    assert (await api.client.post(f"{V1}/users/{owner_id}/erase", headers=cast.student)).status_code == 403
    assert (await api.client.post(f"{V1}/users/{uuid.uuid4()}/erase", headers=cast.admin)).status_code == 404
    assert (await api.client.post(f"{V1}/users/{owner_id}/erase")).status_code == 401
    assert (await api.client.post(f"{V1}/users/me/erase", json={"password": PASSWORD})).status_code == 401

    course = await new_course(api, cast.owner)
    r = await api.client.post(f"{V1}/users/{owner_id}/erase", headers=cast.admin)
    assert (r.status_code, r.json()) == (409, {"detail": "The user owns courses: delete them first"})
    assert (await api.client.delete(f"{V1}/courses/{course['id']}", headers=cast.owner)).status_code == 204
    assert (await api.client.post(f"{V1}/users/{owner_id}/erase", headers=cast.admin)).status_code == 204

    # the only active admin cannot erase themself; with a second one, either may go
    r = await erase_me(api, cast.admin, password=PASSWORD)
    assert (r.status_code, r.json()) == (409, {"detail": "The last active admin cannot be erased"})
    second = api.auth(await api.user_with_role("admin"))
    r = await api.client.patch(f"{V1}/users/{admin_id}", json={"is_active": False}, headers=second)
    assert r.status_code == 200
    r = await erase_me(api, second, password=PASSWORD)  # an inactive admin does not count
    assert (r.status_code, r.json()) == (409, {"detail": "The last active admin cannot be erased"})
    r = await api.client.patch(f"{V1}/users/{admin_id}", json={"is_active": True}, headers=second)
    assert r.status_code == 200
    assert (await erase_me(api, second, password=PASSWORD)).status_code == 204


def active_admins(settings: Settings) -> set[str]:
    """Read straight from the database, beside the app."""
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(users.c.id).where(
                    users.c.role == "admin", users.c.is_active.is_(True), users.c.erased_at.is_(None)
                )
            )
            return {str(row.id) for row in rows}
    finally:
        engine.dispose()


def step_down_all_but(settings: Settings, keep: set[str]) -> None:
    """Setting up a round: every other admin of earlier rounds made inactive, beside the app."""
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.begin() as connection:
            connection.execute(
                update(users)
                .where(users.c.role == "admin", users.c.id.not_in([uuid.UUID(k) for k in keep]))
                .values(is_active=False)
            )
    finally:
        engine.dispose()


async def test_racing_erasures_and_demotions_always_leave_one_active_admin(
    make_app: Callable[..., Litestar], settings: Settings
) -> None:
    async with racing_client(make_app()) as client:
        api = Api(client, settings)
        for n in range(4 * ROUNDS):  # a deadlock between these passes showed in one round in ten
            first, second = [api.auth(await api.user_with_role("admin")) for _ in range(2)]
            ids = [await my_id(api, first), await my_id(api, second)]
            step_down_all_but(settings, set(ids))
            assert active_admins(settings) == set(ids)
            # each tries to remove the other, by erasure and by demotion, all at once
            answers = await asyncio.gather(
                api.client.post(f"{V1}/users/{ids[1]}/erase", headers=first),
                api.client.post(f"{V1}/users/{ids[0]}/erase", headers=second),
                api.client.patch(f"{V1}/users/{ids[1]}", json={"role": "student"}, headers=first),
                api.client.patch(f"{V1}/users/{ids[0]}", json={"is_active": False}, headers=second),
                erase_me(api, first, password=PASSWORD),
                erase_me(api, second, password=PASSWORD),
            )
            codes = [r.status_code for r in answers]
            assert set(codes) <= {200, 204, 401, 403, 404, 409}, (n, codes, [r.text for r in answers])
            assert len(active_admins(settings)) == 1, (n, codes)  # never none, and one did go
            assert 409 in codes, (n, codes)  # the rule was what stopped the rest


async def test_racing_course_creation_and_erasure_never_leave_an_erased_owner(
    make_app: Callable[..., Litestar], settings: Settings
) -> None:
    async with racing_client(make_app()) as client:
        api = Api(client, settings)
        admin = api.auth(await api.user_with_role("admin"))
        for n in range(ROUNDS):
            teacher = api.auth(await api.user_with_role("instructor"))
            teacher_id = await my_id(api, teacher)
            body = {"title": f"Round {n}", "description": "d"}
            creates = [api.client.post(f"{V1}/courses", json=body, headers=teacher) for _ in range(6)]
            answers = await asyncio.gather(
                *creates, api.client.post(f"{V1}/users/{teacher_id}/erase", headers=admin)
            )
            *created, erased = answers
            assert {r.status_code for r in created} <= {201, 401}, (n, [r.status_code for r in created])
            made = [r.json()["id"] for r in created if r.status_code == 201]
            if erased.status_code == 204:
                assert made == [], (n, "a course was created for an erased owner")
            else:  # the courses came first: the erasure waits for their deletion
                assert (erased.status_code, made != []) == (409, True), n
                for course_id in made:
                    r = await api.client.delete(f"{V1}/courses/{course_id}", headers=admin)
                    assert r.status_code == 204
                again = await api.client.post(f"{V1}/users/{teacher_id}/erase", headers=admin)
                assert again.status_code == 204


async def test_racing_staff_additions_and_erasure_never_leave_an_erased_member(
    make_app: Callable[..., Litestar], settings: Settings
) -> None:
    async with racing_client(make_app()) as client:
        api = Api(client, settings)
        admin = api.auth(await api.user_with_role("admin"))
        owners = [api.auth(await api.user_with_role("instructor")) for _ in range(4)]
        courses = [
            (await new_course(api, owner, title=f"Course {n}"))["id"] for n, owner in enumerate(owners)
        ]
        for n in range(ROUNDS):
            helper_id = await my_id(api, api.auth(await api.register()))
            adds = [
                api.client.post(
                    f"{V1}/courses/{course_id}/staff",
                    json={"user_id": helper_id, "role": "teaching_assistant"},
                    headers=owner,
                )
                for owner, course_id in zip(owners, courses, strict=True)
            ]
            *added, erased = await asyncio.gather(
                *adds, api.client.post(f"{V1}/users/{helper_id}/erase", headers=admin)
            )
            assert erased.status_code == 204, (n, erased.text)
            assert {r.status_code for r in added} <= {201, 404}, (n, [r.status_code for r in added])
            for owner, course_id in zip(owners, courses, strict=True):  # whatever came first
                staff = (await api.client.get(f"{V1}/courses/{course_id}/staff", headers=owner)).json()
                assert helper_id not in [m["user_id"] for m in staff["items"]], n

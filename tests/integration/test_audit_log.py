"""The audit log over HTTP through the real app, on SQLite and on PostgreSQL + Redis: the entries the
flows write (sign-ins, passwords, MFA, roles, courses, staff, certificates, webhooks), who may read
them and how they filter, the request id and client address they carry, and that none of them
holds a password, a secret, a token or a code the flows used."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pyotp
import pytest
from litestar import Litestar

from tests.integration.catalog_support import V1, new_course, new_lesson, publish
from tests.integration.conftest import PASSWORD, Api, racing_client

HOOK = "https://93.184.215.14/hook"  # a literal public address: nothing is looked up


@pytest.fixture
async def audited(make_app: Callable[..., Litestar]) -> AsyncIterator[Api]:
    """An app that locks an account after three failed sign-ins, and its client."""
    app = make_app(lockout_threshold=3)
    async with racing_client(app) as client:
        yield Api(client, app.state.container.settings())


async def entries(api: Api, admin: dict[str, str], **filters: Any) -> list[dict[str, Any]]:
    r = await api.client.get(f"{V1}/audit-log", params={"page_size": 100, **filters}, headers=admin)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def user_id(api: Api, headers: dict[str, str]) -> str:
    found: str = (await api.client.get(f"{V1}/users/me", headers=headers)).json()["id"]
    return found


async def sign_ins(api: Api, secrets: list[str]) -> str:
    """Two failures and a third that locks, the 423 after, an unknown address, a success: the id
    of the account locked."""
    lou_id = await user_id(api, api.auth(await api.register("lou@example.com")))
    for _ in range(3):
        r = await api.client.post(
            f"{V1}/auth/login", json={"email": "lou@example.com", "password": "Wrong7Horse1"}
        )
    assert r.status_code in (401, 423)
    secrets.append("Wrong7Horse1")
    r = await api.client.post(f"{V1}/auth/login", json={"email": "lou@example.com", "password": PASSWORD})
    assert r.status_code == 423
    await api.client.post(f"{V1}/auth/login", json={"email": "nobody@example.com", "password": "Nope7Nope7"})
    r = await api.client.post(
        f"{V1}/auth/login",
        json={"email": "sam@example.com", "password": PASSWORD},
        headers={"X-Request-ID": "audit-req-1"},
    )
    assert r.status_code == 200
    return lou_id


async def account_changes(api: Api, student: dict[str, str], secrets: list[str]) -> None:
    """A password change, MFA turned on and off (with the codes of this step and the next: each
    step is accepted once, and one step of drift is allowed)."""
    secrets.append("Another9Horse")
    r = await api.client.post(
        f"{V1}/users/me/password",
        json={"current_password": PASSWORD, "new_password": "Another9Horse"},
        headers=student,
    )
    assert r.status_code == 204, r.text
    setup = (await api.client.post(f"{V1}/auth/mfa/enable", headers=student)).json()
    totp = pyotp.TOTP(setup["secret"])
    now, later = totp.at(time.time()), totp.at(time.time() + 30)
    secrets += [setup["secret"], now, later]
    r = await api.client.post(f"{V1}/auth/mfa/verify", json={"code": now}, headers=student)
    assert r.status_code == 200
    r = await api.client.post(f"{V1}/auth/mfa/disable", json={"code": later}, headers=student)
    assert r.status_code == 204


async def course_life(
    api: Api, owner: dict[str, str], admin: dict[str, str]
) -> tuple[str, str, dict[str, Any]]:
    """A course published, staffed and unstaffed, a certificate issued and revoked, the course
    deleted: (course id, staff member's id, certificate)."""
    course = await new_course(api, owner)
    lesson = await new_lesson(api, owner, course["id"])
    await publish(api, owner, course["id"])
    helper_id = await user_id(api, api.auth(await api.register()))
    staff = f"{V1}/courses/{course['id']}/staff"
    r = await api.client.post(staff, json={"user_id": helper_id, "role": "teaching_assistant"}, headers=owner)
    assert r.status_code == 201
    assert (await api.client.delete(f"{staff}/{helper_id}", headers=owner)).status_code == 204
    learner = api.auth(await api.register())
    r = await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=learner)
    enrollment_id = r.json()["id"]
    url = f"{V1}/enrollments/{enrollment_id}/lessons/{lesson['id']}/complete"
    assert (await api.client.post(url, headers=learner)).status_code == 200
    r = await api.client.post(
        f"{V1}/certificates/generate", json={"enrollment_id": enrollment_id}, headers=learner
    )
    cert: dict[str, Any] = r.json()
    r = await api.client.post(
        f"{V1}/certificates/{cert['id']}/revoke", json={"reason": "Ann Lee cheated"}, headers=admin
    )
    assert r.status_code == 200
    assert (await api.client.delete(f"{V1}/courses/{course['id']}", headers=owner)).status_code == 204
    return course["id"], helper_id, cert


async def webhook_life(api: Api, admin: dict[str, str], secrets: list[str]) -> str:
    r = await api.client.post(
        f"{V1}/webhooks", json={"url": HOOK, "events": ["user.registered"]}, headers=admin
    )
    hook = r.json()
    url = f"{V1}/webhooks/{hook['id']}"
    assert (await api.client.patch(url, json={"description": "x"}, headers=admin)).status_code == 200
    rotated = (await api.client.post(f"{url}/rotate-secret", headers=admin)).json()
    secrets += [hook["secret"], rotated["secret"]]
    assert (await api.client.delete(url, headers=admin)).status_code == 204
    hook_id: str = hook["id"]
    return hook_id


async def test_the_flows_leave_their_entries_and_no_secret(audited: Api) -> None:
    api = audited
    secrets: list[str] = [PASSWORD]
    admin_tokens, owner_tokens = await api.user_with_role("admin"), await api.user_with_role("instructor")
    student_tokens = await api.register(email="sam@example.com")
    admin, owner, student = api.auth(admin_tokens), api.auth(owner_tokens), api.auth(student_tokens)
    admin_id, owner_id = await user_id(api, admin), await user_id(api, owner)
    student_id = await user_id(api, student)
    secrets += [admin_tokens["access_token"], owner_tokens["refresh_token"], student_tokens["access_token"]]
    lou_id = await sign_ins(api, secrets)
    await account_changes(api, student, secrets)
    r = await api.client.patch(f"{V1}/users/{student_id}", json={"role": "instructor"}, headers=admin)
    assert r.status_code == 200, r.text
    course_id, helper_id, cert = await course_life(api, owner, admin)
    hook_id = await webhook_life(api, admin, secrets)

    log = await entries(api, admin)
    seen = [(e["action"], e["target_type"], e["target_id"], e["actor_id"]) for e in reversed(log)]
    expected = [
        ("auth.login_failed", "user", lou_id, None),
        ("auth.login_failed", "user", lou_id, None),
        ("auth.login_failed", "user", lou_id, None),
        ("auth.locked_out", "user", lou_id, None),
        ("auth.login_failed", "user", lou_id, None),  # the 423
        ("auth.login_failed", "user", None, None),  # no account has that address
        ("auth.login_succeeded", "user", student_id, None),
        ("user.password_changed", "user", student_id, student_id),
        ("user.mfa_enabled", "user", student_id, student_id),
        ("user.mfa_disabled", "user", student_id, student_id),
        ("user.role_changed", "user", student_id, admin_id),
        ("course.published", "course", course_id, owner_id),
        ("course.staff_added", "course", course_id, owner_id),
        ("course.staff_removed", "course", course_id, owner_id),
        ("certificate.issued", "certificate", cert["id"], cert["student_id"]),
        ("certificate.revoked", "certificate", cert["id"], admin_id),
        ("course.deleted", "course", course_id, owner_id),
        ("webhook.created", "webhook", hook_id, admin_id),
        ("webhook.updated", "webhook", hook_id, admin_id),
        ("webhook.secret_rotated", "webhook", hook_id, admin_id),
        ("webhook.deleted", "webhook", hook_id, admin_id),
    ]
    # the sign-ins of the test's own accounts (made through the CLI's use case and logged in) come first
    assert [s for s in seen if s[2] != admin_id and s[2] != owner_id][-len(expected) :] == expected
    succeeded = next(e for e in log if e["action"] == "auth.login_succeeded" and e["target_id"] == student_id)
    assert (succeeded["request_id"], succeeded["ip"]) == ("audit-req-1", "127.0.0.1")
    assert next(e for e in log if e["action"] == "user.role_changed")["details"] == {"to": "instructor"}
    assert next(e for e in log if e["action"] == "course.staff_added")["details"] == {
        "user_id": helper_id,
        "role": "teaching_assistant",
    }
    # nothing the flows used as a secret, nor any address or name, is in any entry
    text = json.dumps(log)
    for secret in [
        *secrets,
        "sam@example.com",
        "lou@example.com",
        "nobody@example.com",
        "Ann Lee",
        "Test User",
    ]:
        assert secret not in text, secret


async def test_only_admins_read_it_and_the_filters_are_checked(audited: Api) -> None:
    api = audited
    admin = api.auth(await api.user_with_role("admin"))
    instructor = api.auth(await api.user_with_role("instructor"))
    me = (await api.client.get(f"{V1}/users/me", headers=instructor)).json()["id"]
    assert (await api.client.get(f"{V1}/audit-log")).status_code == 401
    r = await api.client.get(f"{V1}/audit-log", headers=instructor)
    assert (r.status_code, r.json()) == (403, {"detail": "Only admins can read the audit log"})
    for bad in (
        {"action": "user.deleted"},
        {"target_type": "lesson"},
        {"actor_id": "nope"},
        {"since": "yesterday"},
        {"until": "0.5"},
        {"since": "2026-01-01T00:00:00"},  # no offset
        {"since": "2026-13-01T00:00:00Z"},
        {"page_size": 101},
        {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
    ):
        assert (await api.client.get(f"{V1}/audit-log", params=bad, headers=admin)).status_code == 422, bad
    mine = await entries(api, admin, target_id=me, action="auth.login_succeeded")
    assert [e["target_id"] for e in mine] == [me]
    assert await entries(api, admin, since="2999-01-01T00:00:00Z") == []
    assert all(e["target_type"] == "user" for e in await entries(api, admin, target_type="user"))
    # no endpoint changes or deletes an entry
    entry_id = mine[0]["id"]
    for method in ("PATCH", "PUT", "DELETE"):
        r = await api.client.request(method, f"{V1}/audit-log/{entry_id}", headers=admin)
        assert r.status_code in (404, 405), method


async def test_racing_failed_sign_ins_record_each_failure_and_one_lockout(audited: Api) -> None:
    """Eight wrong passwords at once against a threshold of three, over three rounds: every answer
    is a recorded failure (the 401s and the 423s), and the lockout is recorded once."""
    api = audited
    admin = api.auth(await api.user_with_role("admin"))
    for n in range(3):
        email = f"racer{n}@example.com"
        target = await user_id(api, api.auth(await api.register(email)))
        answers = await asyncio.gather(
            *(
                api.client.post(f"{V1}/auth/login", json={"email": email, "password": f"Wrong7Horse{i}"})
                for i in range(8)
            )
        )
        assert sorted({r.status_code for r in answers}) <= [401, 423], f"round {n}"
        failed = await entries(api, admin, target_id=target, action="auth.login_failed")
        locked = await entries(api, admin, target_id=target, action="auth.locked_out")
        assert (len(failed), len(locked)) == (8, 1), f"round {n}"


async def test_racing_writes_leave_one_entry_per_change(audited: Api) -> None:
    """Publishing one course six times at once, then deleting it six times at once, over three
    rounds: one `course.published` and one `course.deleted` each, whichever requests won."""
    api = audited
    admin = api.auth(await api.user_with_role("admin"))
    owner = api.auth(await api.user_with_role("instructor"))
    for n in range(3):
        course = await new_course(api, owner, title=f"Raced {n}")
        url = f"{V1}/courses/{course['id']}"
        published = await asyncio.gather(
            *(api.client.post(f"{url}/publish", headers=owner) for _ in range(6))
        )
        assert [r.status_code for r in published] == [200] * 6, f"round {n}"
        deleted = await asyncio.gather(*(api.client.delete(url, headers=owner) for _ in range(6)))
        assert sorted(r.status_code for r in deleted) == [204] + [404] * 5, f"round {n}"
        for action in ("course.published", "course.deleted"):
            found = await entries(api, admin, target_id=course["id"], action=action)
            assert len(found) == 1, f"round {n}: {len(found)} x {action}"

"""Email over HTTP, read back from a real SMTP server, on SQLite and on PostgreSQL + Redis.

The app runs with its in-process delivery worker on the test's loop and ``LMS_SMTP_URL`` pointing
at an aiosmtpd server in its own thread (``tests/mailserver.py``); every message is read back as
that server received it, and every link is followed through the API. Waiting is polling with a
deadline (never the mail server's blocking wait: the app's worker runs on this loop).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import create_engine, select

from lms_adapters.sql.tables import deliveries, email_tokens
from lms_adapters.sql.urls import sync_url
from lms_http.settings import RateLimit, Settings
from tests.integration.catalog_support import V1, cast, new_course, new_lesson, publish
from tests.integration.conftest import PASSWORD, Api, json_body, racing_client
from tests.mailserver import MailServer, unused_port

__all__ = ["cast"]  # the fixture

APP_URL = "https://app.example.test"
PUBLIC_URL = "https://lms.example.test"
SENDER = "Example LMS <lms@example.test>"
NEW_PASSWORD = "Battery9Staple"
FAST = 2.0  # the contract: with a server that answers at once, handed over within 2 s of the commit


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


@pytest.fixture
def mail_settings(settings: Settings, mail: MailServer) -> dict[str, Any]:
    return {
        "smtp_url": mail.url,
        "mail_from": SENDER,
        "app_url": APP_URL,
        "public_url": PUBLIC_URL,
        "delivery_in_process": True,
        "webhook_retry_schedule": (1.0, 1.0),
    }


@pytest.fixture
async def client(
    make_app: Callable[..., Litestar], mail_settings: dict[str, Any]
) -> AsyncIterator[httpx.AsyncClient]:
    async with racing_client(make_app(**mail_settings)) as c:
        yield c


async def arrived(mail: MailServer, count: int, timeout: float = FAST + 3) -> list[EmailMessage]:
    """The server's messages once there are at least ``count``."""
    deadline = time.monotonic() + timeout
    while len(got := mail.messages) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(got)} messages arrived, not {count}, in {timeout} s")
        await asyncio.sleep(0.02)
    return list(got)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def link_token(message: EmailMessage, path: str) -> str:
    found = re.search(rf"{re.escape(APP_URL)}/{path}\?token=([A-Za-z0-9_\-]+)", text_of(message))
    assert found is not None, text_of(message)
    return found.group(1)


def to_of(mail: MailServer, address: str, subject: str | None = None) -> list[EmailMessage]:
    return [m for m in mail.messages if m["To"] == address and subject in (None, m["Subject"])]


async def message_to(mail: MailServer, address: str, subject: str, count: int = 1) -> EmailMessage:
    """The ``count``-th message with ``subject`` to ``address``, once it arrived."""
    deadline = time.monotonic() + FAST + 3
    while len(found := to_of(mail, address, subject)) < count:
        assert time.monotonic() < deadline, [(m["To"], m["Subject"]) for m in mail.messages]
        await asyncio.sleep(0.02)
    return found[count - 1]


async def test_registering_sends_a_verification_link_that_verifies_the_address(
    api: Api, mail: MailServer
) -> None:
    started = time.monotonic()
    user = await api.register(full_name="Zoë Łukasz")
    [message] = await arrived(mail, 1)
    assert time.monotonic() - started < FAST
    assert message["To"] == user["email"]
    assert message["From"] == SENDER
    assert message.envelope_from == "lms@example.test"  # type: ignore[attr-defined]
    assert message["Subject"] == "Confirm your email address"
    assert "Zoë Łukasz" in text_of(message)
    me = json_body(await api.client.get(f"{V1}/users/me", headers=api.auth(user)))
    assert me["email_verified"] is False
    r = await api.client.post(f"{V1}/auth/verify-email", json={"token": link_token(message, "verify-email")})
    assert r.status_code == 200, r.text
    assert r.json() == {**me, "email_verified": True}
    assert (await api.client.get(f"{V1}/users/me", headers=api.auth(user))).json()["email_verified"] is True
    again = await api.client.post(
        f"{V1}/auth/verify-email", json={"token": link_token(message, "verify-email")}
    )
    assert again.status_code == 400
    assert again.json()["detail"] == "Invalid or expired token"


@pytest.mark.parametrize("body", [{"token": "no-such-token"}, {"token": ""}, {}, {"token": 7}])
async def test_a_bad_verification_body_is_refused(api: Api, body: dict[str, Any]) -> None:
    r = await api.client.post(f"{V1}/auth/verify-email", json=body)
    assert r.status_code == (400 if body.get("token") == "no-such-token" else 422), r.text
    assert r.json()["detail"]


async def test_resend_retires_the_older_link_and_is_409_once_verified(api: Api, mail: MailServer) -> None:
    user = await api.register()
    [first] = await arrived(mail, 1)
    assert (await api.client.post(f"{V1}/auth/verify-email/resend")).status_code == 401
    r = await api.client.post(f"{V1}/auth/verify-email/resend", headers=api.auth(user))
    assert r.status_code == 202, r.text
    second = await message_to(mail, user["email"], "Confirm your email address", count=2)
    old = await api.client.post(f"{V1}/auth/verify-email", json={"token": link_token(first, "verify-email")})
    assert old.status_code == 400
    new = await api.client.post(f"{V1}/auth/verify-email", json={"token": link_token(second, "verify-email")})
    assert new.status_code == 200
    r = await api.client.post(f"{V1}/auth/verify-email/resend", headers=api.auth(user))
    assert r.status_code == 409
    assert r.json()["detail"] == "Email already verified"


async def test_a_registration_refused_sends_nothing(api: Api, mail: MailServer) -> None:
    user = await api.register()
    again = await api.client.post(
        f"{V1}/auth/register",
        json={"email": user["email"].upper(), "password": PASSWORD, "full_name": "Twin"},
    )
    assert again.status_code == 409
    await arrived(mail, 1)
    await asyncio.sleep(0.5)
    assert len(to_of(mail, user["email"])) == 1


async def test_resends_at_once_leave_exactly_one_working_link(api: Api, mail: MailServer) -> None:
    for _ in range(2):  # rounds
        user = await api.register()
        answers = await asyncio.gather(
            *(api.client.post(f"{V1}/auth/verify-email/resend", headers=api.auth(user)) for _ in range(6))
        )
        assert [a.status_code for a in answers] == [202] * 6
        links = [await message_to(mail, user["email"], "Confirm your email address", n) for n in range(1, 8)]
        tried = [
            await api.client.post(f"{V1}/auth/verify-email", json={"token": link_token(m, "verify-email")})
            for m in links
        ]
        assert sorted(t.status_code for t in tried) == [200] + [400] * 6


async def test_staff_made_by_the_command_line_count_as_verified(api: Api, mail: MailServer) -> None:
    staff = await api.user_with_role("instructor")
    me = (await api.client.get(f"{V1}/users/me", headers=api.auth(staff))).json()
    assert me["email_verified"] is True
    assert to_of(mail, staff["email"]) == []


async def test_a_reset_request_answers_alike_for_every_address(api: Api, mail: MailServer) -> None:
    user = await api.register()
    await arrived(mail, 1)
    answers = []
    for address in (user["email"], user["email"].upper(), "nobody@example.com"):
        r = await api.client.post(f"{V1}/auth/password-reset/request", json={"email": address})
        answers.append((r.status_code, r.content, r.headers.get("content-type")))
    assert answers[0][0] == 202
    assert answers[0] == answers[1] == answers[2]
    await arrived(mail, 3)  # the two requests for the account's address
    await asyncio.sleep(0.5)
    assert [m["Subject"] for m in mail.messages[1:]] == ["Reset your password"] * 2
    assert to_of(mail, "nobody@example.com") == []
    for body in ({"email": "not an address"}, {}, {"email": "x" * 300 + "@example.com"}):
        r = await api.client.post(f"{V1}/auth/password-reset/request", json=body)
        assert r.status_code == 422, r.text


async def test_a_reset_ends_every_session_clears_the_lockout_and_keeps_the_token_once(
    api: Api, mail: MailServer, settings: Settings
) -> None:
    user = await api.register()
    await arrived(mail, 1)
    for _ in range(5):
        r = await api.client.post(
            f"{V1}/auth/login", json={"email": user["email"], "password": "Wrong1Horse"}
        )
        assert r.status_code == 401
    locked = await api.client.post(f"{V1}/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert locked.status_code == 423
    await api.client.post(f"{V1}/auth/password-reset/request", json={"email": user["email"]})
    token = link_token(await message_to(mail, user["email"], "Reset your password"), "reset-password")

    weak = await api.client.post(
        f"{V1}/auth/password-reset/confirm", json={"token": token, "new_password": "short"}
    )
    assert weak.status_code == 422  # the token stays usable
    bad = await api.client.post(
        f"{V1}/auth/password-reset/confirm", json={"token": "unknown", "new_password": "short"}
    )
    assert bad.status_code == 400  # a bad token is 400 before the password is looked at
    done = await api.client.post(
        f"{V1}/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 204, done.text
    assert (await api.client.get(f"{V1}/users/me", headers=api.auth(user))).status_code == 401
    r = await api.client.post(f"{V1}/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert r.status_code == 401
    login = await api.client.post(f"{V1}/auth/login", json={"email": user["email"], "password": NEW_PASSWORD})
    assert login.status_code == 200, login.text
    again = await api.client.post(
        f"{V1}/auth/password-reset/confirm", json={"token": token, "new_password": "Another5Horse"}
    )
    assert again.status_code == 400
    await message_to(mail, user["email"], "Your password was changed")


async def test_changing_ones_password_sends_the_notice(api: Api, mail: MailServer) -> None:
    user = await api.register()
    await arrived(mail, 1)
    r = await api.client.post(
        f"{V1}/users/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=api.auth(user),
    )
    assert r.status_code == 204, r.text
    await message_to(mail, user["email"], "Your password was changed")


async def test_at_most_three_reset_messages_an_hour_even_when_asked_at_once(
    api: Api, mail: MailServer, settings: Settings
) -> None:
    for round_ in range(1, 4):  # rounds, each with an account of its own
        user = await api.register()
        await message_to(mail, user["email"], "Confirm your email address")
        answers = await asyncio.gather(
            *(
                api.client.post(f"{V1}/auth/password-reset/request", json={"email": user["email"]})
                for _ in range(8)
            )
        )
        assert [a.status_code for a in answers] == [202] * 8
        await message_to(mail, user["email"], "Reset your password", count=3)
        await asyncio.sleep(1.0)
        resets = to_of(mail, user["email"], "Reset your password")
        assert len(resets) == 3
        assert len({link_token(m, "reset-password") for m in resets}) == 3
        assert _tokens(settings, "reset_password") == 3 * round_


async def test_one_reset_token_used_at_once_sets_the_password_once(api: Api, mail: MailServer) -> None:
    for _ in range(3):  # rounds
        user = await api.register()
        await api.client.post(f"{V1}/auth/password-reset/request", json={"email": user["email"]})
        token = link_token(await message_to(mail, user["email"], "Reset your password"), "reset-password")
        answers = await asyncio.gather(
            *(
                api.client.post(
                    f"{V1}/auth/password-reset/confirm",
                    json={"token": token, "new_password": f"New{i}Password9"},
                )
                for i in range(8)
            )
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [204] + [400] * 7, [a.text for a in answers]
        winner = next(i for i, a in enumerate(answers) if a.status_code == 204)
        r = await api.client.post(
            f"{V1}/auth/login", json={"email": user["email"], "password": f"New{winner}Password9"}
        )
        assert r.status_code == 200


async def test_one_verification_token_used_at_once_verifies_once(api: Api, mail: MailServer) -> None:
    for _ in range(3):
        user = await api.register()
        token = link_token(
            await message_to(mail, user["email"], "Confirm your email address"), "verify-email"
        )
        answers = await asyncio.gather(
            *(api.client.post(f"{V1}/auth/verify-email", json={"token": token}) for _ in range(8))
        )
        assert sorted(a.status_code for a in answers) == [200] + [400] * 7


async def test_an_unverified_user_may_not_enroll_when_verification_is_required(
    make_app: Callable[..., Litestar], mail_settings: dict[str, Any], mail: MailServer, settings: Settings
) -> None:
    async with racing_client(make_app(**mail_settings, require_verified_email=True)) as client:
        api = Api(client, settings)
        owner = api.auth(await api.user_with_role("instructor"))
        course = await new_course(api, owner)
        await new_lesson(api, owner, course["id"])
        await publish(api, owner, course["id"])
        question = {"question_text": "2 + 2?", "question_type": "true_false", "correct_answer": "true"}
        quiz = await client.post(
            f"{V1}/quizzes",
            json={"course_id": course["id"], "title": "Q", "questions": [question]},
            headers=owner,
        )
        assert quiz.status_code == 201, quiz.text
        quiz_id = quiz.json()["id"]
        assert (await client.post(f"{V1}/quizzes/{quiz_id}/publish", headers=owner)).status_code == 200
        student = await api.register()
        [message] = [m for m in await arrived(mail, 1) if m["To"] == student["email"]]
        refused = await client.post(
            f"{V1}/enrollments", json={"course_id": course["id"]}, headers=api.auth(student)
        )
        assert refused.status_code == 403
        assert refused.json() == {"detail": "Email not verified"}
        attempt = await client.post(f"{V1}/quizzes/{quiz_id}/attempts", headers=api.auth(student))
        assert attempt.status_code == 403
        assert attempt.json() == {"detail": "Email not verified"}
        r = await client.post(f"{V1}/auth/verify-email", json={"token": link_token(message, "verify-email")})
        assert r.status_code == 200
        ok = await client.post(
            f"{V1}/enrollments", json={"course_id": course["id"]}, headers=api.auth(student)
        )
        assert ok.status_code == 201, ok.text
        started = await client.post(f"{V1}/quizzes/{quiz_id}/attempts", headers=api.auth(student))
        assert started.status_code == 201, started.text


async def test_the_anonymous_mail_endpoints_are_limited_per_client_address(
    make_app: Callable[..., Litestar], mail_settings: dict[str, Any]
) -> None:
    async with racing_client(make_app(**mail_settings, rate_limit_auth=RateLimit(2, 60))) as client:
        for path, body, status in (
            ("password-reset/request", {"email": "a@example.com"}, 202),
            ("password-reset/confirm", {"token": "x", "new_password": NEW_PASSWORD}, 400),
            ("verify-email", {"token": "x"}, 400),
        ):
            codes = [(await client.post(f"{V1}/auth/{path}", json=body)).status_code for _ in range(3)]
            assert codes == [status, status, 429], path


async def test_an_issued_certificate_is_mailed_with_its_number_and_link(
    api: Api, mail: MailServer, cast: Any
) -> None:
    student = await api.register()
    headers = api.auth(student)
    course = await new_course(api, cast.owner, title="Ünïcode & <Tags>")
    lesson = await new_lesson(api, cast.owner, course["id"])
    await publish(api, cast.owner, course["id"])
    enrollment = (
        await api.client.post(f"{V1}/enrollments", json={"course_id": course["id"]}, headers=headers)
    ).json()
    done = await api.client.post(
        f"{V1}/enrollments/{enrollment['id']}/lessons/{lesson['id']}/complete", headers=headers
    )
    assert done.status_code == 200
    r = await api.client.post(
        f"{V1}/certificates/generate", json={"enrollment_id": enrollment["id"]}, headers=headers
    )
    assert r.status_code == 201, r.text
    number = r.json()["certificate_number"]
    text = text_of(await message_to(mail, student["email"], "Your certificate has been issued"))
    assert number in text
    assert f"{PUBLIC_URL}/api/v1/certificates/verify/{number}" in text
    assert "Ünïcode & <Tags>" in text
    verified = await api.client.get(f"/api/v1/certificates/verify/{number}")
    assert verified.status_code == 200


async def test_a_refused_message_is_tried_again(api: Api, mail: MailServer, settings: Settings) -> None:
    mail.reject_recipients = "451 4.3.0 Try again later"
    started = time.monotonic()
    await api.register()
    assert time.monotonic() - started < FAST
    deadline = time.monotonic() + 5
    while (row := _mail_delivery(settings)) is None or row.attempts < 1:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    assert row.status == "failed"
    assert row.last_status_code == 451
    mail.reject_recipients = None
    [message] = await arrived(mail, 1, timeout=5)
    assert message["Subject"] == "Confirm your email address"
    deadline = time.monotonic() + 5
    while (row := _mail_delivery(settings)) is not None and row.status != "succeeded":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    assert row is not None and row.attempts == 2


async def test_an_smtp_outage_neither_fails_nor_slows_a_request(
    make_app: Callable[..., Litestar], mail_settings: dict[str, Any], settings: Settings
) -> None:
    down = {**mail_settings, "smtp_url": f"smtp://127.0.0.1:{unused_port()}"}
    async with racing_client(make_app(**down)) as client:
        api = Api(client, settings)
        started = time.monotonic()
        await api.register()
        assert time.monotonic() - started < 1.0
        r = await client.post(f"{V1}/auth/password-reset/request", json={"email": "a@example.com"})
        assert r.status_code == 202
        deadline = time.monotonic() + 5
        while (row := _mail_delivery(settings)) is None or row.attempts < 1:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert row.status == "failed"
        assert row.last_status_code is None and row.last_error


async def test_without_smtp_each_message_is_an_eml_file(
    make_app: Callable[..., Litestar], mail_settings: dict[str, Any], settings: Settings, tmp_path: Path
) -> None:
    files = {**mail_settings, "smtp_url": None, "mail_dir": tmp_path / "mail"}
    async with racing_client(make_app(**files)) as client:
        user = await Api(client, settings).register()
        deadline = time.monotonic() + FAST
        while not list((tmp_path / "mail").glob("*.eml")):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
    [eml] = list((tmp_path / "mail").glob("*.eml"))
    text = eml.read_text()
    assert f"To: {user['email']}" in text
    assert f"{APP_URL}/verify-email?token=" in text


def _engine(settings: Settings) -> Any:
    return create_engine(sync_url(settings.database_url))


def _mail_delivery(settings: Settings) -> Any:
    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(deliveries).where(deliveries.c.sink == "mail").order_by(deliveries.c.created_at)
            ).first()
    finally:
        engine.dispose()


def _tokens(settings: Settings, purpose: str) -> int:
    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            return len(conn.execute(select(email_tokens.c.id).where(email_tokens.c.purpose == purpose)).all())
    finally:
        engine.dispose()

"""Events from the API to their receivers, end to end, on SQLite and on PostgreSQL + Redis.

The real app (``create_app``) runs with its in-process delivery worker on the test's event loop;
webhooks point at a real threaded HTTP receiver on 127.0.0.1 (``LMS_WEBHOOK_ALLOW_PRIVATE=true``,
a retry schedule of ``1,1`` and a timeout of 1 s), and the xAPI statements go to a real learning
record store (Ralph, the ``lrs`` fixture). Every check goes over HTTP: the API's answers, what the
receiver got (verified with the ``standardwebhooks`` package), the delivery log, and Ralph's
statements API. Only the xAPI sink's deliveries, which no webhook lists, are read from the
database. Waiting is polling with a deadline, except where a minimum delay is what is shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from uuid import UUID

import httpx
import pytest
from dependency_injector import providers
from litestar import Litestar
from sqlalchemy import select
from standardwebhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from lms_adapters.sql.tables import deliveries
from lms_domain.shared.actors import Role
from lms_http.container import Container
from tests.conftest import free_port
from tests.integration.conftest import PASSWORD, Api, json_body, racing_client
from tests.integration.lrs import Lrs

V1 = "/api/v1"
HOOKS = f"{V1}/webhooks"
SCHEDULE = (1.0, 1.0)
TIMEOUT = 1.0
PUBLIC_URL = "https://lms.example.test"
FAST = 2.0  # the contract: a receiver that answers at once has the delivery within 2 s
EMITTED = [
    "user.registered",
    "course.published",
    "enrollment.created",
    "lesson.completed",
    "enrollment.completed",
    "attempt.graded",
    "certificate.issued",
    "webhook.test",
]
DATA_FIELDS = {
    "user.registered": {"user_id", "email", "full_name", "role"},
    "course.published": {"course_id", "title", "instructor_id"},
    "enrollment.created": {"enrollment_id", "course_id", "student_id"},
    "lesson.completed": {"enrollment_id", "course_id", "lesson_id", "student_id", "progress_percentage"},
    "enrollment.completed": {"enrollment_id", "course_id", "student_id", "completed_at"},
    "attempt.graded": {"attempt_id", "quiz_id", "course_id", "student_id", "score", "passed"},
    "certificate.issued": {"certificate_id", "certificate_number", "course_id", "student_id"},
    "webhook.test": {"webhook_id"},
}
T = TypeVar("T")
_n = itertools.count()


# --- a receiver whose every path answers as the test says ---------------------------------------


@dataclass(frozen=True)
class Hit:
    """One request the receiver got: when (monotonic and wall clock), where, what."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    wall: datetime

    def event(self, secret: str) -> dict[str, Any]:
        """The body, once its signature is verified with ``secret``."""
        verified = Verifier(secret).verify(self.body, self.headers)
        assert isinstance(verified, dict)
        return verified

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Answer:
    status: int = 200
    delay: float = 0.0
    location: str | None = None


@dataclass
class Receiver:
    port: int
    answers: dict[str, Answer] = field(default_factory=dict)
    got: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(
        self, path: str, status: int = 200, *, delay: float = 0.0, location: str | None = None
    ) -> None:
        with self.lock:
            self.answers[path] = Answer(status, delay, location)

    def hits(self, path: str | None = None) -> list[Hit]:
        with self.lock:
            return [h for h in self.got if path is None or h.path == path]


@contextlib.contextmanager
def serving_receiver() -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            me = state["receiver"]
            with me.lock:
                hit = Hit(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    time.monotonic(),
                    datetime.now(UTC),
                )
                me.got.append(hit)
                answer = me.answers.get(self.path, Answer())
            if answer.delay:
                time.sleep(answer.delay)
            try:
                self.send_response(answer.status)
                if answer.location is not None:
                    self.send_header("location", answer.location)
                body = b"" if answer.status in (204, 304) else b"ok"
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the sender gave up waiting and closed the connection
                pass

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["receiver"] = Receiver(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["receiver"]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving_receiver() as r:
        yield r


# --- waiting --------------------------------------------------------------------------------------


async def eventually(
    probe: Callable[[], Awaitable[T | None]],
    *,
    timeout: float = 5.0,
    what: str = "the expected state",
    every: float = 0.02,
) -> T:
    """The first truthy answer of ``probe``, polled ``every`` seconds on this loop (the delivery
    worker runs on it too) until ``timeout``."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"not reached within {timeout} s: {what} (last seen: {last!r})")


def parse_time(text: str) -> datetime:
    """An API time: ISO 8601 in UTC with an offset (``Z`` or ``+00:00``)."""
    assert text.endswith(("Z", "+00:00")), text
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() == timedelta(0), text
    return parsed


# --- "Everywhere": every answer the tests get is checked for the rules of every endpoint --------


async def check_everywhere(response: httpx.Response) -> None:
    request = response.request
    assert response.headers.get("x-content-type-options") == "nosniff", request.url
    assert response.headers.get("x-request-id"), request.url
    if "authorization" in request.headers:
        assert response.headers.get("cache-control") == "no-store", request.url
    if response.status_code >= 400 and response.status_code != 422:
        await response.aread()
        body = response.json()
        assert isinstance(body, dict) and set(body) == {"detail"}, (request.url, body)
        assert "Traceback" not in response.text
    if response.status_code == 204:
        await response.aread()
        assert response.content == b""


@dataclass
class ShiftedClock:
    """The system clock moved forward by what the test says."""

    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def shift(self, **kwargs: float) -> None:
        self.offset += timedelta(**kwargs)


DELIVERY_FIELDS = {
    "id",
    "event_id",
    "event_type",
    "status",
    "attempts",
    "last_status_code",
    "last_error",
    "next_attempt_at",
    "created_at",
    "delivered_at",
}


def check_delivery_shape(d: dict[str, Any]) -> None:
    """A delivery as the log shows it: its fields, UUIDs, UTC times, and a state that agrees with
    itself (a next try only while waiting, a delivery time once it succeeded)."""
    assert set(d) == DELIVERY_FIELDS, d
    UUID(d["id"]), UUID(d["event_id"])
    assert d["status"] in {"pending", "succeeded", "failed", "dead"}, d
    parse_time(d["created_at"])
    for key in ("next_attempt_at", "delivered_at"):
        if d[key] is not None:
            parse_time(d[key])
    assert (d["next_attempt_at"] is not None) == (d["status"] in {"pending", "failed"}), d
    if d["status"] == "succeeded":
        assert d["delivered_at"] is not None and d["attempts"] >= 1, d
    if d["status"] == "pending":
        assert (d["attempts"], d["delivered_at"]) == (0, None), d


# --- the app, its admin and the webhooks ----------------------------------------------------------


@dataclass
class World:
    api: Api
    app: Litestar
    receiver: Receiver
    admin: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict)  # webhook id: secret

    @property
    def client(self) -> httpx.AsyncClient:
        assert isinstance(self.api.client, httpx.AsyncClient)
        return self.api.client

    @property
    def container(self) -> Container:
        container: Container = self.app.state.container
        return container

    async def subscribe(self, path: str, events: list[str] | None = None, *, url: str | None = None) -> str:
        """A webhook to ``path`` of the receiver (or to ``url``); answers its id (its secret is kept)."""
        r = await self.client.post(
            HOOKS,
            json={"url": url or self.receiver.url(path), "events": events or EMITTED, "description": path},
            headers=self.admin,
        )
        assert r.status_code == 201, r.text
        made = json_body(r)
        self.secrets[made["id"]] = made["secret"]
        return str(made["id"])

    async def test_event(self, webhook_id: str) -> str:
        r = await self.client.post(f"{HOOKS}/{webhook_id}/test", headers=self.admin)
        assert r.status_code == 202, r.text
        return str(json_body(r)["event_id"])

    async def deliveries(self, webhook_id: str, **params: Any) -> list[dict[str, Any]]:
        r = await self.client.get(
            f"{HOOKS}/{webhook_id}/deliveries", params={"page_size": 100, **params}, headers=self.admin
        )
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = json_body(r)["items"]
        for d in items:
            check_delivery_shape(d)
        return items

    async def delivery_of(
        self, webhook_id: str, event_id: str, *, until: Callable[[dict[str, Any]], bool], timeout: float = 5.0
    ) -> dict[str, Any]:
        """The delivery of ``event_id`` to the webhook, once ``until`` holds for it."""

        async def probe() -> dict[str, Any] | None:
            for d in await self.deliveries(webhook_id):
                if d["event_id"] == event_id and until(d):
                    return d
            return None

        return await eventually(probe, timeout=timeout, what=f"the delivery of {event_id}")

    async def hits(self, path: str, count: int, *, timeout: float = 5.0) -> list[Hit]:
        """The receiver's requests on ``path``, once there are at least ``count``."""

        async def probe() -> list[Hit] | None:
            got = self.receiver.hits(path)
            return got if len(got) >= count else None

        return await eventually(probe, timeout=timeout, what=f"{count} requests on {path}")


@contextlib.asynccontextmanager
async def running(
    make_app: Callable[..., Litestar],
    receiver: Receiver,
    *,
    admin: Mapping[str, str] | None = None,
    clock: ShiftedClock | None = None,
    **overrides: object,
) -> AsyncIterator[World]:
    """The app with its delivery worker running (started and stopped with the client); an admin
    is made for it unless ``admin`` (headers valid on the same database) is given."""
    settings: dict[str, Any] = {
        "webhook_allow_private": True,
        "webhook_retry_schedule": SCHEDULE,
        "webhook_timeout_seconds": TIMEOUT,
        "delivery_in_process": True,
        "public_url": PUBLIC_URL,
        **overrides,
    }
    app = make_app(**settings)
    if clock is not None:  # before anything is built with the system clock
        app.state.container.clock.override(providers.Object(clock))
    async with racing_client(app) as client:
        client.event_hooks["response"].append(check_everywhere)
        api = Api(client, app.state.container.settings())
        if admin is None:
            admin = api.auth(await api.user_with_role("admin"))
        yield World(api=api, app=app, receiver=receiver, admin=dict(admin))


@pytest.fixture
async def world(make_app: Callable[..., Litestar], receiver: Receiver) -> AsyncIterator[World]:
    async with running(make_app, receiver) as w:
        yield w


# --- what a webhook hears: each delivery checked against the contract ----------------------------


def same(expected: object, got: object) -> bool:
    """``expected`` as the tests write it: a ``datetime`` stands for an API time string."""
    if isinstance(expected, datetime):
        return isinstance(got, str) and parse_time(got) == expected
    if isinstance(expected, float):
        return isinstance(got, int | float) and not isinstance(got, bool) and got == expected
    return type(expected) is type(got) and expected == got


@dataclass
class Heard:
    """What one webhook (a path of the receiver) has been sent, step by step."""

    world: World
    path: str
    secret: str
    seen: int = 0
    clock: Callable[[], datetime] | None = None  # the app's, when a test moves it

    async def expect(
        self, answered: float, expected: Mapping[str, Mapping[str, object]]
    ) -> dict[str, dict[str, Any]]:
        """The next deliveries are one event of each type in ``expected``, with exactly that data,
        each within ``FAST`` seconds of ``answered`` (the API's answer, monotonic), signed, with
        the Standard Webhooks headers; answers the events by type."""
        got = await self.world.hits(self.path, self.seen + len(expected))
        new, self.seen = got[self.seen :], len(got)
        events: dict[str, dict[str, Any]] = {}
        for hit in new:
            event = delivered(hit, self.secret, now=self.clock() if self.clock else None)
            assert event["type"] in expected and event["type"] not in events, (event, list(expected))
            events[event["type"]] = event
            assert hit.at - answered <= FAST, (event["type"], hit.at - answered)
            want = expected[event["type"]]
            assert set(event["data"]) == DATA_FIELDS[event["type"]] == set(want), event
            assert all(same(want[k], event["data"][k]) for k in want), (event["data"], want)
        return events

    async def nothing_more(self, webhook_id: str) -> None:
        """Nothing else is sent: a test event sent now is the next (and last) thing heard."""
        marker = await self.world.test_event(webhook_id)
        answered = time.monotonic()
        heard = await self.expect(answered, {"webhook.test": {"webhook_id": webhook_id}})
        assert heard["webhook.test"]["id"] == marker
        await asyncio.sleep(0.3)
        assert len(self.world.receiver.hits(self.path)) == self.seen


def delivered(hit: Hit, secret: str, *, now: datetime | None = None) -> dict[str, Any]:
    """One request as the contract has it: a signed JSON event whose id is ``webhook-id``, sent
    with a ``webhook-timestamp`` of the try's time."""
    event = hit.event(secret)
    assert hit.headers["content-type"] == "application/json"
    assert set(event) == {"id", "type", "occurred_at", "data"}
    assert hit.webhook_id == event["id"] == str(UUID(event["id"]))
    assert "webhook-signature" in hit.headers and hit.headers["webhook-signature"].startswith("v1,")
    assert abs(int(hit.headers["webhook-timestamp"]) - (now or hit.wall).timestamp()) <= 2
    occurred = parse_time(event["occurred_at"])
    assert timedelta(0) <= (now or hit.wall) - occurred < timedelta(seconds=30), event
    assert json.loads(hit.body) == event
    return event


async def heard_by(world: World, path: str, events: list[str] | None = None) -> tuple[str, Heard]:
    hook = await world.subscribe(path, events)
    return hook, Heard(world, path, world.secrets[hook])


# --- a course to learn: made through the API by an instructor -------------------------------------

QUESTIONS: list[dict[str, Any]] = [
    {
        "question_text": "2 + 2?",
        "question_type": "multiple_choice",
        "options": ["3", "4"],
        "correct_answer": "4",
        "points": 1,
    },
    {
        "question_text": "Python is dynamically typed.",
        "question_type": "true_false",
        "correct_answer": "true",
        "points": 2,
    },
]


@dataclass
class School:
    instructor: dict[str, str]
    instructor_id: str
    course: dict[str, Any]
    lessons: list[dict[str, Any]]
    quiz: dict[str, Any]

    @property
    def course_id(self) -> str:
        return str(self.course["id"])

    def answers(self, *values: str) -> list[dict[str, str]]:
        return [
            {"question_id": q["id"], "answer": v} for q, v in zip(self.quiz["questions"], values, strict=True)
        ]


async def ok(response: Awaitable[httpx.Response], status: int = 200) -> dict[str, Any]:
    r = await response
    assert r.status_code == status, r.text
    return json_body(r)


async def user_id(world: World, headers: dict[str, str]) -> str:
    return str((await ok(world.client.get(f"{V1}/users/me", headers=headers)))["id"])


async def open_school(world: World, *, publish: bool = False, **quiz_fields: Any) -> School:
    """A course of two lessons and a published quiz (pass mark 50 %, 3 points: 1 + 2) by a new
    instructor; the course is published only when ``publish``."""
    client = world.client
    instructor = world.api.auth(await world.api.user_with_role("instructor"))
    title = f"Event Sourcing {next(_n)}"
    course = await ok(
        client.post(f"{V1}/courses", json={"title": title, "description": "Logs"}, headers=instructor), 201
    )
    lessons = [
        await ok(
            client.post(
                f"{V1}/courses/{course['id']}/lessons",
                json={"title": f"Lesson {i}", "content_type": "text", "content": "words"},
                headers=instructor,
            ),
            201,
        )
        for i in (1, 2)
    ]
    body = {
        "course_id": course["id"],
        "lesson_id": lessons[1]["id"],
        "title": f"Quiz of {title}",
        "passing_score_percentage": 50,
        "questions": QUESTIONS,
        **quiz_fields,
    }
    quiz = await ok(client.post(f"{V1}/quizzes", json=body, headers=instructor), 201)
    quiz = await ok(client.post(f"{V1}/quizzes/{quiz['id']}/publish", headers=instructor))
    if publish:
        await ok(client.post(f"{V1}/courses/{course['id']}/publish", headers=instructor))
    return School(instructor, await user_id(world, instructor), course, lessons, quiz)


async def register(world: World, full_name: str = "Ada Lovelace") -> tuple[dict[str, str], str, str, float]:
    """A new student: headers, id, email, and when the API answered (monotonic)."""
    email = f"learner{next(_n)}@example.com"
    r = await world.client.post(
        f"{V1}/auth/register", json={"email": email, "password": PASSWORD, "full_name": full_name}
    )
    answered = time.monotonic()
    assert r.status_code == 201, r.text
    headers = world.api.auth(json_body(r))
    return headers, await user_id(world, headers), email, answered


async def enroll(world: World, student: dict[str, str], course_id: str) -> tuple[dict[str, Any], float]:
    r = await world.client.post(f"{V1}/enrollments", json={"course_id": course_id}, headers=student)
    answered = time.monotonic()
    assert r.status_code == 201, r.text
    return json_body(r), answered


async def complete(world: World, student: dict[str, str], enrollment_id: str, lesson_id: str) -> float:
    url = f"{V1}/enrollments/{enrollment_id}/lessons/{lesson_id}/complete"
    await ok(world.client.post(url, headers=student))
    return time.monotonic()


async def take_quiz(
    world: World, student: dict[str, str], school: School, *values: str
) -> tuple[dict[str, Any], float]:
    """One attempt of the school's quiz, submitted with ``values``: the graded attempt."""
    attempt = await ok(world.client.post(f"{V1}/quizzes/{school.quiz['id']}/attempts", headers=student), 201)
    r = await world.client.post(
        f"{V1}/attempts/{attempt['id']}/submit", json={"answers": school.answers(*values)}, headers=student
    )
    answered = time.monotonic()
    assert r.status_code == 200, r.text
    return json_body(r), answered


# --- every event type, to a webhook that hears it --------------------------------------------------


async def test_every_event_the_service_sends_reaches_its_webhook_with_the_contract_data(world: World) -> None:
    school = await open_school(world)  # before any webhook: the instructor's sign-up is not heard
    hook, heard = await heard_by(world, "/all")
    quiet, _ = await heard_by(world, "/quiet", ["certificate.revoked", "user.erased"])
    client = world.client

    student, student_id, email, answered = await register(world, "Ada Lovelace")
    await heard.expect(
        answered,
        {
            "user.registered": {
                "user_id": student_id,
                "email": email,
                "full_name": "Ada Lovelace",
                "role": "student",
            }
        },
    )

    await ok(client.post(f"{V1}/courses/{school.course_id}/publish", headers=school.instructor))
    await heard.expect(
        time.monotonic(),
        {
            "course.published": {
                "course_id": school.course_id,
                "title": school.course["title"],
                "instructor_id": school.instructor_id,
            }
        },
    )

    enrollment, answered = await enroll(world, student, school.course_id)
    ids = {"enrollment_id": enrollment["id"], "course_id": school.course_id, "student_id": student_id}
    await heard.expect(answered, {"enrollment.created": ids})

    first, second = (lesson["id"] for lesson in school.lessons)
    answered = await complete(world, student, enrollment["id"], first)
    await heard.expect(answered, {"lesson.completed": {**ids, "lesson_id": first, "progress_percentage": 50}})
    answered = await complete(world, student, enrollment["id"], second)
    progress = await ok(client.get(f"{V1}/enrollments/{enrollment['id']}", headers=student))
    completed_at = parse_time(progress["completed_at"])
    await heard.expect(
        answered,
        {
            "lesson.completed": {**ids, "lesson_id": second, "progress_percentage": 100},
            "enrollment.completed": {**ids, "completed_at": completed_at},
        },
    )

    quiz_ids = {"quiz_id": school.quiz["id"], "course_id": school.course_id, "student_id": student_id}
    for values, score, passed in ((("4", "false"), 33.33, False), (("4", "true"), 100.0, True)):
        attempt, answered = await take_quiz(world, student, school, *values)
        assert (attempt["score"], attempt["passed"]) == (score, passed)
        await heard.expect(
            answered,
            {"attempt.graded": {"attempt_id": attempt["id"], **quiz_ids, "score": score, "passed": passed}},
        )

    r = await client.post(
        f"{V1}/certificates/generate", json={"enrollment_id": enrollment["id"]}, headers=student
    )
    answered = time.monotonic()
    assert r.status_code == 201, r.text
    certificate = json_body(r)
    await heard.expect(
        answered,
        {
            "certificate.issued": {
                "certificate_id": certificate["id"],
                "certificate_number": certificate["certificate_number"],
                "course_id": school.course_id,
                "student_id": student_id,
            }
        },
    )

    event_id = await world.test_event(hook)
    events = await heard.expect(time.monotonic(), {"webhook.test": {"webhook_id": hook}})
    assert events["webhook.test"]["id"] == event_id

    log = await eventually(functools.partial(settled, world, hook, 10), what="ten finished deliveries")
    hits = world.receiver.hits("/all")
    assert len(log) == len(hits) == heard.seen == 10
    assert {d["event_id"] for d in log} == {h.webhook_id for h in hits}
    assert {d["event_type"] for d in log} == set(EMITTED)
    for d in log:
        assert (d["status"], d["attempts"], d["last_status_code"], d["last_error"]) == (
            "succeeded",
            1,
            200,
            None,
        )
        assert d["next_attempt_at"] is None
        assert parse_time(d["created_at"]) <= parse_time(d["delivered_at"])
    assert await world.deliveries(quiet) == [] and world.receiver.hits("/quiet") == []


async def test_users_made_by_the_command_line_and_at_startup_are_heard(
    make_app: Callable[..., Litestar], receiver: Receiver
) -> None:
    """``user.registered`` for accounts no sign-up made: ``lms create-user`` (its use case, from
    another unit of work, as the command runs it) and the ``LMS_ADMIN_EMAIL`` admin of a server
    that starts. On SQLite the command's queue dies with it: the server's sweep (every second there)
    finds its delivery within the 2 s the contract gives a commit."""
    async with running(make_app, receiver) as world:
        hook, heard = await heard_by(world, "/users", ["user.registered"])
        settings = world.container.settings()
        command = Container(settings=settings)
        try:
            made = await command.create_user()(
                email="Teacher@Example.com", password=PASSWORD, role=Role.INSTRUCTOR, full_name="Grace Hopper"
            )
        finally:
            await command.engine().dispose()
            await command.job_engine().close()
        # on PostgreSQL at once (one queue); on SQLite at the server's next sweep, within a second,
        # then the job's pick-up (the waits allow a loaded test machine one second more)
        got = await world.hits("/users", 1, timeout=3)
        event = delivered(got[0], heard.secret)
        assert event["data"] == {
            "user_id": str(made.id),
            "email": "teacher@example.com",
            "full_name": "Grace Hopper",
            "role": "instructor",
        }
        admin = world.admin
    async with running(
        make_app, receiver, admin=admin, admin_email="Root@Example.com", admin_password="Admin7Secret"
    ) as world:
        got = await world.hits("/users", 2)
        event = delivered(got[1], heard.secret)
        r = await world.client.post(
            f"{V1}/auth/login", json={"email": "root@example.com", "password": "Admin7Secret"}
        )
        root = await user_id(world, world.api.auth(json_body(r)))
        assert event["data"] == {
            "user_id": root,
            "email": "root@example.com",
            "full_name": "Administrator",
            "role": "admin",
        }
        log = await eventually(functools.partial(settled, world, hook, 2), what="two finished deliveries")
        assert [d["status"] for d in log] == ["succeeded", "succeeded"]


async def test_an_attempt_closed_as_expired_is_graded_and_heard(
    make_app: Callable[..., Litestar], receiver: Receiver
) -> None:
    """Past the time limit and its grace, an attempt is closed with a score of 0: by its late
    submission (409), or by the next start of the same quiz. Either way ``attempt.graded`` goes out."""
    clock = ShiftedClock()
    async with running(make_app, receiver, clock=clock) as world:
        school = await open_school(world, publish=True, time_limit_minutes=1)
        _, heard = await heard_by(world, "/graded", ["attempt.graded"])
        heard.clock = clock.now
        student, student_id, _, _ = await register(world)
        await enroll(world, student, school.course_id)
        start = f"{V1}/quizzes/{school.quiz['id']}/attempts"
        expired = {"quiz_id": school.quiz["id"], "course_id": school.course_id, "student_id": student_id}
        expired |= {"score": 0.0, "passed": False}

        late = await ok(world.client.post(start, headers=student), 201)
        clock.shift(minutes=3)
        r = await world.client.post(
            f"{V1}/attempts/{late['id']}/submit",
            json={"answers": school.answers("4", "true")},
            headers=student,
        )
        answered = time.monotonic()
        assert r.status_code == 409, r.text
        await heard.expect(answered, {"attempt.graded": {"attempt_id": late["id"], **expired}})

        clock.offset = timedelta(0)  # the webhook's timestamps stay within the verifier's 5 minutes
        abandoned = await ok(world.client.post(start, headers=student), 201)
        clock.shift(minutes=3)
        await ok(world.client.post(start, headers=student), 201)
        answered = time.monotonic()
        await heard.expect(answered, {"attempt.graded": {"attempt_id": abandoned["id"], **expired}})
        closed = await ok(world.client.get(f"{V1}/attempts/{abandoned['id']}", headers=student))
        assert (closed["status"], closed["score"], closed["passed"]) == ("expired", 0.0, False)


async def test_deleting_the_only_lesson_a_student_lacked_completes_the_enrollment(world: World) -> None:
    school = await open_school(world, publish=True)
    _, heard = await heard_by(world, "/deleted", ["lesson.completed", "enrollment.completed"])
    student, student_id, _, _ = await register(world)
    enrollment, _ = await enroll(world, student, school.course_id)
    ids = {"enrollment_id": enrollment["id"], "course_id": school.course_id, "student_id": student_id}
    first, last = (lesson["id"] for lesson in school.lessons)
    answered = await complete(world, student, enrollment["id"], first)
    await heard.expect(answered, {"lesson.completed": {**ids, "lesson_id": first, "progress_percentage": 50}})
    r = await world.client.delete(f"{V1}/lessons/{last}", headers=school.instructor)
    answered = time.monotonic()
    assert r.status_code == 204, r.text
    progress = await ok(world.client.get(f"{V1}/enrollments/{enrollment['id']}", headers=student))
    assert progress["progress_percentage"] == 100
    completed_at = parse_time(progress["completed_at"])
    await heard.expect(answered, {"enrollment.completed": {**ids, "completed_at": completed_at}})


# --- calls that change nothing ------------------------------------------------------------------


async def test_calls_that_change_nothing_send_nothing(world: World) -> None:
    school = await open_school(world, publish=True)
    hook, heard = await heard_by(world, "/changes")
    client = world.client
    student, student_id, email, answered = await register(world, "Alan Turing")
    registered = {"user_id": student_id, "email": email, "full_name": "Alan Turing", "role": "student"}
    await heard.expect(answered, {"user.registered": registered})
    keyed = {**student, "Idempotency-Key": f"enroll-{next(_n)}"}
    enrolling = {"course_id": school.course_id}
    enrollment = await ok(client.post(f"{V1}/enrollments", json=enrolling, headers=keyed), 201)
    ids = {"enrollment_id": enrollment["id"], "course_id": school.course_id, "student_id": student_id}
    await heard.expect(time.monotonic(), {"enrollment.created": ids})
    lesson = school.lessons[0]["id"]
    answered = await complete(world, student, enrollment["id"], lesson)
    await heard.expect(
        answered, {"lesson.completed": {**ids, "lesson_id": lesson, "progress_percentage": 50}}
    )
    attempt, answered = await take_quiz(world, student, school, "3", "false")
    graded = {"quiz_id": school.quiz["id"], "course_id": school.course_id, "student_id": student_id}
    await heard.expect(
        answered, {"attempt.graded": {"attempt_id": attempt["id"], **graded, "score": 0.0, "passed": False}}
    )
    logged = len(await world.deliveries(hook))

    done = f"{V1}/enrollments/{enrollment['id']}/lessons/{lesson}/complete"
    first = await ok(client.post(done, headers=student))
    assert (await ok(client.post(done, headers=student)))["completed_at"] == first["completed_at"]
    await ok(client.post(f"{V1}/courses/{school.course_id}/publish", headers=school.instructor))
    refused = [
        (client.post(f"{V1}/enrollments", json={"course_id": school.course_id}, headers=student), 409),
        (
            client.post(
                f"{V1}/auth/register", json={"email": email, "password": PASSWORD, "full_name": "Again"}
            ),
            409,
        ),
        (
            client.post(
                f"{V1}/attempts/{attempt['id']}/submit",
                json={"answers": school.answers("4", "true")},
                headers=student,
            ),
            409,
        ),
        (
            client.post(
                f"{V1}/certificates/generate", json={"enrollment_id": enrollment["id"]}, headers=student
            ),
            400,
        ),
        (client.post(f"{V1}/courses/{school.course_id}/publish", headers=student), 403),
        (
            client.post(
                f"{V1}/enrollments/{enrollment['id']}/lessons/{school.course_id}/complete", headers=student
            ),
            404,
        ),
        (client.post(f"{HOOKS}/{hook}/test", headers=student), 403),
    ]
    for call, status in refused:
        r = await call
        assert r.status_code == status, r.text
    replayed = await client.post(f"{V1}/enrollments", json=enrolling, headers=keyed)  # a client's retry
    assert (replayed.status_code, replayed.headers.get("idempotent-replayed")) == (201, "true")
    assert json_body(replayed) == enrollment
    assert len(await world.deliveries(hook)) == logged  # no event was written, so no delivery
    await heard.nothing_more(hook)


# --- failures, retries, redelivery ----------------------------------------------------------------


async def test_a_failing_receiver_is_tried_again_on_schedule_until_it_recovers(world: World) -> None:
    hook = await world.subscribe("/flaky", ["certificate.revoked"])
    secret = world.secrets[hook]
    world.receiver.answer("/flaky", 500)
    event_id = await world.test_event(hook)
    failed = await world.delivery_of(hook, event_id, until=lambda d: d["attempts"] == 1)
    (first,) = world.receiver.hits("/flaky")
    assert (failed["status"], failed["last_status_code"], failed["delivered_at"]) == ("failed", 500, None)
    assert "500" in failed["last_error"]
    waited = parse_time(failed["next_attempt_at"]) - first.wall
    assert timedelta(seconds=0.8) < waited < timedelta(seconds=1.5), waited  # the schedule's first delay

    world.receiver.answer("/flaky", 200)
    done = await world.delivery_of(hook, event_id, until=lambda d: d["status"] == "succeeded")
    second = world.receiver.hits("/flaky")[1]
    assert second.at - first.at >= SCHEDULE[0] - 0.1
    assert (done["attempts"], done["last_status_code"], done["last_error"], done["next_attempt_at"]) == (
        2,
        200,
        None,
        None,
    )
    assert parse_time(done["delivered_at"]) >= parse_time(failed["next_attempt_at"])
    assert first.webhook_id == second.webhook_id == event_id
    assert delivered(first, secret) == delivered(second, secret)
    assert len(world.receiver.hits("/flaky")) == 2


async def test_a_receiver_that_keeps_failing_gets_every_try_then_the_delivery_is_dead(world: World) -> None:
    hook = await world.subscribe("/down", ["certificate.revoked"])
    world.receiver.answer("/down", 503)
    event_id = await world.test_event(hook)
    dead = await world.delivery_of(hook, event_id, until=lambda d: d["status"] == "dead", timeout=10)
    assert (dead["attempts"], dead["last_status_code"], dead["next_attempt_at"], dead["delivered_at"]) == (
        len(SCHEDULE) + 1,
        503,
        None,
        None,
    )
    assert "503" in dead["last_error"]
    hits = world.receiver.hits("/down")
    assert [h.webhook_id for h in hits] == [event_id] * (len(SCHEDULE) + 1)
    for hit in hits:
        delivered(hit, world.secrets[hook])
    for (before, after), delay in zip(itertools.pairwise(hits), SCHEDULE, strict=True):
        assert after.at - before.at >= delay - 0.1
    await asyncio.sleep(SCHEDULE[-1] + 0.5)  # no try after the last one
    assert len(world.receiver.hits("/down")) == len(SCHEDULE) + 1
    assert [d["id"] for d in await world.deliveries(hook, status="dead")] == [dead["id"]]

    # a redelivery of a dead delivery is one more try, counted with the others
    world.receiver.answer("/down", 200)
    r = await world.client.post(f"{HOOKS}/{hook}/deliveries/{dead['id']}/redeliver", headers=world.admin)
    assert r.status_code == 202, r.text
    done = await world.delivery_of(hook, event_id, until=lambda d: d["status"] == "succeeded")
    assert (done["attempts"], done["last_status_code"], done["last_error"]) == (len(SCHEDULE) + 2, 200, None)
    assert world.receiver.hits("/down")[-1].webhook_id == event_id


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_is_a_failure_and_is_never_followed(world: World, status: int) -> None:
    hook = await world.subscribe("/moved", ["certificate.revoked"])
    world.receiver.answer("/moved", status, location=world.receiver.url("/elsewhere"))
    event_id = await world.test_event(hook)
    failed = await world.delivery_of(hook, event_id, until=lambda d: d["attempts"] == 1)
    assert (failed["status"], failed["last_status_code"]) == ("failed", status)
    assert "redirect" in failed["last_error"] and "not followed" in failed["last_error"]
    await world.delivery_of(hook, event_id, until=lambda d: d["status"] == "dead")
    assert len(world.receiver.hits("/moved")) == len(SCHEDULE) + 1
    assert world.receiver.hits("/elsewhere") == []


async def test_a_receiver_slower_than_the_timeout_fails_saying_so(world: World) -> None:
    hook = await world.subscribe("/slow", ["certificate.revoked"])
    world.receiver.answer("/slow", 200, delay=TIMEOUT + 1.5)
    event_id = await world.test_event(hook)
    failed = await world.delivery_of(hook, event_id, until=lambda d: d["attempts"] == 1)
    (hit,) = world.receiver.hits("/slow")
    assert (failed["status"], failed["last_status_code"]) == ("failed", None)
    assert failed["last_error"] == f"Timed out after {TIMEOUT:g} s"
    # the try gave up after the timeout, then waited the schedule's first delay
    waited = parse_time(failed["next_attempt_at"]) - hit.wall
    assert (
        timedelta(seconds=TIMEOUT + SCHEDULE[0] - 0.2)
        < waited
        < timedelta(seconds=TIMEOUT + SCHEDULE[0] + 0.7)
    )
    world.receiver.answer("/slow", 200)
    done = await world.delivery_of(hook, event_id, until=lambda d: d["status"] == "succeeded")
    assert (done["attempts"], done["last_status_code"], done["last_error"]) == (2, 200, None)


async def test_a_receiver_that_cannot_be_reached_is_a_failure(world: World) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    hook = await world.subscribe("/nobody", ["certificate.revoked"], url=nobody)
    event_id = await world.test_event(hook)
    failed = await world.delivery_of(hook, event_id, until=lambda d: d["attempts"] == 1)
    assert (failed["status"], failed["last_status_code"]) == ("failed", None)
    assert failed["last_error"].startswith("Could not connect")


async def test_any_2xx_answer_is_a_success(world: World) -> None:
    for status in (200, 201, 202, 204, 299):
        path = f"/ok{status}"
        world.receiver.answer(path, status)
        hook = await world.subscribe(path, ["certificate.revoked"])
        event_id = await world.test_event(hook)
        done = await world.delivery_of(hook, event_id, until=lambda d: d["status"] != "pending")
        assert (done["status"], done["attempts"], done["last_status_code"]) == ("succeeded", 1, status)


async def test_a_redelivery_sends_a_succeeded_delivery_again_with_the_same_id(world: World) -> None:
    hook = await world.subscribe("/again", ["certificate.revoked"])
    event_id = await world.test_event(hook)
    first = await world.delivery_of(hook, event_id, until=lambda d: d["status"] == "succeeded")
    assert first["attempts"] == 1
    r = await world.client.post(f"{HOOKS}/{hook}/deliveries/{first['id']}/redeliver", headers=world.admin)
    assert r.status_code == 202, r.text
    again = await world.delivery_of(hook, event_id, until=lambda d: d["attempts"] == 2)
    assert (again["status"], again["last_status_code"]) == ("succeeded", 200)
    assert parse_time(again["delivered_at"]) >= parse_time(first["delivered_at"])
    one, two = await world.hits("/again", 2)
    assert one.webhook_id == two.webhook_id == event_id
    assert delivered(one, world.secrets[hook]) == delivered(two, world.secrets[hook])
    assert int(two.headers["webhook-timestamp"]) >= int(one.headers["webhook-timestamp"])


async def test_after_a_rotation_only_the_new_secret_signs(world: World) -> None:
    hook = await world.subscribe("/rotated", ["certificate.revoked"])
    old = world.secrets[hook]
    r = await world.client.post(f"{HOOKS}/{hook}/rotate-secret", headers=world.admin)
    assert r.status_code == 200, r.text
    new = json_body(r)["secret"]
    await world.test_event(hook)
    (hit,) = await world.hits("/rotated", 1)
    assert delivered(hit, new)["data"] == {"webhook_id": hook}
    with pytest.raises(WebhookVerificationError):
        Verifier(old).verify(hit.body, hit.headers)


async def test_a_retry_after_a_rotation_is_signed_with_the_new_secret(world: World) -> None:
    """An event that was first sent before the rotation is, when tried again, signed with the
    new secret only: the old one stops signing at once, retries included."""
    hook = await world.subscribe("/rotating", ["certificate.revoked"])
    old = world.secrets[hook]
    world.receiver.answer("/rotating", 500)
    event_id = await world.test_event(hook)
    await world.delivery_of(hook, event_id, until=lambda d: d["attempts"] == 1)
    r = await world.client.post(f"{HOOKS}/{hook}/rotate-secret", headers=world.admin)
    assert r.status_code == 200, r.text
    new = json_body(r)["secret"]
    world.receiver.answer("/rotating", 200)
    await world.delivery_of(hook, event_id, until=lambda d: d["status"] == "succeeded")
    before, after = world.receiver.hits("/rotating")
    assert delivered(before, old) == delivered(after, new)
    with pytest.raises(WebhookVerificationError):
        Verifier(old).verify(after.body, after.headers)


# --- webhooks that are switched off or removed ----------------------------------------------------


async def test_a_deactivated_or_deleted_webhook_gets_nothing_more(world: World) -> None:
    kept, off, gone = [await world.subscribe(p, ["user.registered"]) for p in ("/kept", "/off", "/gone")]
    for path in ("/kept", "/off", "/gone"):
        world.receiver.answer(path, 500)
    await register(world)
    for hook in (kept, off, gone):
        await eventually(functools.partial(_first_try_made, world, hook), what=f"{hook}'s first try")
    r = await world.client.patch(f"{HOOKS}/{off}", json={"is_active": False}, headers=world.admin)
    assert r.status_code == 200, r.text
    r = await world.client.delete(f"{HOOKS}/{gone}", headers=world.admin)
    assert r.status_code == 204, r.text
    # every retry of the kept webhook arrives (a loaded machine may be late: wait for them, not a
    # fixed time); by then the others' retries would have come too
    await world.hits("/kept", len(SCHEDULE) + 1, timeout=sum(SCHEDULE) + 15)
    await asyncio.sleep(1.0)
    assert len(world.receiver.hits("/kept")) == len(SCHEDULE) + 1
    assert len(world.receiver.hits("/off")) == len(world.receiver.hits("/gone")) == 1
    (stopped,) = await world.deliveries(off)
    assert (stopped["status"], stopped["attempts"], stopped["next_attempt_at"]) == ("dead", 1, None)

    for path in ("/kept", "/off", "/gone"):
        world.receiver.answer(path, 200)
    await register(world)
    await world.hits("/kept", len(SCHEDULE) + 2)
    await asyncio.sleep(0.5)
    assert len(world.receiver.hits("/off")) == len(world.receiver.hits("/gone")) == 1
    assert len(await world.deliveries(off)) == 1

    r = await world.client.patch(f"{HOOKS}/{off}", json={"is_active": True}, headers=world.admin)
    assert r.status_code == 200, r.text
    await register(world)
    await world.hits("/off", 2)  # active again: new events only

    async def statuses() -> bool:
        return [d["status"] for d in await world.deliveries(off)] == ["succeeded", "dead"]

    await eventually(statuses, what="the new event's delivery succeeded, the old one still dead")


async def settled(world: World, hook: str, count: int) -> list[dict[str, Any]]:
    """The webhook's delivery log once it has ``count`` deliveries, none of them still pending."""
    log = await world.deliveries(hook)
    return log if len(log) == count and all(d["status"] != "pending" for d in log) else []


async def _first_try_made(world: World, hook: str) -> bool:
    return any(d["attempts"] >= 1 for d in await world.deliveries(hook))


# --- where and when deliveries run ----------------------------------------------------------------


async def test_the_address_rule_holds_at_delivery_time(
    make_app: Callable[..., Litestar], receiver: Receiver
) -> None:
    """A webhook stored while private addresses were allowed, delivered by a server that does
    not allow them: every try fails saying why, and the receiver hears nothing."""
    async with running(make_app, receiver) as lax:
        hook = await lax.subscribe("/private", ["user.registered"])
        named = await lax.subscribe(
            "/named", ["certificate.revoked"], url=f"http://localhost:{receiver.port}/named"
        )
        admin = lax.admin
    async with running(make_app, receiver, admin=admin, webhook_allow_private=False) as strict:
        await register(strict)
        (refused,) = await eventually(lambda: _tried(strict, hook), what="the first try")
        assert (refused["status"], refused["attempts"], refused["last_status_code"]) == ("failed", 1, None)
        assert refused["last_error"] == "Refused: 127.0.0.1 is not a public address"
        event_id = await strict.test_event(hook)
        tested = await strict.delivery_of(hook, event_id, until=lambda d: d["status"] == "dead")
        assert "not a public address" in tested["last_error"]
        await strict.delivery_of(hook, refused["event_id"], until=lambda d: d["status"] == "dead")
        event_id = await strict.test_event(named)  # a name is judged by the addresses it resolves to
        by_name = await strict.delivery_of(named, event_id, until=lambda d: d["attempts"] == 1)
        assert by_name["last_error"].startswith("Refused: localhost resolves to ")
        assert by_name["last_error"].endswith(", which is not a public address")
        assert receiver.hits() == []


async def _tried(world: World, hook: str) -> list[dict[str, Any]]:
    return [d for d in await world.deliveries(hook) if d["attempts"] >= 1]


async def test_a_server_that_does_not_deliver_leaves_its_events_to_the_next_one(
    make_app: Callable[..., Litestar], receiver: Receiver
) -> None:
    """``LMS_DELIVERY_IN_PROCESS=false``: the server commits events and sends nothing; the next
    server that delivers (here the same database's next app) sends them all."""
    async with running(make_app, receiver, delivery_in_process=False) as quiet:
        hook = await quiet.subscribe("/later", ["user.registered"])
        emails = {(await register(quiet))[2] for _ in range(3)}
        await asyncio.sleep(1.5)  # time it would have had to deliver
        assert receiver.hits() == []
        assert [(d["status"], d["attempts"]) for d in await quiet.deliveries(hook)] == [("pending", 0)] * 3
        admin, secret = quiet.admin, quiet.secrets[hook]
    async with running(make_app, receiver, admin=admin) as delivering:
        hits = await delivering.hits("/later", 3)
        assert {delivered(h, secret)["data"]["email"] for h in hits} == emails
        await eventually(lambda: _all_succeeded(delivering, hook, 3), what="three succeeded deliveries")


async def _all_succeeded(world: World, hook: str, count: int) -> bool:
    log = await world.deliveries(hook)
    return len(log) == count and all(d["status"] == "succeeded" for d in log)


# --- learning records: the same events as xAPI statements in a real LRS ---------------------------

XAPI_TYPES = ["enrollment.created", "lesson.completed", "enrollment.completed", "attempt.graded"]
VERBS = "http://adlnet.gov/expapi/verbs/"


async def xapi_deliveries(world: World) -> list[dict[str, Any]]:
    """The learning record store's deliveries (no webhook lists them), read from the database."""
    async with world.container.engine().connect() as connection:
        rows = await connection.execute(select(deliveries).where(deliveries.c.sink == "xapi"))
        return [dict(row._mapping) for row in rows]


async def statement_of(lrs: Lrs, event_id: str) -> dict[str, Any]:
    """The statement Ralph keeps under ``event_id``, once it is there."""
    headers = {"X-Experience-API-Version": "1.0.3"}
    async with httpx.AsyncClient(base_url=lrs.endpoint, auth=lrs.auth, headers=headers, timeout=5) as http:

        async def probe() -> dict[str, Any] | None:
            r = await http.get("statements", params={"statementId": event_id})
            if r.status_code == 404:
                return None
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            if "statements" in body:  # Ralph 5.1 answers a StatementResult of one
                if not body["statements"]:
                    return None
                [body] = body["statements"]
            return body

        return await eventually(probe, what=f"statement {event_id} in the LRS", every=0.2)


def activity(kind: str, activity_id: str, title: str) -> dict[str, str | dict[str, str]]:
    return {"id": f"{PUBLIC_URL}/api/v1/{kind}/{activity_id}", "name": {"en-US": title}}


def shown(found: dict[str, Any]) -> dict[str, str | dict[str, str]]:
    """An activity as the contract names it: its id and ``definition.name``."""
    assert found.get("objectType", "Activity") == "Activity"
    return {"id": found["id"], "name": found["definition"]["name"]}


async def test_learning_events_become_xapi_statements_in_the_lrs(
    make_app: Callable[..., Litestar], receiver: Receiver, lrs: Lrs
) -> None:
    # Ralph's file backend can take over a second to answer while it is read as well: the default
    # timeout here, so that each statement is sent once
    async with running(
        make_app,
        receiver,
        webhook_timeout_seconds=10.0,
        xapi_endpoint=lrs.endpoint,
        xapi_username=lrs.username,
        xapi_password=lrs.password,
    ) as world:
        school = await open_school(world, publish=True)
        _, heard = await heard_by(world, "/learning", XAPI_TYPES)
        student, student_id, _, _ = await register(world)
        enrollment, answered = await enroll(world, student, school.course_id)
        ids = {"enrollment_id": enrollment["id"], "course_id": school.course_id, "student_id": student_id}
        events = [await heard.expect(answered, {"enrollment.created": ids})]
        for lesson, percent in zip(school.lessons, (50, 100), strict=True):
            answered = await complete(world, student, enrollment["id"], lesson["id"])
            expected: dict[str, Mapping[str, object]] = {
                "lesson.completed": {**ids, "lesson_id": lesson["id"], "progress_percentage": percent}
            }
            if percent == 100:
                progress = await ok(world.client.get(f"{V1}/enrollments/{enrollment['id']}", headers=student))
                expected["enrollment.completed"] = {
                    **ids,
                    "completed_at": parse_time(progress["completed_at"]),
                }
            events.append(await heard.expect(answered, expected))
        graded = {"quiz_id": school.quiz["id"], "course_id": school.course_id, "student_id": student_id}
        for values in (("4", "false"), ("4", "true")):
            attempt, answered = await take_quiz(world, student, school, *values)
            result = {"score": attempt["score"], "passed": attempt["passed"]}
            events.append(
                await heard.expect(
                    answered, {"attempt.graded": {"attempt_id": attempt["id"], **graded, **result}}
                )
            )

        course = activity("courses", school.course_id, school.course["title"])
        actor = {"objectType": "Agent", "account": {"homePage": PUBLIC_URL, "name": student_id}}
        every = [event for step in events for event in step.values()]
        assert len(every) == 6
        for event in every:
            got = await statement_of(lrs, event["id"])
            assert got["id"] == event["id"]
            assert got["actor"] == actor  # an account: no name, no email
            assert parse_time_lenient(got["timestamp"]) == parse_time(event["occurred_at"])
            data, kind = event["data"], event["type"]
            if kind == "enrollment.created":
                assert got["verb"]["id"] == VERBS + "registered"
                assert shown(got["object"]) == course
            elif kind == "enrollment.completed":
                assert got["verb"]["id"] == VERBS + "completed"
                assert shown(got["object"]) == course
            elif kind == "lesson.completed":
                lesson = next(x for x in school.lessons if x["id"] == data["lesson_id"])
                assert got["verb"]["id"] == VERBS + "completed"
                assert shown(got["object"]) == activity("lessons", lesson["id"], lesson["title"])
                assert [shown(p) for p in got["context"]["contextActivities"]["parent"]] == [course]
            else:
                assert got["verb"]["id"] == VERBS + ("passed" if data["passed"] else "failed")
                assert shown(got["object"]) == activity("quizzes", school.quiz["id"], school.quiz["title"])
                assert [shown(p) for p in got["context"]["contextActivities"]["parent"]] == [course]
                score = data["score"]
                assert got["result"] == {
                    "score": {"scaled": score / 100, "raw": score, "min": 0, "max": 100},
                    "success": data["passed"],
                    "completion": True,
                }

        async def xapi_settled() -> list[dict[str, Any]]:
            found = await xapi_deliveries(world)
            return found if all(d["status"] != "pending" for d in found) else []

        sent = await eventually(xapi_settled, what="the xAPI deliveries, finished")
        assert {str(d["event_id"]) for d in sent} == {e["id"] for e in every}
        for d in sent:
            assert (d["status"], d["attempts"], d["last_status_code"], d["webhook_id"]) == (
                "succeeded",
                1,
                200,
                None,
            )


def parse_time_lenient(text: str) -> datetime:
    """A time as the LRS gives it back (it may write UTC as ``+00:00`` or ``Z``)."""
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() == timedelta(0), text
    return parsed


async def test_a_wrong_lrs_password_fails_the_xapi_delivery_and_nothing_else(
    make_app: Callable[..., Litestar], receiver: Receiver, lrs: Lrs
) -> None:
    async with running(
        make_app,
        receiver,
        webhook_timeout_seconds=10.0,
        xapi_endpoint=lrs.endpoint,
        xapi_username=lrs.username,
        xapi_password="wrong",
    ) as world:
        school = await open_school(world, publish=True)
        hook, heard = await heard_by(world, "/enrolled", ["enrollment.created"])
        student, student_id, _, _ = await register(world)
        enrollment, answered = await enroll(world, student, school.course_id)  # answered without the LRS
        ids = {"enrollment_id": enrollment["id"], "course_id": school.course_id, "student_id": student_id}
        event = (await heard.expect(answered, {"enrollment.created": ids}))["enrollment.created"]

        async def xapi_tries(attempts: int) -> list[dict[str, Any]]:
            return [d for d in await xapi_deliveries(world) if d["attempts"] >= attempts]

        (failed,) = await eventually(functools.partial(xapi_tries, 1), what="the xAPI delivery's first try")
        assert str(failed["event_id"]) == event["id"]
        assert (failed["status"], failed["last_status_code"]) == ("failed", 401)
        assert "401" in failed["last_error"]
        (dead,) = await eventually(functools.partial(xapi_tries, len(SCHEDULE) + 1), what="every xAPI try")
        assert (dead["status"], dead["last_status_code"], dead["next_attempt_at"]) == ("dead", 401, None)
        # the webhook's delivery of the same event is its own, and succeeds
        webhook = await world.delivery_of(hook, event["id"], until=lambda d: d["status"] != "pending")
        assert (webhook["status"], webhook["attempts"]) == ("succeeded", 1)
        async with httpx.AsyncClient(base_url=lrs.endpoint, auth=lrs.auth, timeout=5) as http:
            r = await http.get(
                "statements",
                params={"statementId": event["id"]},
                headers={"X-Experience-API-Version": "1.0.3"},
            )
        assert r.status_code == 404 or r.json().get("statements") == [], r.text

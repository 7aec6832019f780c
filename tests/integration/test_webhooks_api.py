"""/webhooks over HTTP on both stacks: admins only, the secret shown on create and rotate only,
the address rule, the test event, the delivery log, redelivery, and writes racing each other.

The delivery job engine is replaced by a recorder (``jobs``): these tests look at what is stored
and queued, not at requests sent to receivers.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from dependency_injector import providers
from litestar import Litestar

from lms_http.container import Container
from tests.integration.conftest import Api, json_body, racing_client

V1 = "/api/v1"
HOOKS = f"{V1}/webhooks"
PUBLIC = "https://93.184.215.14/hook"  # a literal public address: nothing is looked up
FIELDS = {"id", "url", "events", "description", "is_active", "created_at"}
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
_n = itertools.count()


@dataclass
class RecordingJobs:
    """The job engine's side (``DeliveryJobs``), recording the tries it is asked for."""

    tries: list[tuple[UUID, datetime | None, bool]] = field(default_factory=list)

    async def try_delivery(
        self, delivery_id: UUID, *, at: datetime | None = None, force: bool = False
    ) -> None:
        self.tries.append((delivery_id, at, force))


@dataclass
class Hooks:
    api: Api
    container: Container
    jobs: RecordingJobs
    admin: dict[str, str]

    @property
    def client(self) -> httpx.AsyncClient:
        assert isinstance(self.api.client, httpx.AsyncClient)
        return self.api.client

    async def create(self, **body: Any) -> dict[str, Any]:
        r = await self.client.post(
            HOOKS, json={"url": PUBLIC, "events": ["user.registered"], **body}, headers=self.admin
        )
        assert r.status_code == 201, r.text
        return json_body(r)

    async def deliveries(self, webhook_id: str, **params: Any) -> dict[str, Any]:
        r = await self.client.get(f"{HOOKS}/{webhook_id}/deliveries", params=params, headers=self.admin)
        assert r.status_code == 200, r.text
        return json_body(r)

    async def stored_secret(self, webhook_id: str) -> str:
        async with self.container.uow() as uow:
            webhook = await uow.webhooks.get(UUID(webhook_id))
        assert webhook is not None
        return webhook.secret


@pytest.fixture
def jobs() -> RecordingJobs:
    return RecordingJobs()


async def _hooks(app: Litestar, jobs: RecordingJobs) -> AsyncIterator[Hooks]:
    container: Container = app.state.container
    container.jobs.override(providers.Object(jobs))
    async with racing_client(app) as client:
        api = Api(client, container.settings())
        admin = api.auth(await api.user_with_role("admin"))
        yield Hooks(api=api, container=container, jobs=jobs, admin=admin)


@pytest.fixture
async def hooks(make_app: Callable[..., Litestar], jobs: RecordingJobs) -> AsyncIterator[Hooks]:
    async for h in _hooks(make_app(), jobs):
        yield h


@pytest.fixture
async def private_hooks(make_app: Callable[..., Litestar], jobs: RecordingJobs) -> AsyncIterator[Hooks]:
    """The app with ``LMS_WEBHOOK_ALLOW_PRIVATE=true``."""
    async for h in _hooks(make_app(webhook_allow_private=True), jobs):
        yield h


def _every_call(webhook_id: str, delivery_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    one = f"{HOOKS}/{webhook_id}"
    return [
        ("GET", HOOKS, None),
        ("POST", HOOKS, {"url": PUBLIC, "events": ["user.registered"]}),
        ("GET", one, None),
        ("PATCH", one, {"description": "x"}),
        ("DELETE", one, None),
        ("POST", f"{one}/rotate-secret", None),
        ("POST", f"{one}/test", None),
        ("GET", f"{one}/deliveries", None),
        ("POST", f"{one}/deliveries/{delivery_id}/redeliver", None),
    ]


# --- create, read, change, delete ----------------------------------------------------------------


async def test_create_answers_201_with_the_secret_which_nothing_else_shows(hooks: Hooks) -> None:
    r = await hooks.client.post(
        HOOKS, json={"url": PUBLIC, "events": ["enrollment.created", "user.registered"]}, headers=hooks.admin
    )
    assert r.status_code == 201, r.text
    made = json_body(r)
    assert set(made) == FIELDS | {"secret"}
    assert (made["url"], made["events"], made["description"], made["is_active"]) == (
        PUBLIC,
        ["enrollment.created", "user.registered"],
        "",
        True,
    )
    assert made["secret"].startswith("whsec_")
    assert len(base64.b64decode(made["secret"].removeprefix("whsec_"))) >= 24
    assert made["created_at"].endswith(("Z", "+00:00"))
    assert await hooks.stored_secret(made["id"]) == made["secret"]

    shown = json_body(await hooks.client.get(f"{HOOKS}/{made['id']}", headers=hooks.admin))
    assert shown == {k: v for k, v in made.items() if k != "secret"}
    listed = json_body(await hooks.client.get(HOOKS, headers=hooks.admin))
    assert listed["items"] == [shown]
    patched = await hooks.client.patch(
        f"{HOOKS}/{made['id']}", json={"description": "CRM"}, headers=hooks.admin
    )
    assert (patched.status_code, json_body(patched)) == (200, {**shown, "description": "CRM"})


async def test_events_are_kept_once_each_in_order(hooks: Hooks) -> None:
    made = await hooks.create(events=["lesson.completed", "user.registered", "lesson.completed"])
    assert made["events"] == ["lesson.completed", "user.registered"]
    r = await hooks.client.patch(
        f"{HOOKS}/{made['id']}",
        json={"events": ["certificate.issued", "webhook.test", "certificate.issued"]},
        headers=hooks.admin,
    )
    assert json_body(r)["events"] == ["certificate.issued", "webhook.test"]
    shown = json_body(await hooks.client.get(f"{HOOKS}/{made['id']}", headers=hooks.admin))
    assert shown["events"] == ["certificate.issued", "webhook.test"]


async def test_patch_changes_only_what_it_names_and_ignores_what_no_one_sets(hooks: Hooks) -> None:
    made = await hooks.create(description="first")
    url = f"{HOOKS}/{made['id']}"
    body = {
        "url": "https://93.184.215.15/new",
        "is_active": False,
        "secret": "whsec_AAAA",
        "id": str(uuid4()),
        "created_at": "2000-01-01T00:00:00Z",
    }
    r = await hooks.client.patch(url, json=body, headers=hooks.admin)
    assert r.status_code == 200, r.text
    assert json_body(r) == {
        **{k: v for k, v in made.items() if k != "secret"},
        "url": "https://93.184.215.15/new",
        "is_active": False,
    }
    assert await hooks.stored_secret(made["id"]) == made["secret"]


async def test_delete_is_204_and_then_everything_is_404(hooks: Hooks) -> None:
    made = await hooks.create()
    r = await hooks.client.delete(f"{HOOKS}/{made['id']}", headers=hooks.admin)
    assert (r.status_code, r.content) == (204, b"")
    for method, path, body in _every_call(made["id"], str(uuid4()))[2:]:
        r = await hooks.client.request(method, path, json=body, headers=hooks.admin)
        assert (r.status_code, r.json()) == (404, {"detail": "Webhook not found"}), (method, path)


async def test_the_list_is_paginated_newest_first(hooks: Hooks) -> None:
    made = [await hooks.create(description=f"hook {i}") for i in range(5)]
    first = json_body(await hooks.client.get(HOOKS, params={"page_size": 2}, headers=hooks.admin))
    last = json_body(await hooks.client.get(HOOKS, params={"page": 3, "page_size": 2}, headers=hooks.admin))
    assert {k: first[k] for k in ("total", "page", "page_size", "pages")} == {
        "total": 5,
        "page": 1,
        "page_size": 2,
        "pages": 3,
    }
    every = [h["id"] for h in first["items"]] + [h["id"] for h in last["items"]]
    assert len(last["items"]) == 1 and set(every) <= {h["id"] for h in made}
    for params in ({"page": 0}, {"page_size": 0}, {"page_size": 101}):
        assert (await hooks.client.get(HOOKS, params=params, headers=hooks.admin)).status_code == 422


# --- who may -------------------------------------------------------------------------------------


async def test_without_a_token_every_endpoint_is_401(hooks: Hooks) -> None:
    made = await hooks.create()
    for method, path, body in _every_call(made["id"], str(uuid4())):
        r = await hooks.client.request(method, path, json=body)
        assert r.status_code == 401, (method, path)


@pytest.mark.parametrize("role", ["student", "instructor"])
async def test_other_roles_get_403_on_every_endpoint(hooks: Hooks, role: str) -> None:
    made = await hooks.create()
    await hooks.client.post(f"{HOOKS}/{made['id']}/test", headers=hooks.admin)
    (delivery,) = (await hooks.deliveries(made["id"]))["items"]
    tokens = await hooks.api.register() if role == "student" else await hooks.api.user_with_role(role)
    for method, path, body in _every_call(made["id"], delivery["id"]):
        r = await hooks.client.request(method, path, json=body, headers=hooks.api.auth(tokens))
        assert (r.status_code, r.json()) == (403, {"detail": "Only admins can manage webhooks"}), (
            method,
            path,
        )
    assert json_body(await hooks.client.get(HOOKS, headers=hooks.admin))["total"] == 1
    assert [t for t in hooks.jobs.tries if t[2]] == []  # no forced try (redelivery) went through


# --- what is refused -----------------------------------------------------------------------------


def _errors(r: httpx.Response) -> list[tuple[list[Any], str]]:
    assert r.status_code == 422, r.text
    return [(item["loc"], item["msg"]) for item in r.json()["detail"]]


async def test_a_private_or_loopback_address_is_422_naming_url(hooks: Hooks) -> None:
    for url in (
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://localhost/x",
    ):
        r = await hooks.client.post(
            HOOKS, json={"url": url, "events": ["user.registered"]}, headers=hooks.admin
        )
        ((loc, msg),) = _errors(r)
        assert loc == ["body", "url"] and msg.startswith("url is refused"), (url, msg)
    made = await hooks.create()
    r = await hooks.client.patch(
        f"{HOOKS}/{made['id']}", json={"url": "http://127.0.0.1/x"}, headers=hooks.admin
    )
    assert [loc for loc, _ in _errors(r)] == [["body", "url"]]
    shown = json_body(await hooks.client.get(f"{HOOKS}/{made['id']}", headers=hooks.admin))
    assert shown["url"] == PUBLIC
    assert json_body(await hooks.client.get(HOOKS, headers=hooks.admin))["total"] == 1


async def test_private_addresses_are_accepted_when_allowed(private_hooks: Hooks) -> None:
    made = await private_hooks.create(url="http://127.0.0.1:9/hook")
    assert made["url"] == "http://127.0.0.1:9/hook"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"url": "ftp://example.com/x", "events": ["user.registered"]}, ["body", "url"]),
        ({"url": "not a url", "events": ["user.registered"]}, ["body", "url"]),
        ({"url": "https://example.com/" + "x" * 2040, "events": ["user.registered"]}, ["body", "url"]),
        ({"events": ["user.registered"]}, ["body", "url"]),
        ({"url": PUBLIC}, ["body", "events"]),
        ({"url": PUBLIC, "events": []}, ["body", "events"]),
        ({"url": PUBLIC, "events": "user.registered"}, ["body", "events"]),
        ({"url": PUBLIC, "events": ["user.registered", "course.deleted"]}, ["body", "events", 1]),
        ({"url": PUBLIC, "events": ["user.registered"] * 11}, ["body", "events"]),
        ({"url": PUBLIC, "events": ["user.registered"], "description": "d" * 1001}, ["body", "description"]),
        ({"url": PUBLIC, "events": ["user.registered"], "description": None}, ["body", "description"]),
    ],
)
async def test_bad_bodies_are_422_naming_the_field(
    hooks: Hooks, body: dict[str, Any], loc: list[Any]
) -> None:
    r = await hooks.client.post(HOOKS, json=body, headers=hooks.admin)
    assert [found for found, _ in _errors(r)] == [loc]
    assert json_body(await hooks.client.get(HOOKS, headers=hooks.admin))["total"] == 0


async def test_an_unknown_event_type_says_which(hooks: Hooks) -> None:
    r = await hooks.client.post(HOOKS, json={"url": PUBLIC, "events": ["user.deleted"]}, headers=hooks.admin)
    ((loc, msg),) = _errors(r)
    assert loc == ["body", "events", 0] and "user.deleted" in msg


@pytest.mark.parametrize(
    "body",
    [
        {"events": []},
        {"events": ["nope"]},
        {"url": "ftp://x.example/"},
        {"is_active": "yes"},
        {"description": None},
        {"url": None},
    ],
)
async def test_bad_patches_are_422_and_change_nothing(hooks: Hooks, body: dict[str, Any]) -> None:
    made = await hooks.create()
    r = await hooks.client.patch(f"{HOOKS}/{made['id']}", json=body, headers=hooks.admin)
    assert r.status_code == 422, r.text
    shown = json_body(await hooks.client.get(f"{HOOKS}/{made['id']}", headers=hooks.admin))
    assert shown == {k: v for k, v in made.items() if k != "secret"}


async def test_unknown_webhooks_and_deliveries_are_404(hooks: Hooks) -> None:
    made = await hooks.create()
    other = await hooks.create()
    await hooks.client.post(f"{HOOKS}/{other['id']}/test", headers=hooks.admin)
    (others,) = (await hooks.deliveries(other["id"]))["items"]
    for method, path, body in _every_call(str(uuid4()), str(uuid4()))[2:]:
        r = await hooks.client.request(method, path, json=body, headers=hooks.admin)
        assert r.status_code == 404, (method, path)
    for delivery_id in (str(uuid4()), others["id"]):  # another webhook's delivery is not this one's
        r = await hooks.client.post(
            f"{HOOKS}/{made['id']}/deliveries/{delivery_id}/redeliver", headers=hooks.admin
        )
        assert (r.status_code, r.json()) == (404, {"detail": "Delivery not found"})
    assert (await hooks.client.get(f"{HOOKS}/not-a-uuid", headers=hooks.admin)).status_code == 404


# --- secrets -------------------------------------------------------------------------------------


async def test_rotation_answers_200_with_a_new_secret_that_alone_is_kept(hooks: Hooks) -> None:
    made = await hooks.create(description="kept")
    r = await hooks.client.post(f"{HOOKS}/{made['id']}/rotate-secret", headers=hooks.admin)
    assert r.status_code == 200, r.text
    rotated = json_body(r)
    assert set(rotated) == FIELDS | {"secret"}
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]
    assert {k: v for k, v in rotated.items() if k != "secret"} == {
        k: v for k, v in made.items() if k != "secret"
    }
    assert await hooks.stored_secret(made["id"]) == rotated["secret"]


# --- the test event, the delivery log, redelivery ------------------------------------------------


async def test_a_test_event_goes_to_that_webhook_only_whatever_its_events(hooks: Hooks) -> None:
    target = await hooks.create(events=["certificate.issued"])
    listener = await hooks.create(events=["webhook.test"])
    r = await hooks.client.post(f"{HOOKS}/{target['id']}/test", headers=hooks.admin)
    assert r.status_code == 202, r.text
    answer = json_body(r)
    assert set(answer) == {"event_id"}
    log = await hooks.deliveries(target["id"])
    (delivery,) = log["items"]
    assert set(delivery) == DELIVERY_FIELDS
    assert (delivery["event_id"], delivery["event_type"], delivery["status"], delivery["attempts"]) == (
        answer["event_id"],
        "webhook.test",
        "pending",
        0,
    )
    assert (delivery["last_status_code"], delivery["last_error"], delivery["delivered_at"]) == (
        None,
        None,
        None,
    )
    assert (await hooks.deliveries(listener["id"]))["total"] == 0
    async with hooks.container.uow() as uow:
        event = await uow.events.get(UUID(answer["event_id"]))
    assert event is not None and dict(event.data) == {"webhook_id": target["id"]}


async def test_an_inactive_webhook_gets_409_for_a_test_and_a_redelivery(hooks: Hooks) -> None:
    made = await hooks.create()
    await hooks.client.post(f"{HOOKS}/{made['id']}/test", headers=hooks.admin)
    (delivery,) = (await hooks.deliveries(made["id"]))["items"]
    await hooks.client.patch(f"{HOOKS}/{made['id']}", json={"is_active": False}, headers=hooks.admin)
    r = await hooks.client.post(f"{HOOKS}/{made['id']}/test", headers=hooks.admin)
    assert (r.status_code, r.json()) == (409, {"detail": "The webhook is not active"})
    r = await hooks.client.post(
        f"{HOOKS}/{made['id']}/deliveries/{delivery['id']}/redeliver", headers=hooks.admin
    )
    assert (r.status_code, r.json()) == (409, {"detail": "The webhook is not active"})
    assert (await hooks.deliveries(made["id"]))["total"] == 1
    assert [t for t in hooks.jobs.tries if t[2]] == []  # no forced try (redelivery) went through


async def test_deactivation_ends_waiting_deliveries_and_events_reach_active_webhooks_only(
    hooks: Hooks,
) -> None:
    heard, silenced = await hooks.create(), await hooks.create()
    await hooks.api.register()  # user.registered: one delivery to each
    for webhook in (heard, silenced):
        (delivery,) = (await hooks.deliveries(webhook["id"]))["items"]
        assert (delivery["event_type"], delivery["status"]) == ("user.registered", "pending")
    await hooks.client.patch(f"{HOOKS}/{silenced['id']}", json={"is_active": False}, headers=hooks.admin)
    (dead,) = (await hooks.deliveries(silenced["id"], status="dead"))["items"]
    assert (dead["next_attempt_at"], bool(dead["last_error"])) == (None, True)
    await hooks.api.register()
    assert (await hooks.deliveries(heard["id"]))["total"] == 2
    assert (await hooks.deliveries(silenced["id"]))["total"] == 1


async def test_the_delivery_log_filters_by_status_and_pages(hooks: Hooks) -> None:
    made = await hooks.create()
    for _ in range(3):
        assert (await hooks.client.post(f"{HOOKS}/{made['id']}/test", headers=hooks.admin)).status_code == 202
    page = await hooks.deliveries(made["id"], page_size=2, page=2)
    assert (len(page["items"]), page["total"], page["pages"]) == (1, 3, 2)
    assert (await hooks.deliveries(made["id"], status="pending"))["total"] == 3
    for status in ("succeeded", "failed", "dead"):
        assert (await hooks.deliveries(made["id"], status=status))["total"] == 0
    r = await hooks.client.get(
        f"{HOOKS}/{made['id']}/deliveries", params={"status": "lost"}, headers=hooks.admin
    )
    assert [loc for loc, _ in _errors(r)] == [["query", "status"]]


async def test_redelivery_answers_202_and_queues_one_forced_try(hooks: Hooks) -> None:
    made = await hooks.create()
    await hooks.client.post(f"{HOOKS}/{made['id']}/test", headers=hooks.admin)
    (delivery,) = (await hooks.deliveries(made["id"]))["items"]
    r = await hooks.client.post(
        f"{HOOKS}/{made['id']}/deliveries/{delivery['id']}/redeliver", headers=hooks.admin
    )
    assert r.status_code == 202, r.text
    assert json_body(r) == delivery
    # the test event's try, queued once it committed; then the forced one
    assert hooks.jobs.tries == [(UUID(delivery["id"]), None, False), (UUID(delivery["id"]), None, True)]


# --- the schema ----------------------------------------------------------------------------------


async def test_the_schema_documents_every_status(hooks: Hooks) -> None:
    paths = json_body(await hooks.client.get("/openapi.json"))["paths"]
    one = f"{HOOKS}/{{webhook_id}}"
    expected = {
        (HOOKS, "get"): {"200", "401", "403", "422", "429", "503"},
        (HOOKS, "post"): {"201", "401", "403", "413", "422", "429", "503"},
        (one, "get"): {"200", "401", "403", "404", "422", "429", "503"},
        (one, "patch"): {"200", "401", "403", "404", "413", "422", "429", "503"},
        (one, "delete"): {"204", "401", "403", "404", "422", "429", "503"},
        (f"{one}/rotate-secret", "post"): {"200", "401", "403", "404", "422", "429", "503"},
        (f"{one}/test", "post"): {"202", "401", "403", "404", "409", "422", "429", "503"},
        (f"{one}/deliveries", "get"): {"200", "401", "403", "404", "422", "429", "503"},
        (f"{one}/deliveries/{{delivery_id}}/redeliver", "post"): {
            "202",
            "401",
            "403",
            "404",
            "409",
            "422",
            "429",
            "503",
        },
    }
    for (path, method), statuses in expected.items():
        assert set(paths[path][method]["responses"]) == statuses, (path, method)
    created = paths[HOOKS]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created["$ref"].endswith("/WebhookSecretOut")
    shown = paths[one]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert shown["$ref"].endswith("/WebhookOut")


# --- racing writes -------------------------------------------------------------------------------

ROUNDS = 4
CROWD = 8


async def test_concurrent_changes_and_rotations_all_stay_made(hooks: Hooks) -> None:
    """Each field is set by one request of the crowd, while rotations and description edits race
    it: every 2xx stays made, and the kept secret is one a rotation answered (the last one)."""
    for round_ in range(ROUNDS):
        made = await hooks.create(events=["user.registered"], description="start")
        url = f"{HOOKS}/{made['id']}"
        new_url = f"https://93.184.215.{20 + round_}/moved"
        patch = hooks.client.patch
        answers = await asyncio.gather(
            patch(url, json={"url": new_url}, headers=hooks.admin),
            patch(url, json={"events": ["course.published", "attempt.graded"]}, headers=hooks.admin),
            patch(url, json={"is_active": round_ % 2 == 0}, headers=hooks.admin),
            *(hooks.client.post(f"{url}/rotate-secret", headers=hooks.admin) for _ in range(CROWD)),
            *(
                patch(url, json={"description": f"edit {next(_n)}"}, headers=hooks.admin)
                for _ in range(CROWD)
            ),
        )
        assert [r.status_code for r in answers] == [200] * (3 + 2 * CROWD), [r.text for r in answers]
        shown = json_body(await hooks.client.get(url, headers=hooks.admin))
        assert (shown["url"], shown["events"], shown["is_active"]) == (
            new_url,
            ["course.published", "attempt.graded"],
            round_ % 2 == 0,
        )
        descriptions = {r.json()["description"] for r in answers[3 + CROWD :]}
        assert shown["description"] in descriptions
        secrets = [r.json()["secret"] for r in answers[3 : 3 + CROWD]]
        assert len(set(secrets)) == CROWD and made["secret"] not in secrets
        assert await hooks.stored_secret(made["id"]) in secrets


async def test_a_deletion_racing_changes_leaves_nothing_behind(hooks: Hooks) -> None:
    for _ in range(ROUNDS):
        made = await hooks.create()
        url = f"{HOOKS}/{made['id']}"
        answers = await asyncio.gather(
            *(
                hooks.client.patch(url, json={"description": f"d{i}"}, headers=hooks.admin)
                for i in range(CROWD)
            ),
            hooks.client.delete(url, headers=hooks.admin),
            *(hooks.client.post(f"{url}/rotate-secret", headers=hooks.admin) for _ in range(CROWD)),
            *(hooks.client.post(f"{url}/test", headers=hooks.admin) for _ in range(CROWD)),
        )
        assert answers[CROWD].status_code == 204
        assert {r.status_code for r in answers} <= {200, 202, 204, 404}, [r.text for r in answers]
        assert (await hooks.client.get(url, headers=hooks.admin)).status_code == 404
        async with hooks.container.uow() as uow:
            assert await uow.webhooks.get(UUID(made["id"])) is None

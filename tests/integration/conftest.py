"""HTTP through the real app: a migrated SQLite file with in-process state, and
PostgreSQL + Redis when ``LMS_TEST_DATABASE_URL`` / ``LMS_TEST_REDIS_URL`` are set."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from litestar.types import LifespanHook
from sqlalchemy import create_engine, select

from lms_adapters.sql.tables import events
from lms_adapters.sql.urls import sync_url
from lms_http.app import create_app
from lms_http.container import Container
from lms_http.settings import RateLimit, Settings
from tests.conftest import PG_URL, REDIS_URL, needs_pg, needs_redis
from tests.integration.lrs import Lrs, ralph_lrs, require_ralph

PASSWORD = "Correct7Horse"

# What no audit entry may hold, whatever test wrote it: the suite's password, a JWT (access and
# refresh tokens), a webhook secret, a TOTP secret (32 base32 letters), an email address.
SECRETS_IN_AUDIT = re.compile(
    rf"{PASSWORD}|eyJ[A-Za-z0-9_-]{{8,}}|whsec_|\b[A-Z2-7]{{32}}\b|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+"
)


@pytest.fixture(autouse=True)
def _audit_entries_hold_no_secrets(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every test that had an app, read every audit entry it wrote and look for secrets."""
    yield
    settings = request.node.funcargs.get("settings")
    if not isinstance(settings, Settings):
        return
    from sqlalchemy import create_engine, select
    from sqlalchemy.exc import SQLAlchemyError

    from lms_adapters.sql.tables import audit_log
    from lms_adapters.sql.urls import sync_url

    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(audit_log.c.details, audit_log.c.request_id, audit_log.c.ip)).all()
    except SQLAlchemyError:  # the test dropped or never made its database
        return
    finally:
        engine.dispose()
    for row in rows:
        text = json.dumps([row.details, row.request_id, row.ip])
        found = SECRETS_IN_AUDIT.search(text)
        assert found is None, f"an audit entry holds {found.group()!r}: {text}"


_counter = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[needs_pg, needs_redis])])
def stack(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(stack: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if stack == "postgres":
        assert PG_URL and REDIS_URL, "the PostgreSQL leg needs LMS_TEST_REDIS_URL too"
        database, redis = request.getfixturevalue("pg_url"), request.getfixturevalue("redis_url")
    else:
        database, redis = request.getfixturevalue("sqlite_url"), None
    return Settings(
        database_url=database,
        redis_url=redis,
        secret_key="integration-secret-" + "x" * 32,
        storage_dir=tmp_path / "files",
        mail_dir=tmp_path / "mail",
        issuer_key_file=tmp_path / "issuer_key.pem",
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        rate_limit_auth=RateLimit(10_000, 60),
        rate_limit_default=RateLimit(100_000, 60),
        # no delivery worker in apps that do not test deliveries (test_event_delivery.py turns it on)
        delivery_in_process=False,
    )


@pytest.fixture(scope="session")
def lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lrs]:
    """Ralph, a learning record store, for the session (``tests/integration/lrs.py``); skipped
    without ``.lrs-venv``."""
    require_ralph()
    with ralph_lrs(tmp_path_factory.mktemp("lrs")) as server:
        yield server


@pytest.fixture
def make_app(settings: Settings) -> Callable[..., Litestar]:
    def build(**overrides: Any) -> Litestar:
        s = dataclasses.replace(settings, **overrides)
        return create_app(s, Container(settings=s))

    return build


@pytest.fixture
async def client(make_app: Callable[..., Litestar]) -> AsyncIterator[httpx.AsyncClient]:
    """Requests given together really run together (see ``racing_client``)."""
    async with racing_client(make_app()) as c:
        yield c


@contextlib.asynccontextmanager
async def racing_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests run at once on the test's loop (httpx's ASGI transport, the app's
    startup and shutdown around it). ``AsyncTestClient`` runs each request in a thread of its own
    and blocks the loop until it is answered, so requests it is given together run one by one."""
    transport = asgi_transport(app, client=("127.0.0.1", 50000))
    # the startup and shutdown hooks are run here rather than through ``app.lifespan()``: a fixture's
    # setup and teardown run in different tasks, which that context manager's task group refuses
    for hook in app.on_startup:
        await _app_hook(hook)(app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c
    finally:
        for hook in app.on_shutdown:
            await _app_hook(hook)(app)


def asgi_transport(app: Litestar, client: tuple[str, int] = ("127.0.0.1", 123)) -> httpx.ASGITransport:
    """httpx's transport into the app (Litestar types its ASGI scopes more narrowly than httpx)."""
    return httpx.ASGITransport(app=cast(Any, app), client=client)


def json_body(response: httpx.Response) -> dict[str, Any]:
    """A response's JSON object."""
    body = response.json()
    assert isinstance(body, dict), body
    return body


def _app_hook(hook: LifespanHook) -> Callable[[Litestar], Awaitable[None]]:
    """The app's own lifespan hooks all take the app and are coroutines."""
    return cast("Callable[[Litestar], Awaitable[None]]", hook)


class Api:
    """Small helpers over the client: sign-ups, tokens and headers."""

    def __init__(
        self, client: AsyncTestClient[Litestar] | httpx.AsyncClient, settings: Settings | None = None
    ) -> None:
        self.client, self.settings = client, settings

    async def register(
        self, email: str | None = None, password: str = PASSWORD, full_name: str = "Test User"
    ) -> dict[str, Any]:
        email = email or f"user{next(_counter)}@example.com"
        r = await self.client.post(
            "/api/v1/auth/register", json={"email": email, "password": password, "full_name": full_name}
        )
        assert r.status_code == 201, r.text
        return {"email": email, **r.json()}

    async def user_with_role(self, role: str) -> dict[str, Any]:
        """A fresh user given ``role`` through the CLI's use case (no HTTP endpoint makes staff).

        The app runs on the test client's own loop and thread, so this uses a second
        container, as the ``lms create-user`` command would from another process.
        """
        from lms_domain.shared.actors import Role

        email = f"{role}{next(_counter)}@example.com"
        assert self.settings is not None, "staff are made through the settings' database"
        container = Container(settings=self.settings)
        try:
            await container.create_user()(
                email=email, password=PASSWORD, role=Role(role), full_name=role.title()
            )
        finally:
            await container.engine().dispose()
        r = await self.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return {"email": email, **r.json()}

    @staticmethod
    def auth(tokens: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
def api(client: AsyncTestClient[Litestar], settings: Settings) -> Api:
    return Api(client, settings)


def outbox(api: Api, event_type: str, **about: str) -> list[dict[str, Any]]:
    """The data of the outbox's events of ``event_type`` whose data holds each of ``about``
    (``attempt_id=...``, ``enrollment_id=...``), read from the database, oldest first."""
    assert api.settings is not None
    engine = create_engine(sync_url(api.settings.database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(events.c.data).where(events.c.type == event_type).order_by(events.c.occurred_at)
            ).all()
    finally:
        engine.dispose()
    found = [dict(row.data) for row in rows]
    return [data for data in found if all(data.get(key) == value for key, value in about.items())]

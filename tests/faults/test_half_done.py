"""A 503 means nothing was done; a 2xx means the change is made, even when Redis fails half-way.

Registration opens the session (Redis) before it commits the account, so an outage leaves no
account behind its 503. A password change holds the user in the session store (dropping the copy
of its state kept there), then commits the new hash, a new credentials version and the session that
made it in one transaction: if Redis stalls before the hold, the answer is 503 and the password is
unchanged; if it stalls after it, the answer is still 204 and every other session is refused all
the same, by the version the database holds (the hold sends authentication to the database).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import redis
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from lms_http.app import create_app
from lms_http.container import Container
from tests.faults.test_faults import PASSWORD, register, settings_for
from tests.servers import TcpProxy, private_redis

V1 = "/api/v1"


def accounts(database: Path, email: str) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM users WHERE email = ?", (email,)).fetchone()[0])


async def test_registration_during_a_redis_outage_leaves_no_account(sqlite_url: str, tmp_path: Path) -> None:
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    with private_redis(tmp_path) as (_, _process, port), TcpProxy("127.0.0.1", port) as proxy:
        settings = settings_for(sqlite_url, tmp_path, f"redis://127.0.0.1:{proxy.port}/0")
        async with AsyncTestClient(app=create_app(settings)) as c:
            body = {"email": "late@example.com", "password": PASSWORD, "full_name": "Late"}
            for _ in range(3):  # rounds: down, retried while down, then up again
                proxy.cut()
                r = await c.post(f"{V1}/auth/register", json=body)
                assert (r.status_code, r.json()) == (503, {"detail": "The session store is not available"})
                assert accounts(database, "late@example.com") == 0
                proxy.start()
            r = await c.post(f"{V1}/auth/register", json=body)
            assert r.status_code == 201, r.text  # not 409: the 503s left nothing behind
            assert accounts(database, "late@example.com") == 1
            me = await c.get(
                f"{V1}/users/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
            )
            assert me.status_code == 200


class StallRedisOnHash:
    """The real hasher; hashing the new password stalls Redis first (``DEBUG SLEEP``), so the
    password change meets a stalled Redis after it authenticated and before it commits."""

    def __init__(self, real: Any, port: int, seconds: float) -> None:
        self._real, self._port, self._seconds = real, port, seconds
        self.stalled, self.slept = threading.Event(), threading.Event()

    def _sleep(self) -> None:
        with redis.Redis(port=self._port, socket_timeout=self._seconds + 5) as client:
            self.stalled.set()
            client.execute_command("DEBUG", "SLEEP", self._seconds)
            self.slept.set()

    async def hash(self, password: str) -> str:
        threading.Thread(target=self._sleep, daemon=True).start()
        self.stalled.wait(5)
        time.sleep(0.2)  # the server is inside DEBUG SLEEP now
        return str(await self._real.hash(password))

    async def verify(self, password_hash: str, password: str) -> bool:
        return bool(await self._real.verify(password_hash, password))


class StallRedisAfterHold:
    """The real session store; once it has held the user (before the commit), Redis stalls
    (``DEBUG SLEEP``), so the password change meets a stalled Redis between its hold and its
    commit, and everything after the commit (the settle, the carry-over, the revocations) with it."""

    def __init__(self, real: Any, port: int, seconds: float) -> None:
        self._real, self._stall = real, StallRedisOnHash(None, port, seconds)
        self.slept = self._stall.slept

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def hold_caller(self, user_id: Any) -> str:
        hold = str(await self._real.hold_caller(user_id))
        threading.Thread(target=self._stall._sleep, daemon=True).start()
        self._stall.stalled.wait(5)
        time.sleep(0.2)  # the server is inside DEBUG SLEEP now
        return hold


async def test_a_password_change_meeting_a_stalled_redis_before_its_commit_changes_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    with private_redis(tmp_path) as (url, _process, port):
        settings = settings_for(sqlite_url, tmp_path, url)
        container = Container(settings=settings)
        app = create_app(settings, container)
        async with AsyncTestClient(app=app) as c:
            email = "early@example.com"
            me = await register(c, email)
            stalling = StallRedisOnHash(container.hasher(), port, seconds=3)
            container.change_password.override(
                providers.Factory(
                    container.change_password.cls,
                    uow=container.uow,
                    hasher=providers.Object(stalling),
                    sessions=container.sessions,
                    clock=container.clock,
                    templates=container.mail_templates,
                )
            )
            r = await c.post(
                f"{V1}/users/me/password",
                json={"current_password": PASSWORD, "new_password": "Fresh7Horse0x"},
                headers=me,
            )
            container.change_password.reset_override()
            assert (r.status_code, r.json()) == (503, {"detail": "The session store is not available"})
            assert stalling.slept.wait(10)
            assert (await c.get(f"{V1}/users/me", headers=me)).status_code == 200
            old = await c.post(f"{V1}/auth/login", json={"email": email, "password": PASSWORD})
            assert old.status_code == 200  # nothing was done


async def test_a_password_change_meeting_a_stalled_redis_is_made_whole(
    sqlite_url: str, tmp_path: Path
) -> None:
    with private_redis(tmp_path) as (url, _process, port):
        settings = settings_for(sqlite_url, tmp_path, url)
        container = Container(settings=settings)
        app = create_app(settings, container)
        async with AsyncTestClient(app=app) as c:
            for round_ in range(2):
                email = f"stall{round_}@example.com"
                me = await register(c, email)
                other = await c.post(f"{V1}/auth/login", json={"email": email, "password": PASSWORD})
                other_auth = {"Authorization": f"Bearer {other.json()['access_token']}"}
                stalling = StallRedisAfterHold(container.sessions(), port, seconds=3)
                container.change_password.override(
                    providers.Factory(
                        container.change_password.cls,
                        uow=container.uow,
                        hasher=container.hasher,
                        sessions=providers.Object(stalling),
                        clock=container.clock,
                        templates=container.mail_templates,
                    )
                )
                new_password = f"Fresh7Horse{round_}x"
                r = await c.post(
                    f"{V1}/users/me/password",
                    json={"current_password": PASSWORD, "new_password": new_password},
                    headers=me,
                )
                container.change_password.reset_override()
                assert r.status_code == 204, r.text  # answered as made: it is made
                assert stalling.slept.wait(10)  # Redis really stalled, and answers again
                assert (await c.get(f"{V1}/users/me", headers=other_auth)).status_code == 401
                assert (await c.get(f"{V1}/users/me", headers=me)).status_code == 200
                old = await c.post(f"{V1}/auth/login", json={"email": email, "password": PASSWORD})
                assert old.status_code == 401
                new = await c.post(f"{V1}/auth/login", json={"email": email, "password": new_password})
                assert new.status_code == 200

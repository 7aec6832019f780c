"""Deliveries survive a killed process, and several processes make each try once.

A server is killed (SIGKILL) right after its changes committed and before any of their deliveries
was tried; after a restart every event still reaches the receiver. On PostgreSQL, two servers and
two ``lms worker`` processes share one queue: a receiver that counts what it gets sees each event
exactly once.
"""

from __future__ import annotations

import collections
import concurrent.futures
import json
import signal
import time
from pathlib import Path

import httpx
from standardwebhooks import Webhook as Verifier

from tests.conftest import needs_pg, needs_redis
from tests.receiver import Delivered, receiver
from tests.servers import serve, worker

PASSWORD = "Correct7Horse"
ADMIN = {"LMS_ADMIN_EMAIL": "root@example.com", "LMS_ADMIN_PASSWORD": "Admin7Secret"}


def admin_headers(url: str) -> dict[str, str]:
    r = httpx.post(f"{url}/api/v1/auth/login", json={"email": "root@example.com", "password": "Admin7Secret"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def register_webhook(url: str, target: str) -> str:
    r = httpx.post(
        f"{url}/api/v1/webhooks",
        json={"url": target, "events": ["user.registered"]},
        headers=admin_headers(url),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["secret"])


def register_users(url: str, prefix: str, count: int) -> set[str]:
    def one(i: int) -> str:
        body = {"email": f"{prefix}{i}@example.com", "password": PASSWORD, "full_name": f"User {i}"}
        r = httpx.post(f"{url}/api/v1/auth/register", json=body, timeout=30)
        assert r.status_code == 201, r.text
        return f"{prefix}{i}@example.com"

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        return set(pool.map(one, range(count)))


def emails_of(got: list[Delivered], secret: str) -> collections.Counter[str]:
    found: collections.Counter[str] = collections.Counter()
    for delivery in got:
        event = Verifier(secret).verify(delivery.body, delivery.headers)
        assert event["id"] == delivery.headers["webhook-id"]
        found[event["data"]["email"]] += 1
    return found


def test_a_server_killed_after_its_commits_delivers_them_after_the_restart(
    sqlite_url: str, tmp_path: Path
) -> None:
    env = {
        "LMS_DATABASE_URL": sqlite_url,
        "LMS_WEBHOOK_ALLOW_PRIVATE": "true",
        "LMS_SECRET_KEY": "faults-" + "k" * 40,
        **ADMIN,
    }
    with receiver() as hook:
        # deliveries are not tried by this server: its jobs stay queued in its memory, then die with it
        with serve(tmp_path / "a", **env, LMS_DELIVERY_IN_PROCESS="false") as first:
            secret = register_webhook(first.url, hook.url)
            emails = register_users(first.url, "killed", 12)
            first.signal(signal.SIGKILL)
            first.process.wait(10)
        assert hook.received() == []
        with serve(tmp_path / "b", **env):  # the restarted server sweeps what is waiting
            got = hook.wait_for(lambda got: len(got) >= len(emails), timeout=20)
        assert set(emails_of(got, secret)) == emails


@needs_pg
@needs_redis
def test_servers_and_workers_on_one_database_make_each_try_once(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = {
        "LMS_DATABASE_URL": pg_url,
        "LMS_REDIS_URL": redis_url,
        "LMS_WEBHOOK_ALLOW_PRIVATE": "true",
        "LMS_SECRET_KEY": "faults-" + "k" * 40,
        **ADMIN,
    }
    with receiver() as hook:
        with (
            serve(tmp_path / "a", **env) as a,
            serve(tmp_path / "b", **env) as b,
            worker(tmp_path / "w1", **env),
            worker(tmp_path / "w2", **env),
        ):
            secret = register_webhook(a.url, hook.url)
            emails = register_users(a.url, "a", 40) | register_users(b.url, "b", 40)
            hook.wait_for(lambda got: len(got) >= len(emails), timeout=30)
            time.sleep(3)  # room for any second try to arrive
            counts = emails_of(hook.received(), secret)
        assert set(counts) == emails
        assert [email for email, n in counts.items() if n != 1] == []


@needs_pg
def test_jobs_queued_by_a_killed_server_are_run_by_a_worker(pg_url: str, tmp_path: Path) -> None:
    env = {
        "LMS_DATABASE_URL": pg_url,
        "LMS_WEBHOOK_ALLOW_PRIVATE": "true",
        "LMS_SECRET_KEY": "faults-" + "k" * 40,
        **ADMIN,
    }
    with receiver() as hook:
        with serve(tmp_path / "a", **env, LMS_DELIVERY_IN_PROCESS="false") as first:
            secret = register_webhook(first.url, hook.url)
            emails = register_users(first.url, "queued", 10)
            first.signal(signal.SIGKILL)
            first.process.wait(10)
        time.sleep(0.5)
        assert hook.received() == []
        with worker(tmp_path / "w", **env):
            got = hook.wait_for(lambda got: len(got) >= len(emails), timeout=20)
        assert set(emails_of(got, secret)) == emails
        assert json.loads(got[0].body)["type"] == "user.registered"

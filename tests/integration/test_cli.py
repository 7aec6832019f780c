"""The `lms` command and the server process, run as a user would run them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

LMS = [sys.executable, "-m", "lms_http.cli"]


def clean_env(tmp_path: Path, **env: str) -> dict[str, str]:
    """The caller's environment without its LMS_ settings, plus ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    return {**base, "LMS_VAR_DIR": str(tmp_path / "var"), "LMS_ARGON2_MEMORY_KIB": "1024", **env}


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = clean_env(tmp_path, **env)
    return subprocess.run(
        [*LMS, *args], capture_output=True, text=True, env=full_env, timeout=60, cwd=tmp_path
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_migrate_and_create_user(tmp_path: Path) -> None:
    assert run(["migrate"], tmp_path).returncode == 0
    assert (tmp_path / "var" / "lms.db").exists()
    made = run(
        ["create-user", "Teach@Example.com", "--role", "instructor", "--password", "Correct7Horse"], tmp_path
    )
    assert made.returncode == 0, made.stderr
    assert "created instructor teach@example.com" in made.stdout
    again = run(
        ["create-user", "teach@example.com", "--role", "admin", "--password", "Correct7Horse"], tmp_path
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr
    weak = run(["create-user", "weak@example.com", "--password", "weak"], tmp_path)
    assert weak.returncode == 1


def test_bad_configuration_stops_with_one_line(tmp_path: Path) -> None:
    result = run(["migrate"], tmp_path, LMS_PORT="not-a-port")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "LMS_PORT" in lines[0]


def wait_for(url: str, seconds: float = 90) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(url, timeout=1)
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_health(tmp_path: Path, workers: int) -> None:
    from tests.conftest import REDIS_URL

    if workers > 1 and not REDIS_URL:
        pytest.skip("several workers need Redis (LMS_TEST_REDIS_URL is not set)")
    port = free_port()
    env = clean_env(tmp_path, LMS_PORT=str(port), LMS_WORKERS=str(workers))
    if workers > 1:
        env["LMS_REDIS_URL"] = REDIS_URL or ""
    server = subprocess.Popen(
        [*LMS, "serve"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        r = wait_for(f"http://127.0.0.1:{port}/api/v1/health")
        assert (r.status_code, r.json()) == (200, {"status": "ok"})
        ready = httpx.get(f"http://127.0.0.1:{port}/api/v1/ready", timeout=5).json()
        assert ready["database"] == "up"
        assert ready["redis"] == ("up" if workers > 1 else "disabled")
        # every worker reads request heads through the bounded protocol
        big = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", headers={"X-Big": "a" * 40_000}, timeout=5)
        assert (big.status_code, big.json()) == (431, {"detail": "Request header fields too large"})
    finally:
        server.terminate()
        server.wait(timeout=30)

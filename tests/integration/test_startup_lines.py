"""`lms serve` (and the other commands) against a bad setting: one clear line naming the variable,
never a traceback; a Redis that does not answer is a warning at startup and an error on each failure."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.test_cli import LMS, clean_env, free_port, run, wait_for


def closed_port() -> int:
    """A port on which nothing listens (bound and let go: nobody took it in between)."""
    return free_port()


def one_line(result: subprocess.CompletedProcess[str], variable: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{variable}:") or f" {variable}:" in lines[0], lines[0]
    assert "Traceback" not in result.stderr and 'File "' not in result.stderr
    return lines[0]


def serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run(["serve"], tmp_path, LMS_PORT=env.pop("LMS_PORT", str(free_port())), **env)


def test_a_port_that_is_not_a_number(tmp_path: Path) -> None:
    result = serve(tmp_path, LMS_PORT="abc")
    assert result.returncode == 2
    line = one_line(result, "LMS_PORT")
    assert "whole number from 1 to 65535" in line and "invalid literal" not in line


def test_a_sqlite_url_with_two_slashes(tmp_path: Path) -> None:
    result = serve(tmp_path, LMS_DATABASE_URL="sqlite://x.db")
    assert result.returncode == 2
    assert "three slashes" in one_line(result, "LMS_DATABASE_URL")


@pytest.mark.parametrize("command", [["serve"], ["migrate"], ["create-user", "a@b.io", "--password", "x"]])
def test_an_unreachable_postgresql(tmp_path: Path, command: list[str]) -> None:
    url = f"postgresql://lms:secret@127.0.0.1:{closed_port()}/lms"
    result = run(command, tmp_path, LMS_DATABASE_URL=url, LMS_PORT=str(free_port()))
    assert result.returncode == 1
    line = one_line(result, "LMS_DATABASE_URL")
    assert f"127.0.0.1:{url.split(':')[-1].split('/')[0]}" in line and "refused" in line.lower()
    assert "secret" not in line  # the password is not printed
    assert result.stdout == ""


def test_a_sqlite_file_that_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    result = run(["migrate"], tmp_path, LMS_DATABASE_URL=f"sqlite:///{tmp_path}/a-file/lms.db")
    assert result.returncode == 1
    assert "a-file" in one_line(result, "LMS_DATABASE_URL")


def test_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = serve(tmp_path, LMS_PORT=str(port))
    assert result.returncode == 2
    line = one_line(result, "LMS_PORT")
    assert f"port {port}" in line and "already in use" in line
    assert time.monotonic() - started < 30  # said before anything else is done


def test_a_host_that_is_not_this_machines(tmp_path: Path) -> None:
    result = serve(tmp_path, LMS_HOST="192.0.2.1")  # TEST-NET-1: never an address of this machine
    assert result.returncode == 2
    assert "not an address of this machine" in one_line(result, "LMS_HOST")


def test_create_user_without_password_and_without_a_terminal(tmp_path: Path) -> None:
    result = subprocess.run(
        [*LMS, "create-user", "someone@example.com"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert "EOFError" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: no password: give --password, type it at the prompt in a terminal, "
        "or pipe it to standard input"
    ]
    piped = subprocess.run(
        [*LMS, "create-user", "piped@example.com"],
        input="Correct7Horse\n",
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    assert piped.returncode == 0, piped.stderr
    assert "created student piped@example.com" in piped.stdout


def test_a_redis_that_does_not_answer_warns_at_startup_and_logs_each_failure(tmp_path: Path) -> None:
    port, redis_port = free_port(), closed_port()
    env = clean_env(tmp_path, LMS_PORT=str(port), LMS_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0")
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*LMS, "serve"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v1/health")
        for _ in range(2):
            r = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/auth/login",
                json={"email": "ann@example.com", "password": "Correct7Horse"},
                timeout=15,
            )
            assert r.status_code == 503
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = log_path.read_text().splitlines()
    warnings = [line for line in lines if line.startswith("warning: LMS_REDIS_URL:")]
    assert len(warnings) == 1, lines
    assert f"127.0.0.1:{redis_port}" in warnings[0]
    errors = [json.loads(line) for line in lines if line.startswith("{") and '"lms.redis"' in line]
    assert len(errors) >= 2, lines  # one per failed request at least
    assert all(e["level"] == "error" and e["msg"].startswith("Redis does not answer") for e in errors)
    assert all(f"127.0.0.1:{redis_port}" in e["msg"] for e in errors), errors

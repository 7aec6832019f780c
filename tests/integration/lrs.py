"""Ralph, a learning record store (LRS) we did not write, for the xAPI tests: its file-system backend
(statements in one JSON-lines file, no database), HTTP Basic credentials made with ``ralph auth``,
served on a free port.

Ralph lives in ``.lrs-venv`` (``make test`` makes it), a virtualenv of its own: its FastAPI and
pydantic stay out of the project's environment. Its xAPI endpoint is ``{url}/xAPI/``, so the
service's ``LMS_XAPI_ENDPOINT`` is :attr:`Lrs.endpoint` and statements go to ``{endpoint}statements``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

__all__ = ["LRS_VENV", "NOT_INSTALLED", "Lrs", "ralph_installed", "ralph_lrs", "require_ralph"]

LRS_VENV = Path(__file__).resolve().parents[2] / ".lrs-venv"
NOT_INSTALLED = "Ralph LRS is not installed (make test installs it)"

# ``ralph runserver -b fs`` serves ``ralph.api:app`` with uvicorn. Its fs backend writes each POSTed
# batch with operation CREATE, which refuses a file that exists, so every POST after the first would
# answer 500: the same app is served here with the backend's default write operation set to append.
_SERVE = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


@dataclass(frozen=True, slots=True)
class Lrs:
    url: str
    username: str
    password: str
    directory: Path

    @property
    def endpoint(self) -> str:
        """The xAPI base URL, ending in ``/`` (what ``LMS_XAPI_ENDPOINT`` takes)."""
        return f"{self.url}/xAPI/"

    @property
    def auth(self) -> tuple[str, str]:
        return self.username, self.password


def ralph_installed() -> bool:
    return (LRS_VENV / "bin" / "ralph").exists()


def require_ralph() -> None:
    """Skips without ``.lrs-venv``; under CI (``CI`` set), where ``make test`` installs it, fails."""
    if ralph_installed():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{NOT_INSTALLED}, yet CI is set")
    pytest.skip(NOT_INSTALLED)


def ralph_env(directory: Path) -> dict[str, str]:
    """Ralph's settings, all under ``directory``: the credentials file, its app folder and history,
    the fs backend's data folder. None of the caller's ``RALPH_`` variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RALPH_")}
    env.update(
        RALPH_APP_DIR=str(directory / "app"),
        RALPH_AUTH_FILE=str(directory / "auth.json"),
        RALPH_HISTORY_FILE=str(directory / "history.json"),
        RALPH_RUNSERVER_BACKEND="fs",  # read at import, by `ralph auth` as well
        RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH=str(directory / "statements"),
    )
    return env


@contextlib.contextmanager
def ralph_lrs(directory: Path, *, timeout: float = 60.0) -> Iterator[Lrs]:
    """Ralph on a free port of 127.0.0.1 with one user (all scopes), its files in ``directory``
    (which must be empty or new); stopped on leaving."""
    directory.mkdir(parents=True, exist_ok=True)
    for folder in ("app", "statements"):
        (directory / folder).mkdir(exist_ok=True)
    env, bin_dir = ralph_env(directory), LRS_VENV / "bin"
    username, password = "lms", secrets.token_urlsafe(16)
    agent = ["-A", username, "http://127.0.0.1"]  # the authority Ralph stamps on what this user sends
    subprocess.run(
        [bin_dir / "ralph", "auth", "-u", username, "-p", password, "-s", "all", "-w", *agent],
        env=env,
        cwd=directory,  # Ralph also reads a .env file of its working folder
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = (directory / "ralph.log").open("wb")
    process = subprocess.Popen(
        [bin_dir / "python", "-c", _SERVE, str(port)], env=env, cwd=directory, stdout=log, stderr=log
    )
    try:
        _wait_until_alive(f"http://127.0.0.1:{port}", process, directory / "ralph.log", timeout)
        yield Lrs(url=f"http://127.0.0.1:{port}", username=username, password=password, directory=directory)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def _wait_until_alive(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    """Until ``/__heartbeat__`` answers 200 (the app is up and its backend answers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Ralph exited with {process.returncode}: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/__heartbeat__", timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"Ralph did not answer on {url} within {timeout} s: {log.read_text()[-2000:]}")

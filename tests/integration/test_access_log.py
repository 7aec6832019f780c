"""The access line of the served process (``configure_logging``): one per request with the same keys
as before, written by the log writer's thread (never on the event loop, which a stream that blocks
does not hold up), and written before the app, and the served process, have shut down."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from lms_http.observability import configure_logging, flush_logs
from tests.integration.conftest import Api, racing_client
from tests.integration.test_cli import LMS, clean_env, free_port, wait_for
from tests.log_stream import Stream, restore_logging  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("restore_logging")
KEYS = ["ts", "level", "logger", "msg", "request_id", "method", "route", "status", "duration_ms", "user_id"]


def access_lines(stream: Stream) -> dict[str, dict[str, object]]:
    return {str(line["request_id"]): line for line in stream.lines() if line["logger"] == "lms.access"}


async def test_each_request_has_its_line_with_the_same_keys(make_app: Callable[..., Litestar]) -> None:
    stream = Stream()
    configure_logging("INFO", stream)
    async with racing_client(make_app()) as c:
        tokens = await Api(c).register()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        me = await c.get("/api/v1/users/me", headers={**bearer, "X-Request-ID": "me-1"})
        refused = await c.get("/api/v1/users/me", headers={"Authorization": "Bearer secret-token-value"})
        head = await c.head("/api/v1/health", headers={"X-Request-ID": "head-1"})
        missing = await c.get("/api/v1/no-such-thing", headers={"X-Request-ID": "missing-1"})
        assert (me.status_code, refused.status_code, head.status_code, missing.status_code) == (
            200,
            401,
            200,
            404,
        )
        assert flush_logs(10)
    lines = access_lines(stream)
    assert all(list(line) == KEYS for line in lines.values())
    assert "secret-token-value" not in stream.text
    mine = lines["me-1"]
    assert (mine["level"], mine["msg"], mine["method"], mine["route"], mine["status"], mine["user_id"]) == (
        "info", "request", "GET", "/api/v1/users/me", 200, me.json()["id"]
    )  # fmt: skip
    assert isinstance(mine["duration_ms"], float) and mine["duration_ms"] >= 0
    generated = lines[refused.headers["x-request-id"]]
    assert (generated["route"], generated["status"], generated["user_id"]) == ("/api/v1/users/me", 401, None)
    assert (lines["head-1"]["method"], lines["head-1"]["route"], lines["head-1"]["status"]) == (
        "HEAD", "/api/v1/health", 200
    )  # fmt: skip
    # the router's own answers have their line too (the edge middleware logs every request)
    assert (lines["missing-1"]["route"], lines["missing-1"]["status"]) == ("unmatched", 404)


async def test_a_stream_that_blocks_never_holds_a_response(make_app: Callable[..., Litestar]) -> None:
    gate = threading.Event()
    stream = Stream(gate)
    configure_logging("INFO", stream)
    loop_thread = threading.get_ident()  # the app runs on the test's loop, in this thread
    async with racing_client(make_app()) as c:
        first = await c.get("/api/v1/health", headers={"X-Request-ID": "first"})
        assert stream.entered.wait(10)  # the writer is held in write() from now on
        answers = [await c.get("/api/v1/health", headers={"X-Request-ID": f"r-{n}"}) for n in range(30)]
        assert [a.status_code for a in [first, *answers]] == [200] * 31
        assert stream.text == ""  # nothing written yet: every answer came while the stream blocked
        gate.set()
        assert flush_logs(10)
    assert loop_thread not in stream.writers
    assert {"first", *(f"r-{n}" for n in range(30))} <= set(access_lines(stream))


async def test_the_lines_are_written_when_the_app_shuts_down(make_app: Callable[..., Litestar]) -> None:
    stream = Stream()
    configure_logging("INFO", stream, interval=3600)  # the writer would not wake before the hour
    async with racing_client(make_app()) as c:
        for n in range(20):
            assert (await c.get("/api/v1/health", headers={"X-Request-ID": f"r-{n}"})).status_code == 200
        assert stream.text == ""
    # the app's shutdown hook flushed the writer
    assert {f"r-{n}" for n in range(20)} <= set(access_lines(stream))


def test_the_served_process_writes_every_access_line(tmp_path: Path) -> None:
    """``lms serve`` as deployed (``lms_http.asgi`` configures the writer): each request's line, with
    the same keys, is on stderr once the server has stopped. (uvicorn's graceful stop outlasts the
    writer's 50 ms interval, so this does not single out the shutdown hook: the test above does.)"""
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*LMS, "serve"], env=clean_env(tmp_path, LMS_PORT=str(port)), cwd=tmp_path, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v1/health")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=15) as c:
            for n in range(200):
                assert c.get("/api/v1/health", headers={"X-Request-ID": f"served-{n}"}).status_code == 200
    finally:
        server.terminate()  # SIGTERM: uvicorn shuts the app down, then the process exits
        server.wait(timeout=30)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    served = [line for line in lines if line["logger"] == "lms.access"]
    assert {f"served-{n}" for n in range(200)} <= {line["request_id"] for line in served}
    assert all(list(line) == KEYS for line in served)

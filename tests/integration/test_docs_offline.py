"""`/docs` works without internet: Swagger UI's files come from the service, and a real headless
Chromium that can resolve no host but 127.0.0.1 renders every operation of the schema."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.test_cli import LMS, clean_env, free_port, wait_for

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As root, without a display, quiet and alone; any host name but 127.0.0.1 fails to resolve, so the
# page is offline whatever network this machine has.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--virtual-time-budget=30000",  # let the scripts run: the page renders after they have
]


async def test_the_docs_page_loads_only_from_this_service(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    head = page.text.split("<body", 1)[0]
    referenced = re.findall(r"""(?:src|href)=["']([^"']+)["']""", head)
    assert referenced, head
    for url in referenced:
        assert url.startswith("/docs/assets/"), url  # no CDN
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert int(asset.headers["content-length"]) > 0
    types = {url.rsplit(".", 1)[1]: (await client.get(url)).headers["content-type"] for url in referenced}
    assert types["js"].startswith("text/javascript") and types["css"].startswith("text/css")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``lms serve`` on a free port, on SQLite in ``tmp_path``."""
    port = free_port()
    env = clean_env(tmp_path, LMS_PORT=str(port))
    (tmp_path / "server").mkdir()
    with (tmp_path / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [*LMS, "serve"], env=env, cwd=tmp_path / "server", stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v1/health")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def chromium(tmp_path: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / f'profile-{name}'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )


def test_chromium_renders_every_operation_offline(server: str, tmp_path: Path) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing, and .ci/run installs it before `make test`")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium), so /docs is not rendered")
    operations = {
        op["operationId"]
        for item in httpx.get(f"{server}/openapi.json", timeout=10).json()["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert len(operations) > 50
    dom = chromium(tmp_path, "dom", "--dump-dom", f"{server}/docs").stdout
    rendered = set(re.findall(r'id="operations-[^"]*?-([A-Za-z0-9]+)"', dom))
    missing = operations - rendered
    if missing or "Failed to load API definition" in dom:
        shot = tmp_path / "docs.png"
        chromium(tmp_path, "shot", "--window-size=1280,1600", f"--screenshot={shot}", f"{server}/docs")
        (tmp_path / "docs.html").write_text(dom)
        pytest.fail(
            f"/docs rendered {len(rendered)} of {len(operations)} operations offline "
            f"(missing e.g. {sorted(missing)[:5]}); screenshot: {shot}, DOM: {tmp_path / 'docs.html'}"
        )

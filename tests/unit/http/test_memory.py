"""The glibc threshold that keeps argon2's 19 MiB buffers out of the arenas."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import concurrent.futures, sys
from argon2 import PasswordHasher
from lms_http.memory import return_large_blocks
if sys.argv[1] == "fixed":
    assert return_large_blocks()
def rss():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) // 1024
hasher = PasswordHasher(memory_cost=19_456, time_cost=1)
before = rss()
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    list(pool.map(lambda _: hasher.hash("a password"), range(16)))
print(rss() - before)
"""


def growth(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    return int(out.stdout)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's; elsewhere nothing is set")
def test_hashing_in_threads_leaves_the_memory_as_it_was() -> None:
    assert growth("fixed") < 10  # MB, against 19 MiB per hash and four hashing threads


def test_what_startup_built_is_frozen_out_of_the_collectors_reach() -> None:
    import gc

    from lms_http.memory import freeze_startup_objects

    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


STARTED = """
import asyncio, sys
from lms_http.app import create_app
from lms_http.settings import Settings

async def main():
    app = create_app(Settings())
    for hook in app.on_startup:
        if asyncio.iscoroutine(started := hook(app)):
            await started
    print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
    for hook in app.on_shutdown:
        if asyncio.iscoroutine(stopped := hook(app)):
            await stopped

asyncio.run(main())
"""


def test_a_started_worker_imports_no_client_it_has_not_used_yet(tmp_path: Path) -> None:
    """Deliveries' HTTP client (httpx, and the command line tools it imports when installed), MinIO's
    client and the PDF library cost a worker about 36 MB; they are imported on first use."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    out = subprocess.run(
        [sys.executable, "-c", STARTED], capture_output=True, text=True, check=True, cwd=tmp_path, env=env
    )
    imported = set(out.stdout.split())
    assert "lms_http" in imported
    assert imported.isdisjoint({"httpx", "httpcore", "rich", "pygments", "minio", "fpdf", "PIL"})

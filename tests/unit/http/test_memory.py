"""The glibc threshold that keeps argon2's 19 MiB buffers out of the arenas."""

from __future__ import annotations

import platform
import subprocess
import sys

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

"""Process-level memory tuning of a server worker, done by ``lms_http.asgi``.

**Large blocks go back to the system** (glibc only; elsewhere nothing changes). Every login hashes
with argon2id, which allocates 19 MiB and frees it. glibc serves blocks that large with ``mmap``
and unmaps them on free, until the first such free: then it raises its threshold to the block's
size, later hashes come from the thread arenas, and the arenas keep the memory. A worker grew by
about 40 MB over a burst of 40 logins and never shrank. A fixed threshold of 1 MiB keeps big
blocks on ``mmap``: the same burst now leaves the worker as it was (115 -> 117 MB). Smaller
allocations, nearly all of them, are not affected.

**What startup built is frozen.** Modules, routes and the OpenAPI schema live as long as the
worker; moved out of the cyclic collector's reach, they are no longer walked by every full
collection, which had put 50-100 ms pauses into the p99 of every endpoint under load.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import platform

__all__ = ["MMAP_THRESHOLD", "freeze_startup_objects", "return_large_blocks"]

MMAP_THRESHOLD = 1024 * 1024
_M_MMAP_THRESHOLD = -3  # from glibc's malloc.h


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold; False where there is no glibc."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):
        return False


def freeze_startup_objects() -> None:
    """Collect once, then freeze whatever is left: it is kept for the worker's life anyway."""
    gc.collect()
    gc.freeze()

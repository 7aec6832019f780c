"""The public catalog's in-memory answers: bounded in bytes, least recently used out first,
keyed to a stamp, and never older than their maximum age."""

from __future__ import annotations

import time

from lms_http.public_cache import ResponseCache, _Entry


def entry(stamp: str, size: int, at: float | None = None) -> _Entry:
    return _Entry(stamp, time.monotonic() if at is None else at, 200, [], b"x" * size)


def test_bytes_are_bounded_and_the_least_recently_used_goes_first() -> None:
    cache = ResponseCache(max_bytes=300)
    cache.put("a", entry("s", 100))
    cache.put("b", entry("s", 100))
    cache.put("c", entry("s", 100))
    assert cache.get("a", "s") is not None  # a is now the most recently used
    cache.put("d", entry("s", 100))
    assert cache.get("b", "s") is None and len(cache) == 3
    assert all(cache.get(k, "s") is not None for k in "acd")
    cache.put("a", entry("s", 250))  # replacing an entry counts its new size only
    assert len(cache) == 1 and cache.get("a", "s") is not None


def test_another_stamp_or_old_age_is_a_miss_and_drops_the_entry() -> None:
    cache = ResponseCache(max_bytes=1000, max_age=60)
    cache.put("a", entry("old", 10))
    assert cache.get("a", "new") is None and len(cache) == 0
    cache.put("b", entry("s", 10, at=time.monotonic() - 61))
    assert cache.get("b", "s") is None and len(cache) == 0
    cache.put("c", entry("s", 10))
    cache.clear()
    assert cache.get("c", "s") is None

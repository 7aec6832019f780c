"""Ids for new rows: time first, so each table's primary key grows at its end."""

from __future__ import annotations

import os
import threading
import time
from uuid import UUID

__all__ = ["time_ordered_id"]

_RANDOM_BITS = 74
_lock = threading.Lock()
_last = 0


def time_ordered_id() -> UUID:
    """A UUID of version 7 (RFC 9562): the Unix time in milliseconds, then 74 random bits. Rows
    are written in about the order of their ids, so a new id lands at the end of its table's
    primary key instead of on a random page of it (one more page dirtied, and after a checkpoint
    logged in full, for every insert).

    Within one process the ids only grow (the RFC's method 2): an id made in the same millisecond
    as the one before, whose random part came out smaller, is that one plus one. So rows made one
    after another in one transaction (a failed sign-in, then the lockout it caused) sort in the
    order they were made."""
    global _last
    now = time.time_ns() // 1_000_000 & (1 << 48) - 1
    candidate = now << _RANDOM_BITS | int.from_bytes(os.urandom(10), "big") >> (80 - _RANDOM_BITS)
    with _lock:
        candidate = max(candidate, _last + 1)
        _last = candidate
    stamp, random_a, random_b = candidate >> _RANDOM_BITS, candidate >> 62 & 0xFFF, candidate & (1 << 62) - 1
    return UUID(int=stamp << 80 | 0x7 << 76 | random_a << 64 | 0x2 << 62 | random_b)

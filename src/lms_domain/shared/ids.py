"""Ids for new rows: time first, so each table's primary key grows at its end."""

from __future__ import annotations

import os
import time
from uuid import UUID

__all__ = ["time_ordered_id"]


def time_ordered_id() -> UUID:
    """A UUID of version 7 (RFC 9562): the Unix time in milliseconds, then 74 random bits. Rows
    are written in about the order of their ids, so a new id lands at the end of its table's
    primary key instead of on a random page of it (one more page dirtied, and after a checkpoint
    logged in full, for every insert)."""
    value = (time.time_ns() // 1_000_000 & (1 << 48) - 1) << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # the RFC's variant
    return UUID(int=value)

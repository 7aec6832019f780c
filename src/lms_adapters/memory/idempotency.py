"""Idempotency keys in memory (tests and embedders)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from lms_platform.idempotency import Claim, ClaimState, StoredResponse

__all__ = ["MemoryIdempotencyStore"]


@dataclass(slots=True)
class _Entry:
    fingerprint: str
    lease: str
    expires: float  # the lease's end while pending, the answer's end once done
    response: StoredResponse | None = None


class MemoryIdempotencyStore:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._entries: dict[str, _Entry] = {}

    async def claim(self, key: str, fingerprint: str, lease_seconds: int) -> Claim:
        now = self._now()
        entry = self._entries.get(key)
        if entry is None or entry.expires <= now:
            lease = secrets.token_hex(16)
            self._entries[key] = _Entry(fingerprint, lease, now + lease_seconds)
            return Claim(ClaimState.NEW, fingerprint, lease=lease)
        state = ClaimState.PENDING if entry.response is None else ClaimState.DONE
        return Claim(state, entry.fingerprint, entry.response)

    def _held(self, key: str, lease: str) -> _Entry | None:
        """The key's entry while this lease holds it: pending, this holder's, not lapsed."""
        entry = self._entries.get(key)
        if entry is None or entry.lease != lease or entry.response is not None:
            return None
        return entry if entry.expires > self._now() else None

    async def renew(self, key: str, lease: str, lease_seconds: int) -> bool:
        if (entry := self._held(key, lease)) is None:
            return False
        entry.expires = self._now() + lease_seconds
        return True

    async def complete(self, key: str, lease: str, response: StoredResponse, ttl_seconds: int) -> bool:
        if (entry := self._held(key, lease)) is None:
            return False
        entry.response, entry.expires = response, self._now() + ttl_seconds
        return True

    async def release(self, key: str, lease: str) -> None:
        if self._held(key, lease) is not None:
            del self._entries[key]

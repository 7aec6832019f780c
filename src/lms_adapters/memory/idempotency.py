"""Idempotency keys in memory (tests and embedders)."""

from __future__ import annotations

import time

from lms_domain.shared.idempotency import Claim, ClaimState, StoredResponse

__all__ = ["MemoryIdempotencyStore"]


class MemoryIdempotencyStore:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[str, StoredResponse | None, float]] = {}

    async def claim(self, key: str, fingerprint: str, ttl_seconds: int) -> Claim:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is None or entry[2] <= now:
            self._entries[key] = (fingerprint, None, now + ttl_seconds)
            return Claim(ClaimState.NEW, fingerprint)
        stored_fp, response, _ = entry
        return Claim(ClaimState.PENDING if response is None else ClaimState.DONE, stored_fp, response)

    async def complete(self, key: str, response: StoredResponse, ttl_seconds: int) -> None:
        if key in self._entries:
            self._entries[key] = (self._entries[key][0], response, time.monotonic() + ttl_seconds)

    async def release(self, key: str) -> None:
        self._entries.pop(key, None)

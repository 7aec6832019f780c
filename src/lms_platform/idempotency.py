"""Idempotent retries: the first response to a key is kept and replayed for the same request.

A request that takes a key holds it under a short *lease*, which it renews while it runs. A request
that dies (its process killed) stops renewing, so the lease lapses and a retry takes the key over
as new, instead of waiting for the stored answer's full lifetime.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

__all__ = ["Claim", "ClaimState", "IdempotencyStore", "StoredResponse"]


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class ClaimState(StrEnum):
    NEW = "new"  # the caller now holds the key's lease and must complete or release it
    PENDING = "pending"  # another request with this key is still running (its lease holds)
    DONE = "done"  # finished: ``response`` is what to replay


@dataclass(frozen=True, slots=True)
class Claim:
    state: ClaimState
    fingerprint: str
    response: StoredResponse | None = None
    # NEW only: the holder's proof, for ``renew``, ``complete`` and ``release``
    lease: str | None = None


class IdempotencyStore(Protocol):
    async def claim(self, key: str, fingerprint: str, lease_seconds: int) -> Claim:
        """Atomically take ``key`` for ``lease_seconds`` if nobody holds it, its answer expired, or
        the lease of the request holding it lapsed (a takeover); else say what holds it."""
        ...

    async def renew(self, key: str, lease: str, lease_seconds: int) -> bool:
        """Extend the lease to ``lease_seconds`` from now; False when it is no longer held (it
        lapsed, was taken over, completed or released)."""
        ...

    async def complete(self, key: str, lease: str, response: StoredResponse, ttl_seconds: int) -> bool:
        """Keep ``response`` for ``ttl_seconds``, if the lease still holds; else change nothing and
        answer False."""
        ...

    async def release(self, key: str, lease: str) -> None:
        """Forget a key whose request failed, so a retry runs again (only while the lease holds it)."""
        ...

"""Idempotent retries: the first response to a key is kept and replayed for the same request."""

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
    NEW = "new"  # the caller now owns the key and must complete or release it
    PENDING = "pending"  # another request with this key is still running
    DONE = "done"  # finished: ``response`` is what to replay


@dataclass(frozen=True, slots=True)
class Claim:
    state: ClaimState
    fingerprint: str
    response: StoredResponse | None = None


class IdempotencyStore(Protocol):
    async def claim(self, key: str, fingerprint: str, ttl_seconds: int) -> Claim:
        """Atomically take ``key`` if nobody holds it (or it expired); else say what holds it."""
        ...

    async def complete(self, key: str, response: StoredResponse, ttl_seconds: int) -> None: ...

    async def release(self, key: str) -> None:
        """Forget a key whose request failed, so a retry runs again."""
        ...

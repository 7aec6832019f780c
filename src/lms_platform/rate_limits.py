"""Fixed-window request counting, per key (a client address or a user)."""

from __future__ import annotations

from typing import Protocol

__all__ = ["RateLimiter"]


class RateLimiter(Protocol):
    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int:
        """Count one request; 0 if allowed, else the seconds until the window resets.

        Raises ``Unavailable`` when the count can be neither kept nor fallen back on (a busy store).
        """
        ...

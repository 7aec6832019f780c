"""argon2id password hashing in worker threads, with a bound on concurrent hashes."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["Argon2PasswordHasher"]


class Argon2PasswordHasher:
    """OWASP's argon2id parameters (19 MiB, 2 iterations, 1 lane) unless told otherwise.

    Hashing runs in threads (argon2-cffi releases the GIL), and a semaphore caps how
    many run at once, so a flood of logins cannot starve the event loop or memory.
    """

    def __init__(
        self,
        *,
        memory_cost: int = 19 * 1024,
        time_cost: int = 2,
        parallelism: int = 1,
        max_concurrent: int = 1,
    ) -> None:
        self._argon = _Argon2(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        self._max_concurrent = max_concurrent
        self._slots: asyncio.Semaphore | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._max_concurrent)
        return self._slots

    async def hash(self, password: str) -> str:
        async with self._semaphore():
            return await asyncio.to_thread(self._argon.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        async with self._semaphore():
            return await asyncio.to_thread(self._verify, password_hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

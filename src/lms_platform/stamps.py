"""Version stamps: a token per name, replaced whenever what it guards may have changed.

Whoever keeps copies of something (the public catalog cache) stores the stamp it read with each
copy and uses the copy only while the stamp is unchanged. Whoever changes the thing renews the
stamp once the change is made, so copies made before it are never used again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

__all__ = ["RETRY_SECONDS", "StampRenewal", "Stamps"]

log = logging.getLogger("lms.stamps")

RETRY_SECONDS = 0.5


class Stamps(Protocol):
    """A version stamp per name: ``current`` (None when unknown), ``renew`` on every change.

    ``current`` raises the domain's ``Unavailable`` when the stamp exists but cannot be read now
    (a busy store); ``renew`` answers False when the stamp could not be replaced.
    """

    async def current(self, name: str) -> str | None: ...

    async def renew(self, name: str) -> bool:
        """Replace the stamp; False when the store did not answer."""
        ...


class StampRenewal:
    """Renews one named stamp. When the store does not answer, the renewal is retried in the
    background every ``retry_seconds`` until it succeeds; meanwhile readers that cannot read the
    stamp either skip whatever it guards."""

    def __init__(self, stamps: Stamps, name: str, retry_seconds: float = RETRY_SECONDS) -> None:
        self._stamps, self._name, self._retry_seconds = stamps, name, retry_seconds
        self._retries: set[asyncio.Task[None]] = set()

    async def renew(self) -> None:
        if await self._renewed():
            return
        log.warning("stamp %r not renewed; retrying in the background", self._name)
        task = asyncio.create_task(self._retry())
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    async def _renewed(self) -> bool:
        try:
            return await self._stamps.renew(self._name)
        except Exception:  # whatever the store raised, the change stands: retry the stamp
            log.exception("stamp %r could not be renewed", self._name)
            return False

    async def _retry(self) -> None:
        while True:
            await asyncio.sleep(self._retry_seconds)
            if await self._renewed():
                return

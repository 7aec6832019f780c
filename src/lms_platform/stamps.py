"""Version stamps: a token per name, replaced whenever what it guards may have changed.

Whoever keeps copies of something (the public catalog cache) stores the stamp it read with each
copy and uses the copy only while the stamp is unchanged. Whoever changes the thing renews the
stamp once the change is made, so copies made before it are never used again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

__all__ = ["RETRY_SECONDS", "ReadAheadStamps", "StampRenewal", "Stamps", "stamp_read_ahead"]

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


_READ_AHEAD: ContextVar[tuple[str, str] | None] = ContextVar("lms_stamp_read_ahead", default=None)


@contextmanager
def stamp_read_ahead(name: str, value: str | None) -> Iterator[None]:
    """Within the block (one request), the first ``current(name)`` of a ``ReadAheadStamps`` answers
    ``value``: the stamp as read at the request's start in a round trip made anyway (the rate
    limit's). None: nothing read ahead."""
    token = _READ_AHEAD.set(None if value is None else (name, value))
    try:
        yield
    finally:
        _READ_AHEAD.reset(token)


class ReadAheadStamps:
    """``Stamps`` that answer a stamp read ahead in this request (``stamp_read_ahead``) once, and
    ask ``inner`` otherwise. A copy checked against it is as fresh as one checked against a read
    made a moment later in the same request: both were read after the request started."""

    def __init__(self, inner: Stamps) -> None:
        self._inner = inner

    @property
    def inner(self) -> Stamps:
        return self._inner

    async def current(self, name: str) -> str | None:
        ahead = _READ_AHEAD.get()
        if ahead is not None and ahead[0] == name:
            _READ_AHEAD.set(None)
            return ahead[1]
        return await self._inner.current(name)

    async def renew(self, name: str) -> bool:
        _READ_AHEAD.set(None)  # what was read ahead is older than this change
        return await self._inner.renew(name)


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

"""One try of a delivery: a POST with httpx, judged by its status code, never followed elsewhere
(the client, the address guard and the POST are in ``wire``, imported on the first delivery)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING

from lms_domain.shared.outcomes import TryOutcome

if TYPE_CHECKING:
    import httpx

__all__ = ["HttpSender"]


class HttpSender:
    """Implements ``Sender``: POSTs with a total time limit, reads at most ``max_body_bytes`` of
    the answer, follows no redirect; any 2xx is success. The receiver's failures are outcomes."""

    def __init__(
        self,
        timeout_seconds: float,
        *,
        allow_private: bool,
        max_body_bytes: int = 4096,
        max_connections: int = 50,
    ) -> None:
        self._timeout, self._allow_private = timeout_seconds, allow_private
        self._max_body, self._max_connections = max_body_bytes, max_connections
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _current_client(self) -> httpx.AsyncClient:
        """One client, made on first use; again on another event loop (its pool is the old loop's)."""
        from lms_adapters.outbound import wire

        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = wire.make_client(
                timeout_seconds=self._timeout,
                max_connections=self._max_connections,
                guarded=not self._allow_private,
            )
            self._loop = loop
        return self._client

    async def send(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> TryOutcome:
        from lms_adapters.outbound import wire

        timed_out = TryOutcome(status_code=None, error=f"Timed out after {self._timeout:g} s")
        try:
            async with asyncio.timeout(self._timeout):
                return await wire.post(self._current_client(), url, body, headers, max_body=self._max_body)
        except TimeoutError:
            return timed_out
        except Exception as e:
            if (outcome := wire.failure(e, timed_out=timed_out)) is None:
                raise
            return outcome

    async def aclose(self) -> None:
        """Closes the pooled connections (when the client was made on this event loop)."""
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()
        self._loop = None

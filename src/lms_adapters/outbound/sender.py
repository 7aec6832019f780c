"""One try of a delivery: a POST with httpx, judged by its status code, never followed elsewhere.

Unless private addresses are allowed, the connection pool connects through a guard: it resolves
the host, refuses it when any of its addresses is not public, and connects to an address it
checked, so a second resolution (DNS rebinding between the check and the connect) cannot swap it.
TLS still names the host (SNI and certificate), and so does the ``Host`` header.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Iterable, Mapping
from typing import Any, cast

import httpcore
import httpx

from lms_adapters.outbound.addresses import Unresolvable, refusal, resolve
from lms_domain.shared.outcomes import TryOutcome

__all__ = ["HttpSender"]


class _Refused(Exception):
    """The host is, or resolves to, an address that may not receive requests."""


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend that connects only to public addresses, the ones it checked."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve(host, port)
        except Unresolvable as e:
            raise httpcore.ConnectError(str(e)) from e
        if (why := refusal(host, addresses)) is not None:
            raise _Refused(why)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                failure = e
        assert failure is not None  # resolve() answers at least one address
        raise failure

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Transport(httpx.AsyncHTTPTransport):
    """httpx's own transport (requests, responses, its exceptions), with the guard in its pool."""

    def __init__(self, *, limits: httpx.Limits, guarded: bool) -> None:
        ssl_context = httpx.create_ssl_context(trust_env=False)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        if guarded:
            # httpx takes no network backend, so its pool is built again, the same but for that.
            self._pool = httpcore.AsyncConnectionPool(
                ssl_context=ssl_context,
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
                network_backend=_GuardedBackend(httpcore.AnyIOBackend()),
            )


def _detail(error: Exception) -> str:
    return str(error) or type(error).__name__


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
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            limits = httpx.Limits(
                max_connections=self._max_connections,
                max_keepalive_connections=min(self._max_connections, 10),
            )
            self._client = httpx.AsyncClient(
                transport=_Transport(limits=limits, guarded=not self._allow_private),
                timeout=httpx.Timeout(self._timeout),
                follow_redirects=False,
                trust_env=False,
            )
            self._loop = loop
        return self._client

    async def send(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> TryOutcome:
        timed_out = TryOutcome(status_code=None, error=f"Timed out after {self._timeout:g} s")
        try:
            async with asyncio.timeout(self._timeout):
                return await self._post(url, body, headers)
        except TimeoutError:
            return timed_out
        except httpx.TimeoutException:
            return timed_out
        except _Refused as e:
            return TryOutcome(status_code=None, error=str(e))
        except httpx.ConnectError as e:
            return TryOutcome(status_code=None, error=f"Could not connect: {_detail(e)}")
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as e:
            return TryOutcome(status_code=None, error=f"Not a URL that can be sent to: {_detail(e)}")
        except httpx.HTTPError as e:
            return TryOutcome(status_code=None, error=f"The request failed: {_detail(e)}")

    async def _post(self, url: str, body: bytes, headers: Mapping[str, str]) -> TryOutcome:
        client = self._current_client()
        async with client.stream("POST", url, content=body, headers=dict(headers)) as response:
            read = 0
            raw = cast(AsyncGenerator[bytes, None], response.aiter_raw())  # an async generator in httpx
            async with contextlib.aclosing(raw) as chunks:
                async for chunk in chunks:
                    read += len(chunk)
                    if read >= self._max_body:
                        break  # the rest is never read: closing the response drops the connection
            status = response.status_code
        if 200 <= status < 300:
            return TryOutcome(status_code=status, error=None)
        if 300 <= status < 400:
            return TryOutcome(
                status_code=status, error=f"The receiver answered {status}, a redirect, which is not followed"
            )
        return TryOutcome(status_code=status, error=f"The receiver answered {status}")

    async def aclose(self) -> None:
        """Closes the pooled connections (when the client was made on this event loop)."""
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()
        self._loop = None

"""The wire under ``HttpSender``: httpx's client, its transport with the address guard, one POST,
and what each of httpx's failures means as an outcome. Imported on the first delivery: httpx (and
the command line tools it imports when they are installed) is about 6 MB of a worker's memory.

Unless private addresses are allowed, the connection pool connects through a guard: it resolves
the host, refuses it when any of its addresses is not public, and connects to an address it
checked, so a second resolution (DNS rebinding between the check and the connect) cannot swap it.
TLS still names the host (SNI and certificate), and so does the ``Host`` header.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Iterable, Mapping
from typing import Any, cast

import httpcore
import httpx

from lms_adapters.outbound.addresses import Unresolvable, refusal, resolve
from lms_domain.shared.outcomes import TryOutcome

__all__ = ["failure", "make_client", "post"]


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


def make_client(*, timeout_seconds: float, max_connections: int, guarded: bool) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=min(max_connections, 10))
    return httpx.AsyncClient(
        transport=_Transport(limits=limits, guarded=guarded),
        timeout=httpx.Timeout(timeout_seconds),
        follow_redirects=False,
        trust_env=False,
    )


async def post(
    client: httpx.AsyncClient, url: str, body: bytes, headers: Mapping[str, str], *, max_body: int
) -> TryOutcome:
    async with client.stream("POST", url, content=body, headers=dict(headers)) as response:
        read = 0
        raw = cast(AsyncGenerator[bytes, None], response.aiter_raw())  # an async generator in httpx
        async with contextlib.aclosing(raw) as chunks:
            async for chunk in chunks:
                read += len(chunk)
                if read >= max_body:
                    break  # the rest is never read: closing the response drops the connection
        status = response.status_code
    if 200 <= status < 300:
        return TryOutcome(status_code=status, error=None)
    if 300 <= status < 400:
        return TryOutcome(
            status_code=status, error=f"The receiver answered {status}, a redirect, which is not followed"
        )
    return TryOutcome(status_code=status, error=f"The receiver answered {status}")


def failure(error: Exception, *, timed_out: TryOutcome) -> TryOutcome | None:
    """The outcome an exception of the try means; None for one that is not the receiver's."""
    if isinstance(error, httpx.TimeoutException):
        return timed_out
    if isinstance(error, _Refused):
        return TryOutcome(status_code=None, error=str(error))
    if isinstance(error, httpx.ConnectError):
        return TryOutcome(status_code=None, error=f"Could not connect: {_detail(error)}")
    if isinstance(error, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return TryOutcome(status_code=None, error=f"Not a URL that can be sent to: {_detail(error)}")
    if isinstance(error, httpx.HTTPError):
        return TryOutcome(status_code=None, error=f"The request failed: {_detail(error)}")
    return None

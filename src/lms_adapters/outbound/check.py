"""The rule on webhook URLs, checked when a webhook is created or changed."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from lms_adapters.outbound.addresses import Unresolvable, literal_address, refusal, resolve

if TYPE_CHECKING:
    import httpx

__all__ = ["PublicAddressCheck"]


class PublicAddressCheck:
    """Implements ``AddressCheck``: ``http`` or ``https``, a host, no user name or password, and a
    host that resolves to public addresses only, unless ``allow_private`` (then nothing is looked
    up). The URL is read as httpx, the client that sends to it, reads it."""

    def __init__(self, *, allow_private: bool, timeout_seconds: float = 5.0) -> None:
        self._allow_private, self._timeout = allow_private, timeout_seconds

    async def refusal(self, url: str) -> str | None:
        import httpx  # here, not at the top: 6 MB a worker needs only once a webhook is written

        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, UnicodeError):
            return "The URL is not valid"
        if (why := _form_refusal(parsed)) is not None:
            return why
        host = parsed.raw_host.decode("ascii")
        if self._allow_private:
            return None  # any address will do: nothing to look up (a development receiver may not exist yet)
        if (address := literal_address(host)) is not None:
            return refusal(host, [address])
        try:
            async with asyncio.timeout(self._timeout):
                addresses = await resolve(host)
        except Unresolvable as e:
            return str(e)
        except TimeoutError:
            return f"{host} does not resolve (no answer within {self._timeout:g} s)"
        return refusal(host, addresses)


def _form_refusal(url: httpx.URL) -> str | None:
    if url.scheme not in ("http", "https"):
        return "Only http and https URLs can receive deliveries"
    if not url.raw_host:
        return "The URL has no host"
    if url.userinfo:
        return "A user name or password in the URL is not allowed"
    return None

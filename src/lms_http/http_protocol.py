"""uvicorn's httptools protocol with two bounds on the request head.

uvicorn reads a request head for as long as a client sends it: an endless header grows the worker
without limit (httptools has no bound, and uvicorn keeps what it parsed), and a client that never
finishes its head holds the connection open forever (uvicorn's only timeout is the keep-alive one,
between requests). This protocol answers 431 once the head passes ``LMS_MAX_HEADER_BYTES`` and
closes a connection whose head is not complete ``LMS_HEADER_TIMEOUT_SECONDS`` after it was opened
or after the head began (with 408 when part of a head arrived). ``lms serve`` passes it to uvicorn
as ``http=``; request bodies and everything after the head are uvicorn's as before.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from typing import Any

import msgspec
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from lms_http.settings import load_settings

__all__ = ["BoundedHttpProtocol", "head_bounds"]


@functools.cache
def head_bounds() -> tuple[int, int]:
    """(``LMS_MAX_HEADER_BYTES``, ``LMS_HEADER_TIMEOUT_SECONDS``), read once per process (each
    worker imports this module afresh; ``lms serve`` has already refused bad values)."""
    settings = load_settings()
    return settings.max_header_bytes, settings.header_timeout_seconds


class _HeadTooLarge(Exception):
    """Raised in a parser callback to stop parsing; ``data_received`` answers 431."""


class BoundedHttpProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_head_bytes, self.head_timeout = head_bounds()
        self._in_head = True  # reading a request head (or waiting for the first byte of one)
        self._received = 0  # bytes received since this head began: bounds a head not yet parsed
        self._parsed = 0  # size of the request line and headers parsed so far: bounds a whole head
        self._head_timer: asyncio.TimerHandle | None = None
        self._refusal: tuple[int, str] | None = None

    # the head timer: armed when a connection opens and when the first byte of a later head arrives
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._received:  # part of a head arrived: say why before closing
            self._answer(408, "The request head was not completed in time")
        else:
            self.transport.close()

    # reading
    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._received += len(data)
            self._arm_head_timer()
        super().data_received(data)
        if self._in_head and self._received > self.max_head_bytes and not self.transport.is_closing():
            self._answer(431, "Request header fields too large")

    def on_message_begin(self) -> None:
        self._parsed = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._parsed += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._parsed += len(name) + len(value) + 4  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head, self._received = False, 0
        self._disarm_head_timer()
        if self._parsed > self.max_head_bytes:
            self._refusal = (431, "Request header fields too large")
            raise _HeadTooLarge
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._received = True, 0  # the next head's timer starts with its first byte

    # answers made here, before any application sees the request: JSON like every other error
    def send_400_response(self, msg: str) -> None:
        status, detail = self._refusal or (400, "Invalid HTTP request")
        self._answer(status, detail)

    def _answer(self, status: int, detail: str) -> None:
        self._disarm_head_timer()
        body = msgspec.json.encode({"detail": detail})
        head = [STATUS_LINE[status]]
        for name, value in [
            *self.server_state.default_headers,
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", uuid.uuid4().hex.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"connection", b"close"),
        ]:
            head += [name, b": ", value, b"\r\n"]
        self.transport.write(b"".join([*head, b"\r\n", body]))
        self.transport.close()

"""One file field read out of a ``multipart/form-data`` body as it arrives.

The body is never held whole: python-multipart's push parser is fed each chunk
of ``request.stream()`` and the file part's bytes are handed on at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from lms_domain.shared.errors import InvalidField, TooLarge, UnsupportedMediaType

__all__ = ["MULTIPART_OVERHEAD", "MultipartFile"]

MULTIPART_OVERHEAD = 1024 * 1024
"""Bytes a body may carry beyond the file itself: boundaries, headers, other small fields."""


class MultipartFile:
    def __init__(
        self, body: AsyncIterator[bytes], content_type: str, *, field: str, max_body_bytes: int
    ) -> None:
        media, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if media != b"multipart/form-data" or not boundary:
            raise UnsupportedMediaType("Expected a multipart/form-data body")
        self._body, self._field, self._max = body, field.encode(), max_body_bytes
        self._received = 0
        self._finished = False
        self._pending: list[bytes] = []
        self._header_field = b""
        self._headers: dict[bytes, bytes] = {}
        self._in_target = self._target_started = self._target_done = False
        self.filename: str | None = None
        callbacks: Any = {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_name,
            "on_header_value": self._header_value,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }
        self._parser = MultipartParser(boundary, callbacks)

    # parser callbacks

    def _part_begin(self) -> None:
        self._headers, self._header_field = {}, b""

    def _header_name(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        name = self._header_field.lower()
        self._headers[name] = self._headers.get(name, b"") + data[start:end]

    def _headers_finished(self) -> None:
        self._header_field = b""
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if options.get(b"name") == self._field and not self._target_started and b"filename" in options:
            self._in_target = self._target_started = True
            self.filename = options[b"filename"].decode("utf-8", "replace")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_target:
            self._pending.append(data[start:end])

    def _part_end(self) -> None:
        if self._in_target:
            self._in_target, self._target_done = False, True

    # reading

    async def _feed(self) -> bool:
        """Parse the next chunk of the body; False once the body has ended."""
        if self._finished:
            return False
        try:
            chunk = await anext(self._body)
        except StopAsyncIteration:
            self._finished = True
            self._parser.finalize()
            return False
        self._received += len(chunk)
        if self._received > self._max:
            raise TooLarge(f"The request body is larger than {self._max} bytes")
        try:
            self._parser.write(chunk)
        except FormParserError as e:
            raise InvalidField("file", "The multipart body is malformed") from e
        return True

    async def open(self) -> str | None:
        """Read up to the file part's headers and return the name the client gave."""
        while not self._target_started:
            if not await self._feed():
                raise InvalidField("file", "Field required", "missing")
        return self.filename

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file part's bytes, then the rest of the body is read (and discarded)."""
        while True:
            if self._pending:
                pending, self._pending = self._pending, []
                for piece in pending:
                    if piece:
                        yield piece
                continue
            if self._target_done:
                break
            if not await self._feed():
                if not self._target_done:
                    raise InvalidField("file", "The multipart body ended inside the file")
                continue
        while await self._feed():
            self._pending.clear()

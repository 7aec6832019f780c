"""Anonymous reads of the public catalog answered from memory, never with stale data.

``GET /api/v1/courses`` (any query) and ``GET /api/v1/courses/{id}`` without ``Authorization``
show only published courses and their lesson outlines, the same to every anonymous caller. A
200 answer is kept in the worker's memory together with the catalog's *stamp* read when the
request started; an identical request is answered from memory while the stamp is unchanged.

The catalog's use cases renew the stamp (``lms_domain.catalog.ports.CatalogStamp``) once every
write of courses or lessons is over, before it answers, whichever way it reached them (HTTP, the
command line, an embedder); so a read that starts after a write has answered sees the write, on
any worker. The stamp lives in Redis when ``LMS_REDIS_URL`` is set (one GET per cached read),
else in the process. When the stamp cannot be read (Redis down) requests skip the cache; when Redis
answers but this worker's pool stayed busy for the whole wait, they answer 503 (busy) rather than
take the load to the database or trust an answer they could not check. Entries
live at most ``MAX_AGE_SECONDS``, which bounds what changes made outside the use cases
(``lms seed-demo``, SQL by hand) take to show. Responses carry ``X-Cache: hit`` or ``miss``.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from lms_domain.shared.errors import Unavailable
from lms_http.names import CATALOG_STAMP
from lms_platform.stamps import Stamps

__all__ = ["CATALOG_READS", "MAX_AGE_SECONDS", "MAX_BYTES", "ResponseCache", "make_public_cache_middleware"]
MAX_AGE_SECONDS = 60.0
MAX_BYTES = 16 * 1024 * 1024  # all kept bodies together, per worker
MAX_BODY_BYTES = 256 * 1024
CATALOG_READS = re.compile(r"/api/v1/courses(/[0-9a-fA-F-]{36})?/?")
"""The catalog's reads whose answers are kept (and whose stamp the rate limit reads ahead)."""


@dataclass(frozen=True, slots=True)
class _Entry:
    stamp: str
    stored_at: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    """At most ``max_bytes`` of bodies, least recently used out first."""

    def __init__(self, max_bytes: int = MAX_BYTES, max_age: float = MAX_AGE_SECONDS) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._max_bytes, self._max_age = max_bytes, max_age
        self._bytes = 0

    def get(self, key: str, stamp: str) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.stamp != stamp or time.monotonic() - entry.stored_at > self._max_age:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: _Entry) -> None:
        self._drop(key)
        self._entries[key] = entry
        self._bytes += len(entry.body)
        while self._bytes > self._max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.body)

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


async def _unavailable(send: Send, detail: str) -> None:
    body = msgspec.json.encode({"detail": detail})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _is_anonymous(scope: Scope) -> bool:
    return not any(name == b"authorization" for name, _ in scope["headers"])


async def _read(
    answers: ResponseCache, app: ASGIApp, scope: Scope, receive: Receive, send: Send, *, stamp: str
) -> None:
    """Answer from ``answers`` when they hold this request under ``stamp``; else ask ``app`` and keep
    a 200 that is small enough."""
    key = f"{scope['path']}?{scope['query_string'].decode('latin-1')}"
    entry = answers.get(key, stamp)
    if entry is not None:
        await send({"type": "http.response.start", "status": entry.status, "headers": entry.headers})
        await send({"type": "http.response.body", "body": entry.body, "more_body": False})
        return
    status, headers, chunks, size = 0, [], [], 0

    async def capture(message: Message) -> None:
        nonlocal status, headers, size
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [*message.get("headers", []), (b"x-cache", b"miss")]
            message = {**message, "headers": headers}
        elif message["type"] == "http.response.body" and status == 200:
            body = message.get("body", b"")
            size += len(body)
            chunks.append(body)
            if not message.get("more_body", False) and size <= MAX_BODY_BYTES:
                hit = [(k, v) for k, v in headers if k != b"x-cache"] + [(b"x-cache", b"hit")]
                answers.put(key, _Entry(stamp, time.monotonic(), status, hit, b"".join(chunks)))
        await send(message)

    await app(scope, receive, capture)


def make_public_cache_middleware(
    stamps: Callable[[], Stamps], cache: ResponseCache | None = None
) -> Callable[[ASGIApp], ASGIApp]:
    answers = cache if cache is not None else ResponseCache()

    def middleware(app: ASGIApp) -> ASGIApp:
        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            if scope["method"] == "GET" and CATALOG_READS.fullmatch(scope["path"]) and _is_anonymous(scope):
                try:
                    stamp = await stamps().current(CATALOG_STAMP)
                except Unavailable as e:  # busy, not down: the database is no place for this load
                    await _unavailable(send, e.message)
                    return
                if stamp is not None:
                    await _read(answers, app, scope, receive, send, stamp=stamp)
                    return
            await app(scope, receive, send)

        return handle

    return middleware

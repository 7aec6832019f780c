"""``Idempotency-Key`` on POST requests: a retry with the same key and body replays the first answer.

Same key and same request: the stored response is replayed (``Idempotent-Replayed: true``). Same key
with a different request: 422. Same key while the first request still runs: 409. Keys are scoped to
the caller (user, or client address when anonymous) and kept for 24 hours. Responses of 500 and more
are not kept, so a retry runs again. Multipart uploads are streamed and are not covered.

The body is read here, to fingerprint it, and only up to the app's 1 MiB JSON limit: a longer one,
chunked or not, is answered 413 as the app answers it as soon as the limit is passed, without
reading (or holding) the rest.

A running request holds its key under a short lease (``LMS_IDEMPOTENCY_LEASE_SECONDS``, 30 s by
default) that a background task renews every third of it while the request runs. When the process
dies mid-request, nothing renews it: once the lease lapses, a retry takes the key over and runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, ReceiveMessage, Scope, Send

from lms_domain.identity.ports import TokenCodec
from lms_domain.shared.idempotency import ClaimState, IdempotencyStore, StoredResponse
from lms_http.errors import BODY_TOO_LARGE
from lms_http.middleware import caller_key
from lms_http.settings import Settings

__all__ = ["IDEMPOTENCY_TTL_SECONDS", "make_idempotency_middleware"]

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
_MAX_BODY = 1024 * 1024  # the app's JSON limit (lms_http.app.MAX_JSON_BODY), applied while reading
_KEPT_HEADERS = {"content-type", "location", "retry-after"}
log = logging.getLogger("lms.http")


@contextlib.asynccontextmanager
async def _renewing(store: IdempotencyStore, key: str, lease: str, seconds: int) -> AsyncIterator[None]:
    """Renew the lease every third of its length for as long as the ``async with`` body runs."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(seconds / 3)
            try:
                # shielded: cancelling the renewal never interrupts a statement half-way
                held = await asyncio.shield(store.renew(key, lease, seconds))
            except Exception as e:  # the store did not answer: try again at the next tick
                log.warning("could not renew an idempotency lease: %s", type(e).__name__)
                continue
            if not held:  # it lapsed (the store or this process stalled) and may be taken over
                log.warning("an idempotency lease was lost while its request ran")
                return

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()


async def _answer(
    send: Send, status: int, body: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = body if isinstance(body, bytes) else msgspec.json.encode(body)
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            *(headers or [(b"content-type", b"application/json")]),
            (b"content-length", str(len(payload)).encode()),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": payload, "more_body": False})


async def _read_body(receive: Receive) -> bytes | None:
    """The request's body, or None once it passes the JSON limit: reading stops at the chunk that
    passes it (chunked bodies have no length to check first), so no more than the limit is held."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((v for k, v in scope["headers"] if k == name), None)


def make_idempotency_middleware(
    settings: Settings, store: Callable[[], IdempotencyStore], codec: Callable[[], TokenCodec]
) -> Callable[[ASGIApp], ASGIApp]:
    def middleware(app: ASGIApp) -> ASGIApp:
        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP or scope["method"] != "POST":
                await app(scope, receive, send)
                return
            raw_key = _header(scope, b"idempotency-key")
            if raw_key is None or not scope["path"].startswith("/api/"):
                await app(scope, receive, send)
                return
            content_type = _header(scope, b"content-type") or b""
            length = _header(scope, b"content-length")
            if content_type.startswith(b"multipart/") or (
                length and length.isdigit() and int(length) > _MAX_BODY
            ):
                await app(scope, receive, send)
                return
            key = raw_key.decode("latin-1")
            if not (1 <= len(key) <= 255 and key.isascii() and key.isprintable()):
                await _answer(
                    send,
                    422,
                    {
                        "detail": [
                            {
                                "loc": ["header", "Idempotency-Key"],
                                "msg": "must be 1-255 printable ASCII characters",
                                "type": "value_error",
                            }
                        ]
                    },
                )
                return
            body = await _read_body(receive)
            if body is None:
                await _answer(send, 413, {"detail": BODY_TOO_LARGE})
                return
            digest = hashlib.sha256()
            for part in (scope["path"].encode(), scope.get("query_string", b""), body):
                digest.update(len(part).to_bytes(8, "big") + part)
            fingerprint = digest.hexdigest()
            scoped = hashlib.sha256(f"{caller_key(scope, settings, codec)}\x00{key}".encode()).hexdigest()
            lease_seconds = settings.idempotency_lease_seconds
            claim = await store().claim(scoped, fingerprint, lease_seconds)
            if claim.state is not ClaimState.NEW:
                if claim.fingerprint != fingerprint:
                    await _answer(
                        send,
                        422,
                        {
                            "detail": [
                                {
                                    "loc": ["header", "Idempotency-Key"],
                                    "type": "value_error",
                                    "msg": "this Idempotency-Key was already used with a different request",
                                }
                            ]
                        },
                    )
                elif claim.state is ClaimState.PENDING or claim.response is None:
                    await _answer(
                        send, 409, {"detail": "A request with this Idempotency-Key is still in progress"}
                    )
                else:
                    stored = claim.response
                    headers = [(k.encode(), v.encode()) for k, v in stored.headers]
                    await _answer(
                        send, stored.status, stored.body, [*headers, (b"idempotent-replayed", b"true")]
                    )
                return

            replayed = False

            async def replay_body() -> ReceiveMessage:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            status, headers_out, body_out = 500, [], []

            async def capture(message: Message) -> None:
                nonlocal status, headers_out
                if message["type"] == "http.response.start":
                    status = message["status"]
                    headers_out = [
                        (k.decode("latin-1").lower(), v.decode("latin-1"))
                        for k, v in message.get("headers", [])
                    ]
                elif message["type"] == "http.response.body":
                    body_out.append(message.get("body", b""))
                await send(message)

            lease = claim.lease
            assert lease is not None  # a new claim always carries its lease
            try:
                async with _renewing(store(), scoped, lease, lease_seconds):
                    await app(scope, replay_body, capture)
            except BaseException:
                await store().release(scoped, lease)
                raise
            if status >= 500:
                await store().release(scoped, lease)
                return
            kept = tuple((k, v) for k, v in headers_out if k in _KEPT_HEADERS)
            await store().complete(
                scoped, lease, StoredResponse(status, kept, b"".join(body_out)), IDEMPOTENCY_TTL_SECONDS
            )

        return handle

    return middleware

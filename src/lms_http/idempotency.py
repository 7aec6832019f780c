"""``Idempotency-Key`` on POST requests: a retry with the same key and body replays the first answer.

Same key and same request: the stored response is replayed (``Idempotent-Replayed: true``). Same key
with a different request: 422. Same key while the first request still runs: 409. Keys are scoped to
the caller (user, or client address when anonymous) and kept for 24 hours. Responses of 500 and more
are not kept, so a retry runs again. Multipart uploads are streamed and are not covered.

Nothing is claimed or replayed before the caller is authenticated: a request with a token passes
``AuthenticateCaller`` first and its key belongs to that user; a token that does not authenticate
gets no key, and the app answers it (401). A stored answer of a sign-in endpoint (register, login,
mfa/login, refresh) is replayed only while the address the request names is not locked out and the
tokens it carries still authenticate; otherwise the request runs as if nothing were stored.

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

from lms_domain.identity.ports import LoginThrottle
from lms_domain.identity.use_cases import AuthenticateCaller
from lms_domain.shared.errors import Unauthorized, Unavailable
from lms_http.errors import BODY_TOO_LARGE
from lms_http.middleware import AUTH_PATHS, client_ip
from lms_http.settings import Settings
from lms_platform.idempotency import Claim, ClaimState, IdempotencyStore, StoredResponse

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


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _with_body(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the app: the body already read, then whatever the client sends next."""
    sent = False

    async def receive_body() -> ReceiveMessage:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_body


_KEY_INVALID = {
    "detail": [
        {
            "loc": ["header", "Idempotency-Key"],
            "msg": "must be 1-255 printable ASCII characters",
            "type": "value_error",
        }
    ]
}
_KEY_REUSED = {
    "detail": [
        {
            "loc": ["header", "Idempotency-Key"],
            "type": "value_error",
            "msg": "this Idempotency-Key was already used with a different request",
        }
    ]
}
_KEY_MAX = 255


def _bypasses(scope: Scope) -> bool:
    """Requests keys do not cover: all but POSTs under /api/ with a key; multipart uploads (they
    are streamed); bodies declared longer than the JSON limit (the app answers those)."""
    if scope["type"] != ScopeType.HTTP or scope["method"] != "POST":
        return True
    if _header(scope, b"idempotency-key") is None or not scope["path"].startswith("/api/"):
        return True
    content_type = _header(scope, b"content-type") or b""
    length = _header(scope, b"content-length")
    return content_type.startswith(b"multipart/") or bool(
        length and length.isdigit() and int(length) > _MAX_BODY
    )


def _is_valid_key(key: str) -> bool:
    return 1 <= len(key) <= _KEY_MAX and key.isascii() and key.isprintable()


def _fingerprint(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["path"].encode(), scope.get("query_string", b""), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


async def _answer_claimed(send: Send, claim: Claim, fingerprint: str) -> None:
    """The answer to a key someone holds already: 422 for another request, 409 while it runs,
    else the stored answer replayed."""
    if claim.fingerprint != fingerprint:
        await _answer(send, 422, _KEY_REUSED)
    elif claim.state is ClaimState.PENDING or claim.response is None:
        await _answer(send, 409, {"detail": "A request with this Idempotency-Key is still in progress"})
    else:
        stored = claim.response
        headers = [(k.encode(), v.encode()) for k, v in stored.headers]
        await _answer(send, stored.status, stored.body, [*headers, (b"idempotent-replayed", b"true")])


class _IdempotentPosts:
    """The middleware around one app (see the module's docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        store: Callable[[], IdempotencyStore],
        authenticate: Callable[[], AuthenticateCaller],
        throttle: Callable[[], LoginThrottle],
    ) -> None:
        self._app, self._settings = app, settings
        self._store, self._authenticate, self._throttle = store, authenticate, throttle

    async def _owner(self, scope: Scope) -> str | None:
        """Whose key it is: the authenticated user, or the client address for a request without
        credentials; None for credentials that do not authenticate (they get no key)."""
        header = _header(scope, b"authorization")
        if header is None:
            return f"ip:{client_ip(scope, self._settings)}"
        scheme, _, token = header.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            caller = await self._authenticate()(token=token.strip())
        except Unauthorized:
            return None
        scope.setdefault("state", {})["user_id"] = str(caller.actor.user_id)
        return f"user:{caller.actor.user_id}"

    async def _still_good(self, path: str, body: bytes, stored: StoredResponse) -> bool:
        """Whether a stored answer may be replayed. A sign-in answer only while the address the
        request names is not locked out and the tokens the answer carries still authenticate."""
        if path not in AUTH_PATHS:
            return True
        email = _json_object(body).get("email")
        if isinstance(email, str) and await self._throttle().is_locked(email.strip().lower()):
            return False
        if stored.status >= 300:  # an error: no tokens in it
            return True
        token = _json_object(stored.body).get("access_token")
        if not isinstance(token, str):
            return False
        try:
            await self._authenticate()(token=token)
        except Unauthorized:
            return False
        return True

    async def _is_stale(self, claim: Claim, fingerprint: str, path: str, body: bytes) -> bool:
        """A stored answer to this very request that may not be replayed any more."""
        return (
            claim.state is ClaimState.DONE
            and claim.fingerprint == fingerprint
            and claim.response is not None
            and not await self._still_good(path, body, claim.response)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _bypasses(scope):
            await self._app(scope, receive, send)
            return
        key = (_header(scope, b"idempotency-key") or b"").decode("latin-1")
        if not _is_valid_key(key):
            await _answer(send, 422, _KEY_INVALID)
            return
        body = await _read_body(receive)
        if body is None:
            await _answer(send, 413, {"detail": BODY_TOO_LARGE})
            return
        fingerprint = _fingerprint(scope, body)
        try:
            # authenticated before anything is claimed or replayed, as the handler would
            who = await self._owner(scope)
            if who is None:  # the app answers the credentials (401); nothing is kept for them
                await self._app(scope, _with_body(body, receive), send)
                return
            scoped = hashlib.sha256(f"{who}\x00{key}".encode()).hexdigest()
            claim = await self._store().claim(scoped, fingerprint, self._settings.idempotency_lease_seconds)
            stale = await self._is_stale(claim, fingerprint, scope["path"], body)
        except Unavailable as e:
            await _answer(send, 503, {"detail": e.message})
            return
        if stale:  # runs as if nothing were stored (the stored answer stays)
            await self._app(scope, _with_body(body, receive), send)
        elif claim.state is not ClaimState.NEW:
            await _answer_claimed(send, claim, fingerprint)
        else:
            await self._run(scope, _with_body(body, receive), send, scoped, claim)

    async def _run(self, scope: Scope, receive: Receive, send: Send, scoped: str, claim: Claim) -> None:
        """Run the request holding the key's lease; keep its answer, or let the key go for a
        retry when it failed (500 and more, or no answer at all)."""
        status, headers_out, body_out = 500, [], []

        async def capture(message: Message) -> None:
            nonlocal status, headers_out
            if message["type"] == "http.response.start":
                status = message["status"]
                headers_out = [
                    (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body":
                body_out.append(message.get("body", b""))
            await send(message)

        lease = claim.lease
        assert lease is not None  # a new claim always carries its lease
        try:
            async with _renewing(self._store(), scoped, lease, self._settings.idempotency_lease_seconds):
                await self._app(scope, receive, capture)
        except BaseException:
            await self._store().release(scoped, lease)
            raise
        if status >= 500:
            await self._store().release(scoped, lease)
            return
        kept = tuple((k, v) for k, v in headers_out if k in _KEPT_HEADERS)
        await self._store().complete(
            scoped, lease, StoredResponse(status, kept, b"".join(body_out)), IDEMPOTENCY_TTL_SECONDS
        )


def make_idempotency_middleware(
    settings: Settings,
    store: Callable[[], IdempotencyStore],
    authenticate: Callable[[], AuthenticateCaller],
    throttle: Callable[[], LoginThrottle],
) -> Callable[[ASGIApp], ASGIApp]:
    def middleware(app: ASGIApp) -> ASGIApp:
        return _IdempotentPosts(app, settings, store, authenticate, throttle)

    return middleware

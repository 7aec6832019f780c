"""ASGI middleware: the edge (request ids, security headers, HEAD, the access line) and the API layer
(rate limits, then idempotent POSTs or cached GETs), and the body guard."""

from __future__ import annotations

import ipaddress
import math
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, cast
from uuid import UUID

import msgspec
from litestar.config.cors import CORSConfig
from litestar.constants import DEFAULT_ALLOWED_CORS_HEADERS
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from lms_domain.identity.ports import SessionRead, TokenClaims, TokenCodec, TokenKind
from lms_domain.shared.errors import DomainError, Unavailable
from lms_http.names import CATALOG_STAMP
from lms_http.observability import RequestMetrics, access_line
from lms_http.options import RouteMethods
from lms_http.public_cache import CATALOG_READS
from lms_http.settings import Settings
from lms_platform.rate_limits import RateLimiter
from lms_platform.stamps import stamp_read_ahead

__all__ = [
    "SESSION_READ",
    "SessionReadingLimiter",
    "caller_key",
    "client_ip",
    "cors_refusal",
    "find_bad_value",
    "make_api_middleware",
    "make_edge_middleware",
]

AUTH_PATHS = frozenset(
    {"/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/mfa/login", "/api/v1/auth/refresh"}
)
# limited per client address like the sign-ins: the anonymous endpoints that take an address or a
# one-time token from mail
AUTH_LIMITED_PATHS = AUTH_PATHS | {
    "/api/v1/auth/verify-email",
    "/api/v1/auth/password-reset/request",
    "/api/v1/auth/password-reset/confirm",
}
UNLIMITED_PREFIXES = ("/api/v1/health", "/api/v1/ready", "/docs", "/openapi.json")
SESSION_READ = "lms_session_read"
"""Where the rate limiter leaves the session it read with the count (a ``SessionRead``)."""


class SessionReadingLimiter(Protocol):
    """A rate limiter that reads, in the round trip that counts the request (Redis: one script),
    the caller's session (so authentication need not ask the session store again) and a stamp
    (so the catalog's kept answers need not ask the stamps' store again)."""

    async def hit_reading(
        self,
        key: str,
        *,
        limit: int,
        window_seconds: int,
        session: tuple[UUID, UUID] | None,
        stamp: str | None,
    ) -> tuple[int, SessionRead | None, str | None]:
        """``RateLimiter.hit``'s answer, the session as read and the stamp as read (None: not read)."""
        ...


def client_ip(scope: Scope, settings: Settings) -> str:
    """The peer address; ``X-Forwarded-For`` only counts when the peer is a trusted proxy."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not settings.trusted_proxies:
        return peer
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return peer
    if not any(address in net for net in settings.trusted_proxies):
        return peer
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            hops = [h.strip() for h in value.decode("latin-1").split(",") if h.strip()]
            # walk from the right, skipping our own proxies: the first untrusted hop is the client
            for hop in reversed(hops):
                try:
                    hop_ip = ipaddress.ip_address(hop)
                except ValueError:
                    return peer
                if not any(hop_ip in net for net in settings.trusted_proxies):
                    return hop
    return peer


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]
) -> None:
    payload = msgspec.json.encode(body)
    all_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": [*all_headers, *headers],
    }
    await send(start)
    await send({"type": "http.response.body", "body": payload, "more_body": False})


_SECURITY_HEADERS = frozenset(
    {
        b"x-request-id",
        b"x-content-type-options",
        b"referrer-policy",
        b"x-frame-options",
        b"content-security-policy",
    }
)
_CORS_REFUSALS = {
    "origin": "the origin is not allowed",
    "method": "the method is not allowed",
    "headers": "a requested header is not allowed",
}


def cors_refusal(config: CORSConfig, origin: str, scope: Scope) -> str | None:
    """Why a CORS preflight is refused, or None: the checks Litestar's CORS middleware makes, so
    that every refusal is answered here with a JSON body (Litestar's is plain text)."""
    method = _header(scope, b"access-control-request-method")
    requested = [h.strip() for h in _header(scope, b"access-control-request-headers").split(",")]
    failures = []
    if not config.is_allow_all_methods and method and method not in config.allow_methods:
        failures.append("method")
    if not config.is_origin_allowed(origin):
        failures.append("origin")
    if not config.is_allow_all_headers:
        allowed = {h.lower() for h in (*config.allow_headers, *DEFAULT_ALLOWED_CORS_HEADERS)}
        if any(h and h.lower() not in allowed for h in requested):
            failures.append("headers")
    if not failures:
        return None
    return "CORS preflight refused: " + "; ".join(_CORS_REFUSALS[f] for f in failures)


def _header(scope: Scope, name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == name), "")


def _with_head(allow: bytes) -> bytes:
    """``Allow`` with HEAD wherever GET is allowed (HEAD is answered for every GET route)."""
    methods = {m.strip().upper() for m in allow.decode("latin-1").split(",") if m.strip()}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods)).encode()


@dataclass(frozen=True, slots=True)
class _Caller:
    request_id: str
    authenticated: bool
    origin: str | None


def _caller(scope: Scope) -> _Caller:
    """The request id (echoed when sane, else new), whether credentials came, and the origin."""
    request_id, authenticated, origin = None, False, None
    for name, value in scope["headers"]:
        if name == b"x-request-id" and 0 < len(value) <= 128 and value.isascii():
            request_id = value.decode()
        elif name == b"authorization":
            authenticated = True
        elif name == b"origin":
            origin = value.decode("latin-1")
    return _Caller(request_id or uuid.uuid4().hex, authenticated, origin)


def _secured(raw: Iterable[tuple[bytes, bytes]], caller: _Caller, *, docs: bool) -> list[tuple[bytes, bytes]]:
    """An answer's headers with the security headers set once, whoever set them before."""
    headers: list[tuple[bytes, bytes]] = []
    stored = False
    for k, v in raw:
        key = k.lower()
        if key == b"server" or key in _SECURITY_HEADERS:
            continue
        if key == b"cache-control" and caller.authenticated:
            if b"no-store" not in v.lower():
                continue
            stored = True
        headers.append((k, _with_head(v) if key == b"allow" else v))
    headers += [
        (b"x-request-id", caller.request_id.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    ]
    if not docs:
        headers.append((b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"))
    if caller.authenticated and not stored:
        headers.append((b"cache-control", b"no-store"))
    return headers


def make_edge_middleware(settings: Settings, cors: CORSConfig | None = None) -> Callable[[ASGIApp], ASGIApp]:
    """Every answer's edge, in one layer: the request id and client address, the security headers and
    ``no-store`` on authenticated responses, ``HEAD`` on every ``GET`` route (the ``GET`` answer
    without its body), CORS preflights refused with a JSON body, ``Allow`` of ``OPTIONS`` answers
    (``lms_http.options``), and the request's access line (``lms_http.observability.access_line``).

    It wraps the application's ASGI entry (``Litestar.asgi_handler``), not a route: route
    middleware never sees the answers the router makes itself (404, 405) nor CORS preflights, and
    those get their headers and their access line too."""

    def middleware(app: ASGIApp) -> ASGIApp:
        allowed = RouteMethods()

        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            start, status = time.perf_counter(), 500
            caller = _caller(scope)
            state = scope.setdefault("state", {})
            state["request_id"] = caller.request_id
            state["client_ip"] = client_ip(scope, settings)
            method = scope["method"]
            docs = scope["path"].startswith("/docs")
            head = method == "HEAD"
            inner: Scope = scope  # the scope the router sees (and gives its route template)

            async def send_with_headers(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    headers = message.get("headers", [])
                    if method == "OPTIONS" and status == 204:
                        headers = allowed.fix(inner, headers)
                    start_event: HTTPResponseStartEvent = {
                        **message,
                        "headers": _secured(headers, caller, docs=docs),
                    }
                    message = start_event
                elif head and message["type"] == "http.response.body":
                    if message.get("more_body", False):
                        return  # HEAD: the GET answer's headers, no body
                    message = {"type": "http.response.body", "body": b"", "more_body": False}
                await send(message)

            try:
                if cors is not None and caller.origin and method == "OPTIONS":
                    refused = cors_refusal(cors, caller.origin, scope)
                    if refused:
                        await _send_json(send_with_headers, 400, {"detail": refused}, [])
                        return
                if head:
                    # the GET route answers; the server still sees HEAD in its own scope and sends no body
                    state["head_request"] = True
                    inner = cast("Scope", {**scope, "method": "GET"})
                await app(inner, receive, send_with_headers)
            finally:
                access_line(
                    request_id=caller.request_id,
                    method=method,
                    route=inner.get("path_template") or "unmatched",
                    status=status,
                    duration_ms=monotonic_ms(start),
                    user_id=state.get("user_id"),
                )

        return handle

    return middleware


async def _rate_limited(
    scope: Scope,
    send: Send,
    settings: Settings,
    limiter: Callable[[], RateLimiter],
    codec: Callable[[], TokenCodec],
    *,
    session_reader: Callable[[], SessionReadingLimiter | None] | None,
    stamp_reader: Callable[[], SessionReadingLimiter | None] | None,
) -> tuple[bool, str | None]:
    """Per client IP and endpoint for the sign-in endpoints; per user (or IP) for the rest. First:
    True when the request was answered here (429, or 503 when the shared counts are busy).

    With ``session_reader`` (Redis), a signed-in request is counted and its session read in one
    round trip; the read is left in the request's state (``SESSION_READ``) for authentication.
    With ``stamp_reader``, a catalog read also reads the catalog's stamp in that round trip: second
    (None when not read)."""
    path = scope["path"]
    if path.startswith(UNLIMITED_PREFIXES) or not path.startswith("/api/"):
        return False, None
    reader, session, stamp = None, None, None
    if path in AUTH_LIMITED_PATHS:
        rule, key = settings.rate_limit_auth, f"auth:{path}:{client_ip(scope, settings)}"
    else:
        claims = access_claims(scope, codec)
        who = f"user:{claims.subject}" if claims else f"ip:{client_ip(scope, settings)}"
        rule, key = settings.rate_limit_default, f"any:{who}"
        if claims is not None and session_reader is not None and (reader := session_reader()) is not None:
            session = (claims.session_id, claims.subject)
        if stamp_reader is not None and scope.get("method") == "GET" and CATALOG_READS.fullmatch(path):
            stamps = stamp_reader()
            if stamps is not None and (reader is None or reader is stamps):  # one round trip for both
                reader, stamp = stamps, CATALOG_STAMP
    stamp_value = None
    try:
        if reader is not None:
            wait, read, stamp_value = await reader.hit_reading(
                key, limit=rule.limit, window_seconds=rule.window_seconds, session=session, stamp=stamp
            )
            if read is not None:
                scope.setdefault("state", {})[SESSION_READ] = read
        else:
            wait = await limiter().hit(key, limit=rule.limit, window_seconds=rule.window_seconds)
    except Unavailable as e:  # the shared counts are busy: refuse rather than count nowhere
        await _send_json(send, 503, {"detail": e.message}, [])
        return True, None
    except DomainError:
        wait = 0
    if wait:
        await _send_json(
            send,
            429,
            {"detail": "Rate limit exceeded. Please try again later."},
            [(b"retry-after", str(wait).encode())],
        )
        return True, None
    return False, stamp_value


def make_api_middleware(
    settings: Settings,
    limiter: Callable[[], RateLimiter],
    codec: Callable[[], TokenCodec],
    *,
    posts: Callable[[ASGIApp], ASGIApp],
    gets: Callable[[ASGIApp], ASGIApp],
    session_reader: Callable[[], SessionReadingLimiter | None] | None = None,
    stamp_reader: Callable[[], SessionReadingLimiter | None] | None = None,
    metrics: RequestMetrics | None = None,
) -> Callable[[ASGIApp], ASGIApp]:
    """Around each route, in one layer: the request metrics (every route but ``/metrics``), the rate
    limit, then ``posts`` for a POST (``Idempotency-Key``) or ``gets`` for a GET (the public catalog
    cache). The last two never act on the same request, so neither wraps the other: a request passes
    one frame here instead of four (Litestar's Prometheus middleware, rate limit, idempotency, cache)."""

    def middleware(app: ASGIApp) -> ASGIApp:
        post_app, get_app = posts(app), gets(app)

        async def limited(scope: Scope, receive: Receive, send: Send, method: str) -> None:
            answered, stamp = await _rate_limited(
                scope,
                send,
                settings,
                limiter,
                codec,
                session_reader=session_reader,
                stamp_reader=stamp_reader,
            )
            if answered:
                return
            if method == "POST":
                await post_app(scope, receive, send)
            elif method == "GET":
                with stamp_read_ahead(CATALOG_STAMP, stamp):
                    await get_app(scope, receive, send)
            else:
                await app(scope, receive, send)

        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            method = scope["method"]
            if metrics is None or scope["path"].startswith("/metrics"):
                await limited(scope, receive, send, method)
                return
            route = scope.get("path_template") or scope["path"]
            start, status = time.perf_counter(), 500
            running = metrics.started(method, route)

            async def send_counted(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await limited(scope, receive, send_counted, method)
            finally:
                metrics.finished(running, method, route, status, time.perf_counter() - start)

        return handle

    return middleware


def caller_key(scope: Scope, settings: Settings, codec: Callable[[], TokenCodec]) -> str:
    """Who is calling, for counters: the token's user when it verifies, else the client address."""
    claims = access_claims(scope, codec)
    return f"user:{claims.subject}" if claims else f"ip:{client_ip(scope, settings)}"


def access_claims(scope: Scope, codec: Callable[[], TokenCodec]) -> TokenClaims | None:
    """The claims of the request's bearer access token when it verifies."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                try:
                    return codec().decode(token.strip(), TokenKind.ACCESS)
                except DomainError:
                    return None
    return None


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def find_bad_value(value: Any, path: tuple[str | int, ...] = ()) -> tuple[tuple[str | int, ...], str] | None:
    """The first NUL character, non-finite number or integer beyond 64 bits in a decoded JSON value,
    with its path."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return where, "Text must not contain NUL characters"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return where, "Numbers must be finite"
        elif isinstance(item, int) and not isinstance(item, bool):
            if not _INT64_MIN <= item <= _INT64_MAX:  # no column holds it: 422, never a SQL overflow
                return where, "Number is out of range"
        elif isinstance(item, dict):
            for k, v in item.items():
                if isinstance(k, str) and "\x00" in k:
                    return where, "Text must not contain NUL characters"
                stack.append((v, (*where, k)))
        elif isinstance(item, list):
            stack.extend((v, (*where, i)) for i, v in enumerate(item))
    return None


def monotonic_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)

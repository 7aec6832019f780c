"""ASGI middleware: request ids, security headers, rate limits and the body guard."""

from __future__ import annotations

import ipaddress
import math
import time
import uuid
from collections.abc import Callable
from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from lms_domain.identity.ports import TokenCodec, TokenKind
from lms_domain.shared.errors import DomainError
from lms_http.settings import Settings
from lms_platform.rate_limits import RateLimiter

__all__ = [
    "caller_key",
    "client_ip",
    "find_bad_value",
    "make_rate_limit_middleware",
    "make_security_middleware",
]

AUTH_PATHS = frozenset(
    {"/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/mfa/login", "/api/v1/auth/refresh"}
)
UNLIMITED_PREFIXES = ("/api/v1/health", "/api/v1/ready", "/docs", "/openapi.json")


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


def make_security_middleware(settings: Settings) -> Callable[[ASGIApp], ASGIApp]:
    """Request id, security headers, and ``no-store`` on authenticated responses."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            request_id = None
            authenticated = False
            for name, value in scope["headers"]:
                if name == b"x-request-id" and 0 < len(value) <= 128 and value.isascii():
                    request_id = value.decode()
                elif name == b"authorization":
                    authenticated = True
            request_id = request_id or uuid.uuid4().hex
            scope.setdefault("state", {})["request_id"] = request_id
            docs = scope["path"].startswith("/docs")

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                    headers += [
                        (b"x-request-id", request_id.encode()),
                        (b"x-content-type-options", b"nosniff"),
                        (b"referrer-policy", b"no-referrer"),
                        (b"x-frame-options", b"DENY"),
                    ]
                    if not docs:
                        headers.append(
                            (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
                        )
                    if authenticated:
                        headers.append((b"cache-control", b"no-store"))
                    message = {**message, "headers": headers}
                await send(message)

            await app(scope, receive, send_with_headers)

        return handle

    return middleware


def make_rate_limit_middleware(
    settings: Settings, limiter: Callable[[], RateLimiter], codec: Callable[[], TokenCodec]
) -> Callable[[ASGIApp], ASGIApp]:
    """Per client IP and endpoint for the sign-in endpoints; per user (or IP) for the rest."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            path = scope.get("path", "")
            if (
                scope["type"] != ScopeType.HTTP
                or path.startswith(UNLIMITED_PREFIXES)
                or not path.startswith("/api/")
            ):
                await app(scope, receive, send)
                return
            if path in AUTH_PATHS:
                rule, key = settings.rate_limit_auth, f"auth:{path}:{client_ip(scope, settings)}"
            else:
                rule, key = settings.rate_limit_default, f"any:{caller_key(scope, settings, codec)}"
            try:
                wait = await limiter().hit(key, limit=rule.limit, window_seconds=rule.window_seconds)
            except DomainError:
                wait = 0
            if wait:
                await _send_json(
                    send,
                    429,
                    {"detail": "Rate limit exceeded. Please try again later."},
                    [(b"retry-after", str(wait).encode())],
                )
                return
            await app(scope, receive, send)

        return handle

    return middleware


def caller_key(scope: Scope, settings: Settings, codec: Callable[[], TokenCodec]) -> str:
    """Who is calling, for counters: the token's user when it verifies, else the client address."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                try:
                    return f"user:{codec().decode(token.strip(), TokenKind.ACCESS).subject}"
                except DomainError:
                    break
    return f"ip:{client_ip(scope, settings)}"


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

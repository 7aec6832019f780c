"""The outgoing adapter against a real receiver on a local socket (no internet needed)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any

import pytest
from standardwebhooks import Webhook

from lms_adapters.outbound import addresses
from lms_adapters.outbound.check import PublicAddressCheck
from lms_adapters.outbound.sender import HttpSender
from lms_domain.integrations.signing import new_secret, webhook_headers
from lms_domain.shared.outcomes import TryOutcome
from tests.conftest import free_port

TIMEOUT = 1.0
MEGABYTE = 1024 * 1024
ENDLESS_LIMIT = 256 * MEGABYTE


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP/1.1 receiver on 127.0.0.1 whose paths answer as the tests need."""

    port: int = 0
    hits: list[Hit] = field(default_factory=list)
    connections: int = 0
    endless_sent: int = 0
    endless_dropped: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            while line := await reader.readline():
                _, path, _ = line.decode().split(" ", 2)
                headers = {}
                while (header := await reader.readline()) not in (b"\r\n", b""):
                    name, value = header.decode().split(":", 1)
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.hits.append(Hit(path, headers, body))
                await self.answer(path, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def answer(self, path: str, writer: asyncio.StreamWriter) -> None:
        if path.startswith("/status/"):
            await _respond(writer, int(path.removeprefix("/status/")))
        elif path == "/redirect":
            await _respond(writer, 302, extra=f"location: {self.url('/target')}\r\n")
        elif path == "/slow":
            await asyncio.sleep(30)
        elif path == "/drip":
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n")
            for _ in range(100_000):
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(0.05)
        elif path == "/big":
            await _respond(writer, 200, body=b"y" * MEGABYTE)
        elif path == "/endless":
            await self._endless(writer)
        else:
            await _respond(writer, 200, body=b"ok")

    async def _endless(self, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"z" * 64 * 1024)
        try:
            while self.endless_sent < ENDLESS_LIMIT:
                writer.write(chunk)
                await writer.drain()
                self.endless_sent += 64 * 1024
        finally:
            self.endless_dropped.set()


async def _respond(writer: asyncio.StreamWriter, status: int, *, body: bytes = b"", extra: str = "") -> None:
    head = f"HTTP/1.1 {status} Whatever\r\ncontent-length: {len(body)}\r\n{extra}\r\n"
    writer.write(head.encode() + body)
    await writer.drain()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    server = await asyncio.start_server(found.handle, "127.0.0.1", 0)
    found.port = server.sockets[0].getsockname()[1]
    try:
        yield found
    finally:
        server.close()
        for task in found.tasks:
            task.cancel()
        await asyncio.gather(*found.tasks, return_exceptions=True)
        await server.wait_closed()


@pytest.fixture
async def sender() -> AsyncIterator[HttpSender]:
    made = HttpSender(TIMEOUT, allow_private=True)
    yield made
    await made.aclose()


@pytest.fixture
async def guarded() -> AsyncIterator[HttpSender]:
    made = HttpSender(TIMEOUT, allow_private=False)
    yield made
    await made.aclose()


def _delivery(secret: str) -> tuple[bytes, dict[str, str]]:
    event = {"id": "5d1a", "type": "webhook.test", "occurred_at": "2026-01-01T00:00:00Z", "data": {}}
    body = json.dumps(event).encode()
    return body, webhook_headers(secret, message_id="5d1a", timestamp=int(time.time()), body=body)


async def _timed(call: Awaitable[TryOutcome]) -> tuple[TryOutcome, float]:
    started = time.monotonic()
    outcome = await call
    return outcome, time.monotonic() - started


async def test_a_2xx_is_success_and_the_receiver_verifies_it(receiver: Receiver, sender: HttpSender) -> None:
    secret = new_secret()
    body, headers = _delivery(secret)
    assert await sender.send(receiver.url("/hook"), body=body, headers=headers) == TryOutcome(200, None)
    [hit] = receiver.hits
    assert hit.body == body
    assert {name: hit.headers[name] for name in headers} == headers
    assert Webhook(secret).verify(hit.body, hit.headers)["type"] == "webhook.test"
    for status in (204, 299):
        assert await sender.send(receiver.url(f"/status/{status}"), body=body, headers=headers) == TryOutcome(
            status, None
        )


async def test_connections_are_reused(receiver: Receiver, sender: HttpSender) -> None:
    body, headers = _delivery(new_secret())
    for _ in range(3):
        assert (await sender.send(receiver.url("/hook"), body=body, headers=headers)).succeeded
    assert receiver.connections == 1


@pytest.mark.parametrize("status", [500, 404, 418])
async def test_another_status_is_a_failure_with_its_code(
    receiver: Receiver, sender: HttpSender, status: int
) -> None:
    body, headers = _delivery(new_secret())
    outcome = await sender.send(receiver.url(f"/status/{status}"), body=body, headers=headers)
    assert outcome == TryOutcome(status, f"The receiver answered {status}")


async def test_a_redirect_is_a_failure_and_not_followed(receiver: Receiver, sender: HttpSender) -> None:
    body, headers = _delivery(new_secret())
    outcome = await sender.send(receiver.url("/redirect"), body=body, headers=headers)
    assert outcome.status_code == 302 and not outcome.succeeded
    assert outcome.error is not None and "redirect" in outcome.error and "not followed" in outcome.error
    assert receiver.paths() == ["/redirect"]


@pytest.mark.parametrize("path", ["/slow", "/drip"])
async def test_no_answer_in_time_is_a_failure(receiver: Receiver, sender: HttpSender, path: str) -> None:
    body, headers = _delivery(new_secret())
    outcome, took = await _timed(sender.send(receiver.url(path), body=body, headers=headers))
    assert outcome == TryOutcome(None, "Timed out after 1 s")
    assert TIMEOUT - 0.1 <= took < TIMEOUT + 1


async def test_a_refused_connection_is_a_failure(sender: HttpSender) -> None:
    body, headers = _delivery(new_secret())
    outcome, took = await _timed(sender.send(f"http://127.0.0.1:{free_port()}/", body=body, headers=headers))
    assert outcome.status_code is None
    assert outcome.error is not None and outcome.error.startswith("Could not connect: ")
    assert took < TIMEOUT + 1


async def test_a_large_answer_is_not_read_whole(receiver: Receiver, sender: HttpSender) -> None:
    body, headers = _delivery(new_secret())
    outcome, took = await _timed(sender.send(receiver.url("/big"), body=body, headers=headers))
    assert outcome == TryOutcome(200, None) and took < TIMEOUT
    outcome, took = await _timed(sender.send(receiver.url("/endless"), body=body, headers=headers))
    assert outcome == TryOutcome(200, None) and took < TIMEOUT
    await asyncio.wait_for(receiver.endless_dropped.wait(), 5)
    assert receiver.endless_sent < 64 * MEGABYTE  # the connection was dropped, not drained


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_without_private_addresses_loopback_is_refused_at_connect(
    receiver: Receiver, guarded: HttpSender, host: str
) -> None:
    body, headers = _delivery(new_secret())
    outcome = await guarded.send(receiver.url("/hook", host), body=body, headers=headers)
    assert outcome.status_code is None
    assert outcome.error is not None and outcome.error.startswith("Refused: ")
    assert outcome.error.endswith("is not a public address")
    if host == "localhost":
        assert outcome.error.startswith("Refused: localhost resolves to ")
    assert receiver.hits == [] and receiver.connections == 0


async def test_the_sender_connects_to_the_address_it_checked(
    receiver: Receiver, guarded: HttpSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name resolves to an allowed address once, then to another. The request
    reaches the first (the one checked), under its name, and the name is looked up once."""
    loop = asyncio.get_running_loop()
    real: Callable[..., Awaitable[list[Any]]] = loop.getaddrinfo
    lookups: list[str] = []

    async def rebinding(host: Any, port: Any, **kwargs: Any) -> list[Any]:
        if host != "rebind.test":
            return await real(host, port, **kwargs)
        lookups.append(host)
        address = "127.0.0.1" if len(lookups) == 1 else "127.0.0.2"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(loop, "getaddrinfo", rebinding)
    monkeypatch.setattr(addresses, "is_public", lambda address: address == IPv4Address("127.0.0.1"))
    body, headers = _delivery(new_secret())
    assert await guarded.send(receiver.url("/hook", "rebind.test"), body=body, headers=headers) == TryOutcome(
        200, None
    )
    assert lookups == ["rebind.test"]
    assert receiver.hits[0].headers["host"] == f"rebind.test:{receiver.port}"


async def test_a_host_that_does_not_resolve_fails_at_connect(guarded: HttpSender) -> None:
    body, headers = _delivery(new_secret())
    outcome = await guarded.send("http://nonexistent.invalid/", body=body, headers=headers)
    assert outcome == TryOutcome(None, "Could not connect: nonexistent.invalid does not resolve")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1/", "Refused: 127.0.0.1 is not a public address"),
        ("http://[::1]:8080/", "Refused: ::1 is not a public address"),
        ("http://10.1.2.3/hook", "Refused: 10.1.2.3 is not a public address"),
        ("http://localhost/", "Refused: localhost resolves to "),
        ("ftp://example.com/", "Only http and https URLs can receive deliveries"),
        ("http://user:pw@example.com/", "A user name or password in the URL is not allowed"),
        ("http:///hook", "The URL has no host"),
        ("http://nonexistent.invalid/", "nonexistent.invalid does not resolve"),
    ],
)
async def test_the_address_check_refuses_with_a_reason(url: str, why: str) -> None:
    refusal = await PublicAddressCheck(allow_private=False).refusal(url)
    assert refusal is not None and refusal.startswith(why)


@pytest.mark.parametrize("url", ["https://93.184.215.14/", "http://[2606:4700::1111]:8443/hooks?x=1"])
async def test_the_address_check_accepts_a_public_literal_without_a_lookup(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_lookup(*args: Any, **kwargs: Any) -> list[Any]:
        raise AssertionError("looked up")

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", no_lookup)
    assert await PublicAddressCheck(allow_private=False).refusal(url) is None


async def test_private_addresses_allowed_still_want_http_and_no_userinfo() -> None:
    check = PublicAddressCheck(allow_private=True)
    assert await check.refusal("http://127.0.0.1:9000/hook") is None
    assert await check.refusal("http://receiver/hook") is None
    assert await check.refusal("file:///etc/passwd") is not None
    assert await check.refusal("http://a:b@127.0.0.1/") is not None


async def test_the_sender_never_raises_for_a_bad_url(sender: HttpSender) -> None:
    outcome = await sender.send("ftp://example.com/", body=b"{}", headers={})
    assert outcome.status_code is None and outcome.error is not None

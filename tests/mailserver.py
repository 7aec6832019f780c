"""A real SMTP server for tests (aiosmtpd in its own thread, so sync and async tests can use it):
it keeps every message it accepts, parsed, with its envelope and whether TLS and a login carried
it. Options: STARTTLS or TLS from the start with a certificate from a test CA (``ca``, and
``client_tls_context()`` that trusts it), AUTH with one user name and password, recipients refused.

    with MailServer(starttls=True, username="mailer", password="p@ss") as server:
        ... SmtpSettings.from_url(server.url), tls_context=server.client_tls_context() ...
        [message] = server.wait_for(1)
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["MailServer", "ReceivedMessage", "silent_server", "unused_port"]

HOST = "127.0.0.1"


class ReceivedMessage(EmailMessage):
    """A message as the server got it (``email.policy.default``), with its envelope."""

    envelope_from: str = ""
    envelope_to: tuple[str, ...] = ()
    tls: bool = False  # the message came over TLS (STARTTLS or from the start)
    login: str | None = None  # the user name that logged in, if any


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self._server = server

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if (reply := self._server.reject_recipients) is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content
        assert content is not None
        received = BytesParser(_class=ReceivedMessage, policy=default).parsebytes(content)
        assert isinstance(received, ReceivedMessage)
        received.envelope_from = envelope.mail_from or ""
        received.envelope_to = tuple(envelope.rcpt_tos)
        transport = server.transport
        received.tls = transport is not None and transport.get_extra_info("ssl_object") is not None
        received.login = session.auth_data if isinstance(session.auth_data, str) else None
        self._server._keep(received)
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's controller on a port the system picks (no race for a "free" port)."""

    def factory(self) -> SMTP:
        # aiosmtpd warns when AUTH does not wait for STARTTLS: wrong with TLS from the start (which
        # it does not count), and asked for when a test wants AUTH over plain text
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
            return SMTP(self.handler, **self.SMTP_kwargs)

    def _create_server(self) -> Any:
        return self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=0, ssl=self.ssl_context
        )

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class MailServer:
    """The server, started by ``with`` (or ``start()``/``stop()``); ``messages`` is what it
    accepted so far. ``reject_recipients`` (a reply such as ``"550 5.1.1 No such user"``, or None)
    may be changed at any time. ``eight_bit_mime=False`` makes a server that does not offer 8BITMIME
    (clients must send 7-bit). ``reject_login_with`` replaces the reply to a failed login."""

    def __init__(
        self,
        *,
        starttls: bool = False,
        implicit_tls: bool = False,
        username: str | None = None,
        password: str | None = None,
        eight_bit_mime: bool = True,
        reject_login_with: str | None = None,
    ) -> None:
        if starttls and implicit_tls:
            raise ValueError("STARTTLS or TLS from the start, not both")
        self.starttls, self.implicit_tls = starttls, implicit_tls
        self.username, self.password = username, password
        self.reject_recipients: str | None = None
        self._reject_login_with = reject_login_with
        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []
        self.ca = trustme.CA()
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(HOST, "localhost").configure_cert(server_context)
        smtp_options: dict[str, Any] = {"server_hostname": "mail.test", "decode_data": not eight_bit_mime}
        if starttls:
            smtp_options["tls_context"] = server_context
        if username is not None:
            smtp_options.update(
                authenticator=self._authenticate,
                auth_required=True,
                # aiosmtpd counts only STARTTLS as TLS: with TLS from the start, AUTH must not wait
                auth_require_tls=starttls,
            )
        self._controller = _Controller(
            _Handler(self),
            hostname=HOST,
            ssl_context=server_context if implicit_tls else None,
            **smtp_options,
        )

    @property
    def port(self) -> int:
        port: int = self._controller.port
        return port

    @property
    def url(self) -> str:
        """``smtp://`` or ``smtps://``, with the user name and password (percent-encoded) if any."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        credentials = ""
        if self.username is not None:
            credentials = quote(self.username, safe="")
            if self.password is not None:
                credentials += ":" + quote(self.password, safe="")
            credentials += "@"
        return f"{scheme}://{credentials}{HOST}:{self.port}"

    def client_tls_context(self) -> ssl.SSLContext:
        """A client context that trusts the server's certificate (and only that CA)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # checks the certificate and the host name
        self.ca.configure_trust(context)
        return context

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """The messages once there are at least ``count``; AssertionError after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while len(got := self.messages) < count:
            if time.monotonic() >= deadline:
                raise AssertionError(f"the mail server got {len(got)} messages, not {count}, in {timeout} s")
            time.sleep(0.01)
        return got

    def _keep(self, message: ReceivedMessage) -> None:
        with self._lock:
            self._messages.append(message)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if (
            isinstance(auth_data, LoginPassword)
            and self.username is not None
            and auth_data.login == self.username.encode()
            and auth_data.password == (self.password or "").encode()
        ):
            return AuthResult(success=True, auth_data=self.username)
        if self._reject_login_with is not None:
            return AuthResult(success=False, handled=False, message=self._reject_login_with)
        return AuthResult(success=False, handled=False)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def unused_port() -> int:
    """A port nothing listens on (as far as anyone can tell): connecting to it is refused."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
    return port


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """An ``smtp://`` URL whose server accepts connections and never says a word (the kernel
    completes the handshake for a listening socket that never accepts)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        s.listen(8)
        yield f"smtp://{HOST}:{s.getsockname()[1]}"

"""Sending through an SMTP server with aiosmtplib: one connection per message.

``LMS_SMTP_URL`` names the server: ``smtp://[user:password@]host[:port]`` upgrades with STARTTLS
when the server offers it (port 587 by default), ``smtps://`` speaks TLS from the start (port 465
by default); user and password are percent-decoded. The server's failures are outcomes, never
exceptions: a reply code when it answered, ``None`` when it could not be reached, timed out or the
TLS handshake failed. Error texts are short and never hold the password.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import aiosmtplib

from lms_adapters.mail.message import build_message
from lms_domain.mail.entities import MailMessage, one_address
from lms_domain.shared.outcomes import TryOutcome

__all__ = ["SmtpMailer", "SmtpSettings"]

_DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
_FORM = "smtp://[user:password@]host[:port] or smtps://[user:password@]host[:port]"
_MAX_ERROR = 500


def _bad_url(why: str) -> ValueError:
    # never the URL itself: it may hold the password
    return ValueError(f"LMS_SMTP_URL must look like {_FORM}: {why}")


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpSettings:
    """Where and how to reach the SMTP server (the password is left out of ``repr``)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    implicit_tls: bool = False
    timeout_seconds: float = 10.0

    @classmethod
    def from_url(cls, url: str, *, timeout_seconds: float = 10.0) -> SmtpSettings:
        """The settings named by ``LMS_SMTP_URL``; ``ValueError`` naming it for a URL that is not
        one (another scheme, no host, a bad port, a path, query or fragment)."""
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise _bad_url("the scheme is neither smtp nor smtps")
        host = parts.hostname
        if not host:
            raise _bad_url("the host is missing")
        if any(c.isspace() or not c.isprintable() for c in host):
            raise _bad_url("the host has spaces or control characters")
        try:
            port = parts.port
        except ValueError:
            port = 0
        if port == 0 or (port is None and parts.netloc.endswith(":")):
            raise _bad_url("the port must be a number from 1 to 65535")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise _bad_url("it takes no path, query or fragment")
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if username is None and password is not None:
            raise _bad_url("a password needs a user name")
        return cls(
            host=host,
            port=port or _DEFAULT_PORTS[scheme],
            username=username,
            password=password,
            implicit_tls=scheme == "smtps",
            timeout_seconds=timeout_seconds,
        )


class SmtpMailer:
    """Implements ``Mailer`` over SMTP: ``From`` is ``sender``, the envelope sender its address.
    STARTTLS is used when the server offers it (TLS from the start with ``implicit_tls``), with
    ``tls_context`` to check the server's certificate (the system's trust store by default); the
    login happens when the settings have a user name, and then STARTTLS is required: credentials
    never cross the network in the clear (a server that does not offer it fails the try).
    ``timeout_seconds`` bounds the whole exchange.

    ``ValueError`` (raised) for a sender that is not one address (a ``MailMessage`` cannot be made
    with a recipient or subject that could not be sent)."""

    def __init__(
        self, settings: SmtpSettings, *, sender: str, tls_context: ssl.SSLContext | None = None
    ) -> None:
        address = one_address(sender, "sender (LMS_MAIL_FROM)")
        self._settings, self._sender, self._tls_context = settings, sender, tls_context
        self._envelope_sender, self._domain = address.addr_spec, address.domain

    async def send(self, message: MailMessage) -> TryOutcome:
        built = build_message(message, sender=self._sender, domain=self._domain)
        recipient = one_address(message.to, "recipient").addr_spec
        settings = self._settings
        start_tls = False if settings.implicit_tls else (True if settings.username else None)
        try:
            async with asyncio.timeout(settings.timeout_seconds):
                await aiosmtplib.send(
                    built,
                    sender=self._envelope_sender,
                    recipients=[recipient],
                    hostname=settings.host,
                    port=settings.port,
                    username=settings.username,
                    password=settings.password,
                    use_tls=settings.implicit_tls,
                    start_tls=start_tls,  # None: when offered
                    tls_context=self._tls_context,
                    timeout=settings.timeout_seconds,
                )
        except aiosmtplib.SMTPRecipientsRefused as e:
            refused = e.recipients[0]
            return self._answered(refused.code, refused.message)
        except aiosmtplib.SMTPResponseException as e:
            return self._answered(e.code, e.message)
        except TimeoutError:  # aiosmtplib's own timeouts are TimeoutErrors too
            return TryOutcome(status_code=None, error=f"Timed out after {settings.timeout_seconds:g} s")
        except ssl.SSLError as e:
            return TryOutcome(status_code=None, error=self._short(f"The TLS handshake failed: {e}"))
        except (aiosmtplib.SMTPException, OSError) as e:
            detail = (e.message if isinstance(e, aiosmtplib.SMTPException) else str(e)) or type(e).__name__
            return TryOutcome(
                status_code=None, error=self._short(f"Could not send through the mail server: {detail}")
            )
        return TryOutcome(status_code=250, error=None)

    def _answered(self, code: int, reply: str) -> TryOutcome:
        return TryOutcome(status_code=code, error=self._short(f"The mail server answered {code}: {reply}"))

    def _short(self, text: str) -> str:
        """One line of at most 500 characters, without the password."""
        if self._settings.password:  # first: the password may hold whitespace
            text = text.replace(self._settings.password, "***")
        text = " ".join(text.split())
        return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 1] + "…"

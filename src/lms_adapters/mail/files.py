"""Mail kept as files, for an embedded setup without a mail server: each message becomes an
``.eml`` file (RFC 5322, CRLF line ends) that any mail client opens."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from datetime import UTC, datetime
from email.policy import SMTP
from pathlib import Path

from lms_adapters.mail.message import build_message
from lms_domain.mail.entities import MailMessage, one_address
from lms_domain.shared.outcomes import TryOutcome

__all__ = ["FileMailer"]


class FileMailer:
    """Implements ``Mailer`` by writing each message to ``directory`` (made, mode 0o700, when
    missing) as ``<UTC time>-<random>.eml``, so names sort by time. The file appears whole or not
    at all: it is written under a hidden temporary name in the same directory, then renamed.
    A failure to write is the outcome (``None``, "Could not write ..."), never an exception.

    The text is written as it is (8-bit UTF-8, not quoted-printable), so the links in a file read
    as they are. ``ValueError`` (raised) for a sender that is not one address."""

    def __init__(self, directory: Path, *, sender: str) -> None:
        self._directory, self._sender = directory, sender
        self._domain = one_address(sender, "sender (LMS_MAIL_FROM)").domain

    async def send(self, message: MailMessage) -> TryOutcome:
        built = build_message(message, sender=self._sender, domain=self._domain, eight_bit=True)
        data = built.as_bytes(policy=SMTP)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(4)}.eml"
        try:
            await asyncio.to_thread(self._write, name, data)
        except OSError as e:
            detail = e.strerror or str(e) or type(e).__name__
            return TryOutcome(
                status_code=None, error=f"Could not write the message to {self._directory}: {detail}"[:500]
            )
        return TryOutcome(status_code=250, error=None)

    def _write(self, name: str, data: bytes) -> None:
        self._directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = self._directory / f".{name}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self._directory / name)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise

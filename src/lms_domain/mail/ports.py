"""What mail needs from the outside: tokens stored, messages queued with the change, a mailer."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms_domain.mail.entities import EmailToken, MailMessage, TokenPurpose
from lms_domain.shared.outcomes import TryOutcome

__all__ = ["EmailTokenRepository", "MailOutbox", "Mailer", "PasswordResetJobs"]


class EmailTokenRepository(Protocol):
    async def add(self, token: EmailToken) -> None: ...

    async def find(self, token_hash: str, purpose: TokenPurpose, *, now: datetime) -> EmailToken | None:
        """The token with this hash and purpose, when it is neither used nor expired."""
        ...

    async def use(self, token_id: UUID, *, now: datetime) -> bool:
        """Marks the token used when it is still usable; True for exactly one of racing callers."""
        ...

    async def retire(self, user_id: UUID, purpose: TokenPurpose, *, now: datetime) -> None:
        """Ends every still-usable token of the user for ``purpose`` (a newer one replaces them)."""
        ...

    async def count_since(self, user_id: UUID, purpose: TokenPurpose, since: datetime) -> int:
        """How many tokens of ``purpose`` the user was given from ``since`` on."""
        ...


class MailOutbox(Protocol):
    """Messages queued in the unit of work's transaction: sent after it commits, never if it rolls
    back."""

    async def queue(self, message: MailMessage, *, at: datetime) -> None: ...


class Mailer(Protocol):
    """Hands one message to the mail system. Never raises for the mail system's failures, which
    are the outcome: ``status_code`` is the SMTP reply (250 when accepted)."""

    async def send(self, message: MailMessage) -> TryOutcome: ...


class PasswordResetJobs(Protocol):
    """A reset request handed to the background, so that answering it does the same work whether
    or not the address has an account."""

    async def request_reset(self, email: str) -> None: ...

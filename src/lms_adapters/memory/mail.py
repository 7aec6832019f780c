"""A mailer that keeps what it is given: for unit tests and for embedders' own test suites."""

from __future__ import annotations

from lms_domain.mail.entities import MailMessage
from lms_domain.shared.outcomes import TryOutcome

__all__ = ["MemoryMailer"]


class MemoryMailer:
    """Implements ``Mailer``: keeps each message in ``sent`` and answers 250, or, while
    ``fail_with`` is set, answers that instead and keeps nothing (an outage)."""

    def __init__(self) -> None:
        self.sent: list[MailMessage] = []
        self.fail_with: TryOutcome | None = None

    async def send(self, message: MailMessage) -> TryOutcome:
        if self.fail_with is not None:
            return self.fail_with
        self.sent.append(message)
        return TryOutcome(status_code=250, error=None)

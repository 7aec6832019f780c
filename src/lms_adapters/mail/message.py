"""A ``MailMessage`` as an RFC 5322 message: the headers, a plain-text part that carries all of the
content, and the HTML rendering as its alternative when there is one.

Header injection is impossible: a recipient or subject with a line break or another control
character cannot be made into a ``MailMessage``, and a sender with one is refused here, before any
header is set (the ``email`` policy refuses line breaks too, but lets NUL and DEL through).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import default
from email.utils import formatdate, make_msgid

from lms_domain.mail.entities import MailMessage, one_address

__all__ = ["build_message"]


def build_message(message: MailMessage, *, sender: str, domain: str, eight_bit: bool = False) -> EmailMessage:
    """The message from ``sender`` (a ``From`` value) to ``message.to``, dated now (UTC), with a
    Message-ID in ``domain``; its text 8-bit with ``eight_bit`` (for a file), else whatever 7-bit
    encoding suits it. ``ValueError`` for a sender that could smuggle a header in or is not exactly
    one address (a ``MailMessage`` cannot be made with such a recipient or subject)."""
    one_address(sender, "sender")  # the recipient and subject were checked making the message
    built = EmailMessage(policy=default)
    built["From"] = sender
    built["To"] = message.to
    built["Subject"] = message.subject
    built["Date"] = formatdate(usegmt=True)
    built["Message-ID"] = make_msgid(domain=domain)
    built["MIME-Version"] = "1.0"
    cte = "8bit" if eight_bit else None
    built.set_content(message.text, subtype="plain", charset="utf-8", cte=cte)
    if message.html is not None:
        built.add_alternative(message.html, subtype="html", charset="utf-8", cte=cte)
    return built

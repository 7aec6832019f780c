"""A message to send, and the one-time tokens that mail carries (stored only as hashes)."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.policy import default
from enum import StrEnum
from uuid import UUID

__all__ = [
    "EmailToken",
    "MailMessage",
    "TokenPurpose",
    "check_header_value",
    "hash_token",
    "new_token",
    "one_address",
]


@dataclass(frozen=True, slots=True)
class MailMessage:
    """One message to one address: ``text`` carries all of its content, links included; ``html``
    is an optional second rendering of the same content. ``ValueError`` for a recipient that is not
    exactly one address, or a recipient or subject with a line break or another control character
    (which could smuggle a header in)."""

    to: str
    subject: str
    text: str
    html: str | None = None

    def __post_init__(self) -> None:
        one_address(self.to, "recipient")
        check_header_value(self.subject, "subject")


# control characters (C0, DEL, C1) and the line and paragraph separators; a tab is allowed
_REFUSED_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def check_header_value(value: str, what: str) -> None:
    """Refuses (``ValueError``) a header value with a line break or another control character."""
    if any(unicodedata.category(c) in _REFUSED_CATEGORIES and c != "\t" for c in value):
        raise ValueError(f"The {what} must not contain line breaks or other control characters")


def one_address(value: str, what: str) -> Address:
    """The one address of a header value such as ``Zoë <zoe@example.com>`` or ``zoe@example.com``;
    ``ValueError`` when it has a control character, is not exactly one address, or is malformed."""
    check_header_value(value, what)
    header = default.header_factory("To", value)
    addresses: tuple[Address, ...] = header.addresses
    if len(addresses) != 1 or header.defects or not addresses[0].username or not addresses[0].domain:
        raise ValueError(f"The {what} must be exactly one e-mail address")
    return addresses[0]


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"

    @property
    def lifetime(self) -> timedelta:
        return _LIFETIMES[self]


_LIFETIMES = {
    TokenPurpose.VERIFY_EMAIL: timedelta(hours=48),
    TokenPurpose.RESET_PASSWORD: timedelta(minutes=30),
}


def new_token() -> str:
    """A URL-safe token of 256 random bits: what the link in the message carries."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What is stored of a token: its SHA-256 (hex). Tokens are long random strings, so a fast hash
    is enough; a lookup by hash is an index lookup, and comparing happens in the database."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailToken:
    id: UUID
    user_id: UUID
    purpose: TokenPurpose
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(cls, *, id: UUID, user_id: UUID, purpose: TokenPurpose, at: datetime) -> tuple[EmailToken, str]:
        """A new token for ``user_id``: the stored record and the token itself (for the message)."""
        token = new_token()
        record = cls(
            id=id,
            user_id=user_id,
            purpose=purpose,
            token_hash=hash_token(token),
            created_at=at,
            expires_at=at + purpose.lifetime,
        )
        return record, token

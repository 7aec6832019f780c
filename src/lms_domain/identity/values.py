"""Value rules for identity: e-mail addresses, names and the password policy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from lms_domain.shared.errors import InvalidField

__all__ = ["FullName", "normalize_email", "validate_password"]

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
PASSWORD_MIN, PASSWORD_MAX = 8, 128


def normalize_email(raw: str, field: str = "email") -> str:
    """Trim and lower-case an address; reject what is not one (RFC 5321 limits)."""
    email = raw.strip().lower()
    local, _, domain = email.rpartition("@")
    if len(email) > 254 or len(local) > 64 or not _EMAIL.match(email) or not domain:
        raise InvalidField(field, "value is not a valid email address", "value_error.email")
    return email


@dataclass(frozen=True, slots=True)
class FullName:
    value: str

    @classmethod
    def parse(cls, raw: str, field: str = "full_name") -> FullName:
        name = raw.strip()
        if not 1 <= len(name) <= 255:
            raise InvalidField(field, "full_name must be 1-255 characters", "value_error.length")
        return cls(name)


@lru_cache(maxsize=1)
def _breached() -> frozenset[str]:
    text = resources.files("lms_domain.identity").joinpath("breached_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def is_breached(password: str) -> bool:
    """True for a commonly breached password, also with digits or symbols appended to one."""
    lowered = password.lower()
    stem = lowered.rstrip("0123456789!@#$%^&*.?_-")
    return lowered in _breached() or (len(stem) >= 4 and stem in _breached())


def validate_password(password: str, field: str = "password") -> None:
    """The reference's rule (8+ characters, upper, lower, digit), at most 128, not breached."""
    if len(password) < PASSWORD_MIN:
        raise InvalidField(field, "password must have at least 8 characters", "value_error.password")
    if len(password) > PASSWORD_MAX:
        raise InvalidField(field, "password must have at most 128 characters", "value_error.password")
    if not (
        any(c.isupper() for c in password)
        and any(c.islower() for c in password)
        and any(c.isdigit() for c in password)
    ):
        raise InvalidField(
            field,
            "password must contain an upper-case letter, a lower-case letter and a digit",
            "value_error.password",
        )
    if is_breached(password):
        raise InvalidField(
            field,
            "this password appears in lists of breached passwords; choose another",
            "value_error.password",
        )

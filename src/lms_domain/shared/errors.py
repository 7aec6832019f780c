"""Domain errors. The HTTP layer maps each class to one status code."""

from __future__ import annotations

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "InvalidField",
    "InvalidRequest",
    "Locked",
    "NotFound",
    "RateLimited",
    "TooLarge",
    "Unauthorized",
    "Unavailable",
    "UnsupportedMediaType",
]


class DomainError(Exception):
    """Base of every rule violation the domain reports."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(DomainError):
    """The request is well formed but breaks a rule (400)."""


class InvalidField(DomainError):
    """One field's value breaks a validation rule (422, pointing at the field)."""

    def __init__(self, field: str, message: str, kind: str = "value_error") -> None:
        super().__init__(message)
        self.field = field
        self.kind = kind


class Unauthorized(DomainError):
    """Credentials are missing, wrong, expired or revoked (401)."""


class Forbidden(DomainError):
    """The caller is known but may not do this (403)."""


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does (404)."""


class Conflict(DomainError):
    """The request conflicts with the current state (409)."""


class Locked(DomainError):
    """The account is temporarily locked (423)."""


class RateLimited(DomainError):
    """Too many requests (429)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooLarge(DomainError):
    """The payload is larger than allowed (413)."""


class UnsupportedMediaType(DomainError):
    """The content type is not accepted (415)."""


class Unavailable(DomainError):
    """A backing service does not answer (503)."""

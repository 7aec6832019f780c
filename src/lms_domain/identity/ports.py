"""What identity needs from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from lms_domain.identity.entities import User
from lms_domain.shared.actors import Role
from lms_domain.shared.pagination import PageRequest

__all__ = [
    "EmailTaken",
    "IdentityUnitOfWork",
    "LoginThrottle",
    "PasswordHasher",
    "RateLimiter",
    "RotateOutcome",
    "SessionStore",
    "TokenClaims",
    "TokenCodec",
    "TokenKind",
    "TotpService",
    "UserRepository",
]


class EmailTaken(Exception):
    """Raised by ``UserRepository.add`` when the address is already registered."""


class UserRepository(Protocol):
    async def get(self, user_id: UUID) -> User | None: ...
    async def get_by_email(self, email: str) -> User | None: ...
    async def add(self, user: User) -> None:
        """Insert; raises ``EmailTaken`` (a unique constraint decides)."""
        ...

    async def update(self, user: User) -> None: ...
    async def list(
        self, *, page: PageRequest, role: Role | None = None, query: str | None = None
    ) -> tuple[Sequence[User], int]: ...


class IdentityUnitOfWork(Protocol):
    @property
    def users(self) -> UserRepository: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    async def commit(self) -> None: ...


class PasswordHasher(Protocol):
    """Slow, salted hashing (argon2id); implementations keep it off the event loop."""

    async def hash(self, password: str) -> str: ...
    async def verify(self, password_hash: str, password: str) -> bool: ...


class TokenKind(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    subject: UUID
    token_id: UUID
    session_id: UUID
    kind: TokenKind
    issued_at: datetime
    expires_at: datetime


class TokenCodec(Protocol):
    def encode(self, claims: TokenClaims) -> str: ...
    def decode(self, token: str, kind: TokenKind) -> TokenClaims:
        """Verify signature, algorithm, expiry and kind; raise ``Unauthorized`` otherwise."""
        ...


class RotateOutcome(StrEnum):
    ROTATED = "rotated"
    REUSED = "reused"  # an already-used refresh token: the whole session is now revoked
    REVOKED = "revoked"  # the session was revoked or is unknown


class SessionStore(Protocol):
    """Logins ("sessions"): the current refresh token of each, and revocation.

    An access token is valid while its session is; so revoking a session revokes
    both tokens of that login at once.
    """

    async def open(
        self, *, session_id: UUID, user_id: UUID, refresh_id: UUID, expires_at: datetime
    ) -> None: ...
    async def rotate(
        self, *, session_id: UUID, presented_refresh_id: UUID, new_refresh_id: UUID, expires_at: datetime
    ) -> RotateOutcome:
        """Atomically replace the current refresh id if ``presented`` is it."""
        ...

    async def is_active(self, session_id: UUID) -> bool: ...
    async def revoke(self, session_id: UUID) -> None: ...
    async def revoke_user(self, user_id: UUID, *, keep: UUID | None = None) -> None:
        """Revoke every session of the user except ``keep``."""
        ...

    async def use_totp_step(self, user_id: UUID, step: int) -> bool:
        """Record a used TOTP time step; False if it was used already (replay)."""
        ...


class LoginThrottle(Protocol):
    """Consecutive failed logins per key (an e-mail address), and the lock they cause."""

    async def is_locked(self, key: str) -> bool: ...
    async def record_failure(self, key: str, *, threshold: int, lock_seconds: int) -> bool:
        """Count a failure; lock the key when the count reaches ``threshold``. True if now locked."""
        ...

    async def reset(self, key: str) -> None: ...


class RateLimiter(Protocol):
    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int:
        """Count one request; 0 if allowed, else the seconds until the window resets.

        Raises ``Unavailable`` when the count can be neither kept nor fallen back on (a busy store).
        """
        ...


class TotpService(Protocol):
    def new_secret(self) -> str: ...
    def provisioning_uri(self, secret: str, account: str) -> str: ...
    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        """The time step the code is valid for (allowing one step of drift), or None."""
        ...

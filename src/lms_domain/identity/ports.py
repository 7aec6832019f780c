"""What identity needs from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from lms_domain.identity.entities import CallerState, User
from lms_domain.mail.ports import EmailTokenRepository, MailOutbox
from lms_domain.shared.actors import Role
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.ports import ReadOnlyUnitOfWork, UnitOfWork

__all__ = [
    "CALLER_HOLD_SECONDS",
    "CALLER_KEEP_SECONDS",
    "EmailTaken",
    "IdentityReader",
    "IdentityUnitOfWork",
    "LiveSession",
    "LoginThrottle",
    "PasswordHasher",
    "RotateOutcome",
    "SessionRead",
    "SessionStore",
    "TokenClaims",
    "TokenCodec",
    "TokenKind",
    "TotpService",
    "UserReader",
    "UserRepository",
]


CALLER_HOLD_SECONDS = 600
"""How long a hold keeps a user's state out of a session store that keeps copies: longer than any
transaction of a change takes to commit (a hold whose settle never came, because the store failed
after the commit, lapses then, and the next request that reads the user keeps its state again)."""
CALLER_KEEP_SECONDS = 86_400
"""How long a kept copy lives without a change (one read of the user brings it back)."""


class EmailTaken(Exception):
    """Raised by ``UserRepository.add`` when the address is already registered."""


class UserReader(Protocol):
    async def get(self, user_id: UUID) -> User | None: ...
    async def get_by_email(self, email: str) -> User | None: ...
    async def list(
        self, *, page: PageRequest, role: Role | None = None, query: str | None = None
    ) -> tuple[Sequence[User], int]: ...


class UserRepository(UserReader, Protocol):
    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        """``for_update``: the row stays locked until the unit of work ends (read it this way
        before changing it: ``update`` writes the whole row back)."""
        ...

    async def lock_active_admins(self, *, and_user: UUID | None = None) -> Sequence[UUID]:
        """The ids of every active admin, each row locked until the unit of work ends (always in
        the same order, before any other user row: changes that may leave no active admin
        queue behind each other). ``and_user``: the row of the user the change is about is
        locked in the same ordered pass, whatever that user's role (never after it: a row a pass
        re-checked and left out can stay locked, so a lock taken after the pass could close a
        cycle with another pass)."""
        ...

    async def add(self, user: User) -> None:
        """Insert; raises ``EmailTaken`` (a unique constraint decides)."""
        ...

    async def update(self, user: User) -> None:
        """Write the whole row: only for a user read with ``for_update=True`` in this unit of work."""
        ...

    async def record_login(self, user_id: UUID, at: datetime) -> User | None:
        """Set ``last_login_at`` alone (one column: it never undoes another change) and answer the
        row as this write left it (locked until the commit); None for no such (or an erased) user."""
        ...


class IdentityReader(ReadOnlyUnitOfWork, Protocol):
    @property
    def users(self) -> UserReader: ...


class IdentityUnitOfWork(IdentityReader, UnitOfWork, Protocol):
    @property
    def users(self) -> UserRepository: ...
    @property
    def email_tokens(self) -> EmailTokenRepository: ...
    @property
    def mail(self) -> MailOutbox: ...


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


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A live session: its user, the credentials version it was opened with, and the user's
    ``CallerState`` as the store knows it. ``caller`` None: the store does not know it (never
    kept, expired, or a change to the user is under way): read the user."""

    user_id: UUID
    credentials_version: int
    caller: CallerState | None


@dataclass(frozen=True, slots=True)
class SessionRead:
    """What the session store said of one session, read ahead in the round trip that counted the
    request for the rate limit (``live`` None: not live)."""

    session_id: UUID
    live: LiveSession | None


class SessionStore(Protocol):
    """Logins ("sessions"): the current refresh token of each, and revocation.

    An access token is valid while its session is; so revoking a session revokes
    both tokens of that login at once. Each session remembers the user's credentials version
    it was opened with: once the user's version moves on (a password change, a deactivation),
    the session is refused, whatever this store still says.

    The store also answers with the user's ``CallerState`` (``live``), so that authenticating
    a request reads no user: a store in the users' own database reads it with the session in one
    statement; a store elsewhere keeps a copy per user, which every change to those fields keeps
    in step: ``hold_caller`` before the change commits (the copy is dropped, and no copy is kept
    until the change settles: requests read the user meanwhile), ``settle_caller`` after it.
    """

    async def open(
        self,
        *,
        session_id: UUID,
        user_id: UUID,
        refresh_id: UUID,
        expires_at: datetime,
        credentials_version: int,
    ) -> None: ...
    async def rotate(
        self, *, session_id: UUID, presented_refresh_id: UUID, new_refresh_id: UUID, expires_at: datetime
    ) -> RotateOutcome:
        """Atomically replace the current refresh id if ``presented`` is it."""
        ...

    async def live_version(self, session_id: UUID) -> int | None:
        """The credentials version of a live session; None when it is revoked, expired or unknown."""
        ...

    async def live(self, session_id: UUID, *, user_id: UUID) -> LiveSession | None:
        """A live session of ``user_id`` with the user's state if the store knows it; None when the
        session is revoked, expired, unknown or another user's."""
        ...

    async def hold_caller(self, user_id: UUID) -> str:
        """Before a change to the user's role, activity, verified address or credentials commits:
        drop the state kept for the user and keep none until ``settle_caller`` with the hold
        returned (or until the hold lapses, after ``CALLER_HOLD_SECONDS``). Raises ``Unavailable``
        when the store does not answer: the change must then not commit."""
        ...

    async def settle_caller(self, state: CallerState, *, hold: str) -> None:
        """After the change committed: keep ``state``, unless another change held the user since."""
        ...

    async def offer_caller(self, state: CallerState) -> None:
        """Keep a state just read from the users' database, only when nothing is kept for the
        user and no change holds it."""
        ...

    async def carry_over(self, session_id: UUID, credentials_version: int) -> None:
        """Move a live session to a new credentials version (the one that changed the password)."""
        ...

    async def revoke(self, session_id: UUID) -> None: ...
    async def revoke_user(self, user_id: UUID, *, keep: UUID | None = None) -> None:
        """Revoke every session of the user except ``keep``."""
        ...

    async def use_totp_step(self, user_id: UUID, step: int) -> bool:
        """Record a used TOTP time step; False if it was used already (replay)."""
        ...


class LoginThrottle(Protocol):
    """Consecutive failed logins per key (an e-mail address), and the lock they cause.

    A sign-in attempt first *reserves* a try, atomically, before any password is checked: tries
    in flight count against the threshold as if they had failed, so requests sent at once can
    never check more passwords than the rule allows. Every reservation then ends exactly once:
    ``fail`` (counted), ``succeed`` (the count starts again) or ``release`` (neither).
    """

    async def is_locked(self, key: str) -> bool: ...
    async def reserve(self, key: str, *, threshold: int, lock_seconds: int) -> str | None:
        """A reservation id, or None when the key is locked or its failures plus the tries in
        flight already reach ``threshold``."""
        ...

    async def fail(self, key: str, reservation: str, *, threshold: int, lock_seconds: int) -> bool:
        """Count a failure and end the reservation; lock the key when the count reaches
        ``threshold``. True if now locked."""
        ...

    async def succeed(self, key: str, reservation: str) -> None:
        """End the reservation and clear the failures: the consecutive count starts again."""
        ...

    async def release(self, key: str, reservation: str) -> None:
        """End the reservation without counting anything."""
        ...

    async def clear(self, key: str) -> None:
        """Forget the failures and end the lock (a password reset proved who the user is); tries
        in flight keep their reservations."""
        ...


class TotpService(Protocol):
    def new_secret(self) -> str: ...
    def provisioning_uri(self, secret: str, account: str) -> str: ...
    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        """The time step the code is valid for (allowing one step of drift), or None."""
        ...

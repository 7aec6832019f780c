"""The user account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms_domain.shared.actors import Role

__all__ = ["CallerState", "User", "UserProfile"]


@dataclass(kw_only=True)
class User:
    id: UUID
    email: str
    full_name: str
    password_hash: str
    role: Role = Role.STUDENT
    is_active: bool = True
    mfa_enabled: bool = False
    mfa_secret: str | None = None
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None = None
    credentials_version: int = 0
    """Goes up when the password changes or the account is deactivated: sessions opened with an
    older version are refused from then on."""
    credentials_session_id: UUID | None = None
    """The session that changed the password last: it goes on with the version before."""
    email_verified: bool = False
    """Whether the user proved the address is theirs (a verification link), or an administrator
    made the account."""
    erased_at: datetime | None = None
    """When the account was erased (GDPR Art. 17): nothing that names the person is left."""

    @classmethod
    def create(
        cls, *, id: UUID, email: str, full_name: str, password_hash: str, role: Role, at: datetime
    ) -> User:
        """A new active account without MFA, made ``at`` (the values checked by ``values``)."""
        return cls(
            id=id,
            email=email,
            full_name=full_name,
            password_hash=password_hash,
            role=role,
            created_at=at,
            updated_at=at,
        )

    def change_password(self, password_hash: str, now: datetime, *, by_session: UUID | None) -> None:
        self.password_hash, self.updated_at = password_hash, now
        self.credentials_version += 1
        self.credentials_session_id = by_session

    def deactivate(self, now: datetime) -> None:
        if self.is_active:
            self.is_active, self.updated_at = False, now
            self.credentials_version += 1
            self.credentials_session_id = None

    def erase(self, now: datetime) -> None:
        """Nothing that names the person or opens the account is left: the address becomes a value
        that is no address (it never matches a sign-in and frees the address for a new account),
        the name empty, the password hash one that matches no password, MFA off without a secret;
        the account inactive, every session ended by a new credentials version."""
        self.email, self.full_name, self.password_hash = f"erased:{self.id}", "", ""
        self.mfa_enabled, self.mfa_secret, self.email_verified = False, None, False
        self.is_active = False
        self.credentials_version += 1
        self.credentials_session_id = None
        self.erased_at = self.updated_at = now

    def accepts_session(self, session_id: UUID, version: int) -> bool:
        """A session opened with ``version`` is still good: the current version, or the session
        that changed the password, until it is carried over to the new one."""
        return CallerState.of(self).accepts_session(session_id, version)

    def profile(self) -> UserProfile:
        return CallerState.of(self).profile()


@dataclass(frozen=True, kw_only=True, slots=True)
class UserProfile:
    """What a user is shown of their own account (no secrets)."""

    id: UUID
    email: str
    full_name: str
    role: Role
    is_active: bool
    mfa_enabled: bool
    created_at: datetime
    last_login_at: datetime | None
    email_verified: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class CallerState:
    """What authenticating a request needs of its user: who acts (role, verified address) and
    which sessions are still good (active, credentials version), and the profile the user is
    shown (``GET /users/me``). Kept beside the sessions so that a signed-in request need not read
    the user; every change of one of these fields goes through ``SessionStore.hold_caller``
    before its commit and ``settle_caller`` after it."""

    user_id: UUID
    role: Role
    is_active: bool
    email_verified: bool
    credentials_version: int
    credentials_session_id: UUID | None
    email: str
    full_name: str
    mfa_enabled: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User) -> CallerState:
        return cls(
            user_id=user.id,
            role=user.role,
            is_active=user.is_active,
            email_verified=user.email_verified,
            credentials_version=user.credentials_version,
            credentials_session_id=user.credentials_session_id,
            email=user.email,
            full_name=user.full_name,
            mfa_enabled=user.mfa_enabled,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
        )

    def profile(self) -> UserProfile:
        return UserProfile(
            id=self.user_id,
            email=self.email,
            full_name=self.full_name,
            role=self.role,
            is_active=self.is_active,
            mfa_enabled=self.mfa_enabled,
            created_at=self.created_at,
            last_login_at=self.last_login_at,
            email_verified=self.email_verified,
        )

    def accepts_session(self, session_id: UUID, version: int) -> bool:
        """A session opened with ``version`` is still good: the current version, or the session
        that changed the password, until it is carried over to the new one."""
        if not self.is_active:
            return False
        return version == self.credentials_version or (
            session_id == self.credentials_session_id and version == self.credentials_version - 1
        )

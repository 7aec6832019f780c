"""The user account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms_domain.shared.actors import Role

__all__ = ["User"]


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

    def change_password(self, password_hash: str, now: datetime) -> None:
        self.password_hash, self.updated_at = password_hash, now
        self.credentials_version += 1

    def deactivate(self, now: datetime) -> None:
        if self.is_active:
            self.is_active, self.updated_at = False, now
            self.credentials_version += 1

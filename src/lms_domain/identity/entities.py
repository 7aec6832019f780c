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

    def record_login(self, now: datetime) -> None:
        self.last_login_at = now

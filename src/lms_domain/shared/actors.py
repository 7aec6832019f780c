"""Who is asking: the authenticated caller as the domain sees it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from lms_domain.shared.audit import NO_CONTEXT, RequestContext
from lms_domain.shared.errors import Forbidden

__all__ = ["Actor", "Role"]


class Role(StrEnum):
    STUDENT = "student"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Actor:
    """An authenticated user; ``session_id`` names the login the token belongs to, ``context``
    where the call came from (for the audit log)."""

    user_id: UUID
    role: Role
    session_id: UUID | None = None
    email_verified: bool = False
    context: RequestContext = NO_CONTEXT

    def check_verified(self, required: bool) -> None:
        """With ``required`` (``LMS_REQUIRE_VERIFIED_EMAIL``), an unverified user may not go on."""
        if required and not self.email_verified:
            raise Forbidden("Email not verified")

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        """Instructors and admins: the roles that author content."""
        return self.role in (Role.INSTRUCTOR, Role.ADMIN)

    def owns_or_admin(self, owner_id: UUID) -> bool:
        return self.is_admin or self.user_id == owner_id

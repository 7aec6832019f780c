"""Bodies of the auth and user endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from lms_domain.identity.entities import User, UserProfile
from lms_domain.identity.use_cases import MfaSetup, TokenPair
from lms_domain.identity.values import PASSWORD_MAX, PASSWORD_MIN
from lms_domain.shared.actors import Role
from lms_domain.shared.pagination import Page
from lms_http.dto.pages import PageOut, page_fields

__all__ = [
    "AdminUserUpdate",
    "EmailTokenIn",
    "EraseIn",
    "LoginIn",
    "MessageOut",
    "MfaCodeIn",
    "MfaLoginIn",
    "MfaSetupOut",
    "PasswordChangeIn",
    "PasswordResetConfirmIn",
    "PasswordResetRequestIn",
    "ProfileUpdate",
    "RefreshIn",
    "RegisterIn",
    "TokenOut",
    "UserOut",
    "UserPage",
]

Email = Annotated[str, Meta(min_length=3, max_length=254)]
Password = Annotated[str, Meta(min_length=1, max_length=1024)]
# a new password's length is the policy's, checked by the domain (with its message) before hashing
NewPassword = Annotated[str, Meta(extra_json_schema={"minLength": PASSWORD_MIN, "maxLength": PASSWORD_MAX})]
Name = Annotated[str, Meta(min_length=1, max_length=255)]
Code = Annotated[str, Meta(min_length=1, max_length=16)]
Token = Annotated[str, Meta(min_length=1, max_length=4096)]


class RegisterIn(msgspec.Struct, kw_only=True):
    email: Email
    password: NewPassword
    full_name: Name


class LoginIn(msgspec.Struct, kw_only=True):
    email: Email
    password: Password


class MfaLoginIn(msgspec.Struct, kw_only=True):
    email: Email
    password: Password
    mfa_code: Code


class RefreshIn(msgspec.Struct, kw_only=True):
    refresh_token: Token


class MfaCodeIn(msgspec.Struct, kw_only=True):
    code: Code


class TokenOut(msgspec.Struct, kw_only=True):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int

    @classmethod
    def of(cls, pair: TokenPair) -> TokenOut:
        return cls(
            access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
        )


class MfaSetupOut(msgspec.Struct, kw_only=True):
    secret: str
    provisioning_url: str

    @classmethod
    def of(cls, setup: MfaSetup) -> MfaSetupOut:
        return cls(secret=setup.secret, provisioning_url=setup.provisioning_url)


class MessageOut(msgspec.Struct, kw_only=True):
    message: str


class EmailTokenIn(msgspec.Struct, kw_only=True):
    token: Token


class PasswordResetRequestIn(msgspec.Struct, kw_only=True):
    email: Email


class PasswordResetConfirmIn(msgspec.Struct, kw_only=True):
    token: Token
    new_password: NewPassword


class UserOut(msgspec.Struct, kw_only=True):
    id: UUID
    email: str
    full_name: str
    role: Role
    is_active: bool
    mfa_enabled: bool
    created_at: datetime
    last_login_at: datetime | None
    email_verified: bool

    @classmethod
    def of(cls, user: User | UserProfile) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            is_active=user.is_active,
            mfa_enabled=user.mfa_enabled,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
            email_verified=user.email_verified,
        )


class UserPage(PageOut, kw_only=True):
    items: list[UserOut]

    @classmethod
    def of(cls, page: Page[User]) -> UserPage:
        return cls(
            items=[UserOut.of(u) for u in page.items],
            **page_fields(page),
        )


class ProfileUpdate(msgspec.Struct, kw_only=True):
    full_name: Name | None = None


class PasswordChangeIn(msgspec.Struct, kw_only=True):
    current_password: Password
    new_password: NewPassword


class EraseIn(msgspec.Struct, kw_only=True):
    """The caller's password, and a current MFA code when MFA is on; a missing or wrong one is
    400 (not 422), like a wrong one."""

    password: Annotated[str, Meta(max_length=1024)] | None = None
    mfa_code: Annotated[str, Meta(max_length=16)] | None = None


class AdminUserUpdate(msgspec.Struct, kw_only=True):
    role: Role | None = None
    is_active: bool | None = None
    full_name: Name | None = None

"""Identity use cases wired to in-memory adapters."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lms_adapters.local.counters import InProcessLoginThrottle
from lms_adapters.local.tokens import JwtTokenCodec
from lms_adapters.local.totp import PyotpTotpService
from lms_adapters.memory.sessions import MemorySessionStore
from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_domain.identity import use_cases as uc
from lms_domain.identity.entities import CallerState
from lms_domain.mail.entities import MailMessage
from lms_domain.mail.templates import MailTemplates
from lms_domain.shared.actors import Actor, Role
from tests.builders import FixedClock, PlainHasher, SequentialIds


@dataclass
class Identity:
    """Every identity use case wired to in-memory adapters and a movable clock."""

    state: MemoryState
    clock: FixedClock
    sessions: MemorySessionStore
    codec: JwtTokenCodec
    totp: PyotpTotpService
    throttle: InProcessLoginThrottle
    policy: uc.AuthPolicy
    ids: SequentialIds

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.state)

    @property
    def tokens(self) -> uc.TokenIssuer:
        return uc.TokenIssuer(self.codec, self.sessions, self.clock, self.ids, self.policy)

    @property
    def passwords(self) -> uc.PasswordCheck:
        return uc.PasswordCheck(self.uow(), PlainHasher(), self.throttle, self.policy)

    @property
    def codes(self) -> uc.OneTimeCodes:
        return uc.OneTimeCodes(self.totp, self.sessions, self.clock)

    @property
    def register(self) -> uc.Register:
        return uc.Register(self.uow(), self.accounts, self.tokens, self.verifications)

    @property
    def login(self) -> uc.Login:
        return uc.Login(self.uow(), self.passwords, self.tokens, self.clock)

    @property
    def mfa_login(self) -> uc.MfaLogin:
        return uc.MfaLogin(self.uow(), self.passwords, self.tokens, self.codes, self.clock)

    @property
    def refresh(self) -> uc.RefreshTokens:
        return uc.RefreshTokens(self.uow(), self.codec, self.sessions, self.tokens)

    @property
    def authenticate(self) -> Callable[..., Awaitable[Actor]]:
        """The acting user of an access token (``AuthenticateCaller`` without the user record)."""
        caller = uc.AuthenticateCaller(self.uow(), self.codec, self.sessions)

        async def actor(*, token: str) -> Actor:
            return (await caller(token=token)).actor

        return actor

    @property
    def enable_mfa(self) -> uc.EnableMfa:
        return uc.EnableMfa(self.uow(), self.totp, self.clock)

    @property
    def verify_mfa(self) -> uc.VerifyMfa:
        return uc.VerifyMfa(self.uow(), self.codes, self.sessions, self.clock)

    @property
    def disable_mfa(self) -> uc.DisableMfa:
        return uc.DisableMfa(self.uow(), self.codes, self.sessions, self.clock)

    @property
    def change_password(self) -> uc.ChangePassword:
        return uc.ChangePassword(self.uow(), PlainHasher(), self.sessions, self.clock, TEMPLATES)

    @property
    def admin_update(self) -> uc.AdminUpdateUser:
        return uc.AdminUpdateUser(self.uow(), self.sessions, self.clock)

    @property
    def create_user(self) -> uc.CreateUser:
        return uc.CreateUser(self.uow(), self.accounts)

    @property
    def accounts(self) -> uc.NewAccounts:
        return uc.NewAccounts(PlainHasher(), self.clock, self.ids)

    @property
    def verifications(self) -> uc.Verifications:
        return uc.Verifications(TEMPLATES, self.clock, self.ids)

    # email: verification, password reset (its background half runs at once here)
    @property
    def verify_email(self) -> uc.VerifyEmail:
        return uc.VerifyEmail(self.uow(), self.sessions, self.clock)

    @property
    def resend_verification(self) -> uc.ResendVerification:
        return uc.ResendVerification(self.uow(), self.verifications)

    @property
    def send_password_reset(self) -> uc.SendPasswordReset:
        return uc.SendPasswordReset(self.uow(), self.clock, self.ids, TEMPLATES)

    @property
    def request_password_reset(self) -> uc.RequestPasswordReset:
        return uc.RequestPasswordReset(ResetsAtOnce(self.send_password_reset))

    @property
    def confirm_password_reset(self) -> uc.ConfirmPasswordReset:
        return uc.ConfirmPasswordReset(
            self.uow(),
            PlainHasher(),
            uc.CredentialStores(self.throttle, self.sessions),
            self.clock,
            TEMPLATES,
        )

    def queued_mail(self) -> list[MailMessage]:
        """The messages queued so far, oldest first."""
        return list(self.state.mail_messages.values())


TEMPLATES = MailTemplates(app_url="https://app.example.com")


class ResetsAtOnce:
    """The ``PasswordResetJobs`` port running the background half at once (and remembering what
    it was asked)."""

    def __init__(self, send: uc.SendPasswordReset) -> None:
        self._send = send
        self.requested: list[str] = []

    async def request_reset(self, email: str) -> None:
        self.requested.append(email)
        await self._send(email=email)


def caller_state(user_id: uuid.UUID, **changes: Any) -> CallerState:
    """An active student's state with a profile; ``changes`` replace fields."""
    base = CallerState(
        user_id=user_id,
        role=Role.STUDENT,
        is_active=True,
        email_verified=False,
        credentials_version=0,
        credentials_session_id=None,
        email=f"{user_id.hex[:8]}@example.com",
        full_name="Ann Lee",
        mfa_enabled=False,
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        last_login_at=None,
    )
    return dataclasses.replace(base, **changes)

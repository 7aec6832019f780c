"""Identity use cases wired to in-memory adapters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from lms_adapters.local.counters import InProcessLoginThrottle
from lms_adapters.local.tokens import JwtTokenCodec
from lms_adapters.local.totp import PyotpTotpService
from lms_adapters.memory.sessions import MemorySessionStore
from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_domain.identity import use_cases as uc
from lms_domain.shared.actors import Actor
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
        return uc.Register(self.uow(), PlainHasher(), self.tokens, self.clock, self.ids)

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
        return uc.VerifyMfa(self.uow(), self.codes, self.clock)

    @property
    def disable_mfa(self) -> uc.DisableMfa:
        return uc.DisableMfa(self.uow(), self.codes, self.clock)

    @property
    def change_password(self) -> uc.ChangePassword:
        return uc.ChangePassword(self.uow(), PlainHasher(), self.sessions, self.clock)

    @property
    def admin_update(self) -> uc.AdminUpdateUser:
        return uc.AdminUpdateUser(self.uow(), self.sessions, self.clock)

    @property
    def create_user(self) -> uc.CreateUser:
        return uc.CreateUser(self.uow(), PlainHasher(), self.clock, self.ids)

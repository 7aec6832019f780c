"""Password checks under the lockout rule, and one-time codes: collaborators of the sign-ins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from lms_domain.identity.entities import User
from lms_domain.identity.ports import (
    IdentityReader,
    IdentityUnitOfWork,
    LoginThrottle,
    PasswordHasher,
    SessionStore,
    TotpService,
)
from lms_domain.identity.use_cases.tokens import AuthPolicy
from lms_domain.shared.audit import AuditAction, AuditEntry, RequestContext
from lms_domain.shared.errors import InvalidRequest, Locked, Unauthorized, Unavailable
from lms_domain.shared.ports import Clock

__all__ = [
    "INVALID_CREDENTIALS",
    "OneTimeCodes",
    "PasswordCheck",
    "Reauthentication",
    "SignInRecord",
    "SignInTry",
]

INVALID_CREDENTIALS = "Invalid email or password"


class SignInTry:
    """One reserved sign-in try; it ends exactly once (``release`` when nothing else ended it)."""

    def __init__(self, throttle: LoginThrottle, key: str, reservation: str, policy: AuthPolicy) -> None:
        self._throttle, self._key, self._reservation, self._policy = throttle, key, reservation, policy
        self._ended = False
        self.locked_out = False
        """Whether this try's failure locked the account (the one that reached the threshold)."""

    def _end(self) -> bool:
        ended, self._ended = self._ended, True
        return not ended

    async def fail(self) -> None:
        if self._end():
            self.locked_out = await self._throttle.fail(
                self._key,
                self._reservation,
                threshold=self._policy.lockout_threshold,
                lock_seconds=self._policy.lockout_seconds,
            )

    async def succeed(self) -> None:
        if self._end():
            await self._throttle.succeed(self._key, self._reservation)

    async def release(self) -> None:
        if self._end():
            with suppress(Unavailable):  # the reservation lapses by itself; the answer stands
                await self._throttle.release(self._key, self._reservation)


class SignInRecord:
    """The audit log's entries of sign-ins. A failure is written in a transaction of its own (the
    sign-in answers an error, so nothing else commits), naming the account when one has the
    address; the failure that locked the account adds ``auth.locked_out``."""

    def __init__(self, uow: IdentityUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def failed(self, email: str, attempt: SignInTry | None, context: RequestContext, why: str) -> None:
        now = self._clock.now()
        async with self._uow as uow:
            user = await uow.users.get_by_email(email.strip().lower())
            target = user.id if user else None
            await uow.audit.record(
                AuditEntry.of(
                    AuditAction.LOGIN_FAILED,
                    at=now,
                    actor_id=None,
                    target_id=target,
                    context=context,
                    failure=why,
                )
            )
            if attempt is not None and attempt.locked_out:
                await uow.audit.record(
                    AuditEntry.of(
                        AuditAction.LOCKED_OUT, at=now, actor_id=None, target_id=target, context=context
                    )
                )
            await uow.commit()


class PasswordCheck:
    """Password checks with lockout, for password login and MFA login.

    The try is reserved before the password is checked, so requests sent at once cannot check
    more passwords than the lockout rule allows; only a sign-in that issues tokens resets the
    count of failures.
    """

    def __init__(
        self, uow: IdentityReader, hasher: PasswordHasher, throttle: LoginThrottle, policy: AuthPolicy
    ) -> None:
        self._uow, self._hasher, self._throttle, self._policy = uow, hasher, throttle, policy
        self._dummy_hash: str | None = None

    @asynccontextmanager
    async def attempt(self, email: str) -> AsyncIterator[SignInTry]:
        key = email.strip().lower()
        reservation = await self._throttle.reserve(
            key, threshold=self._policy.lockout_threshold, lock_seconds=self._policy.lockout_seconds
        )
        if reservation is None:
            raise Locked("Account temporarily locked after too many failed login attempts")
        attempt = SignInTry(self._throttle, key, reservation, self._policy)
        try:
            yield attempt
        finally:
            await attempt.release()

    async def check(self, attempt: SignInTry, email: str, password: str) -> User:
        async with self._uow as uow:
            user = await uow.users.get_by_email(email.strip().lower())
        if user is None:  # verify anyway, so an unknown address takes as long as a wrong password
            if self._dummy_hash is None:
                self._dummy_hash = await self._hasher.hash("timing-equaliser-Aa1")
            await self._hasher.verify(self._dummy_hash, password)
            ok = False
        else:
            ok = await self._hasher.verify(user.password_hash, password)
        if not ok or user is None or not user.is_active:
            await attempt.fail()
            raise Unauthorized(INVALID_CREDENTIALS)
        return user


class OneTimeCodes:
    """TOTP codes of a user's MFA secret; each time step is accepted once."""

    def __init__(self, totp: TotpService, sessions: SessionStore, clock: Clock) -> None:
        self._totp, self._sessions, self._clock = totp, sessions, clock

    async def accept(self, user: User, code: str) -> bool:
        """True for a code of the user's secret not used before (it is used up now)."""
        if user.mfa_secret is None:
            return False
        step = self._totp.matching_step(user.mfa_secret, code, self._clock.now())
        return step is not None and await self._sessions.use_totp_step(user.id, step)


class Reauthentication:
    """A signed-in user proves again that it is them before a change that cannot be undone: their
    password, and a code when MFA is on (checked after the password, so a wrong password uses up
    no code). A wrong or missing one is 400; the session goes on."""

    def __init__(self, hasher: PasswordHasher, codes: OneTimeCodes) -> None:
        self._hasher, self._codes = hasher, codes

    async def confirm(self, user: User, password: str | None, code: str | None) -> None:
        if not password:
            raise InvalidRequest("The password is required")
        if not await self._hasher.verify(user.password_hash, password):
            raise InvalidRequest("Password is incorrect")
        if user.mfa_enabled:
            if not code:
                raise InvalidRequest("An MFA code is required")
            if not await self._codes.accept(user, code):
                raise InvalidRequest("Invalid or already used MFA code")

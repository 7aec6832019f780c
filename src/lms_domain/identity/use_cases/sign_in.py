"""Signing in: registration, password and MFA login, and refreshing a login's tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from lms_domain.identity.entities import User
from lms_domain.identity.ports import (
    IdentityReader,
    IdentityUnitOfWork,
    RotateOutcome,
    SessionStore,
    TokenCodec,
    TokenKind,
)
from lms_domain.identity.use_cases.accounts import NewAccounts, add_user
from lms_domain.identity.use_cases.email import Verifications
from lms_domain.identity.use_cases.passwords import OneTimeCodes, PasswordCheck, SignInRecord, SignInTry
from lms_domain.identity.use_cases.sessions import settle_caller
from lms_domain.identity.use_cases.tokens import INVALID_TOKEN, TokenIssuer, TokenPair
from lms_domain.shared.actors import Role
from lms_domain.shared.audit import NO_CONTEXT, AuditAction, AuditEntry, RequestContext
from lms_domain.shared.errors import Forbidden, Locked, Unauthorized, Unavailable
from lms_domain.shared.ports import Clock

__all__ = ["Login", "MfaLogin", "RefreshTokens", "Register"]


class Register:
    """A new student account, signed in, with a verification message sent to its address."""

    def __init__(
        self,
        uow: IdentityUnitOfWork,
        accounts: NewAccounts,
        tokens: TokenIssuer,
        verifications: Verifications,
    ) -> None:
        self._uow, self._accounts, self._tokens, self._verifications = uow, accounts, tokens, verifications

    async def __call__(self, *, email: str, password: str, full_name: str) -> TokenPair:
        """The session is opened first and the account committed last: when either store fails,
        no account is left behind without its answer (a session without an account signs no one in)."""
        user = await self._accounts.make(
            email=email, password=password, role=Role.STUDENT, full_name=full_name
        )
        user.last_login_at = user.created_at  # registering signs in
        pair, session_id = await self._tokens.open_session(user)
        try:
            await add_user(self._uow, user, then=lambda uow: self._verifications.send(uow, user))
        except BaseException:
            with suppress(Unavailable):
                await self._tokens.close_session(session_id)
            raise
        return pair


async def _signed_in(
    uow: IdentityUnitOfWork,
    attempt: SignInTry,
    tokens: TokenIssuer,
    user: User,
    clock: Clock,
    *,
    context: RequestContext,
) -> TokenPair:
    pair, _ = await tokens.open_session(user)
    await attempt.succeed()
    async with uow as u:
        now = clock.now()
        # the row as this update left it (locked until the commit): the kept profile's new state
        signed_in = await u.users.record_login(user.id, now)
        await u.audit.record(
            AuditEntry.of(
                AuditAction.LOGIN_SUCCEEDED, at=now, actor_id=None, target_id=user.id, context=context
            )
        )
        hold = await tokens.sessions.hold_caller(user.id) if signed_in is not None else None
        await u.commit()
    if signed_in is not None:
        await settle_caller(tokens.sessions, signed_in, hold)
    return pair


class _BadCode(Unauthorized):
    """A right password with a wrong or used MFA code (answered as any other 401)."""


_FAILURES: dict[type[Exception], str] = {
    _BadCode: "invalid_mfa_code",
    Locked: "locked",
    Unauthorized: "invalid_credentials",
    Forbidden: "mfa_required",
}


@asynccontextmanager
async def _recorded(
    record: SignInRecord, email: str, context: RequestContext
) -> AsyncIterator[list[SignInTry]]:
    """Records a sign-in that answers an error (the try, once made, is put in the list)."""
    tries: list[SignInTry] = []
    try:
        yield tries
    except (Locked, Unauthorized, Forbidden) as e:
        why = next(reason for kind, reason in _FAILURES.items() if isinstance(e, kind))
        await record.failed(email, tries[0] if tries else None, context, why)
        raise


INVALID_MFA_CODE = "Invalid or already used MFA code"


class Login:
    def __init__(
        self, uow: IdentityUnitOfWork, passwords: PasswordCheck, tokens: TokenIssuer, clock: Clock
    ) -> None:
        self._uow, self._passwords, self._tokens, self._clock = uow, passwords, tokens, clock
        self._record = SignInRecord(uow, clock)

    async def __call__(self, *, email: str, password: str, context: RequestContext = NO_CONTEXT) -> TokenPair:
        async with (
            _recorded(self._record, email, context) as tries,
            self._passwords.attempt(email) as attempt,
        ):
            tries.append(attempt)
            user = await self._passwords.check(attempt, email, password)
            if user.mfa_enabled:  # not a sign-in: the failures so far still count
                raise Forbidden("MFA code required")
            return await _signed_in(self._uow, attempt, self._tokens, user, self._clock, context=context)


class MfaLogin:
    def __init__(
        self,
        uow: IdentityUnitOfWork,
        passwords: PasswordCheck,
        tokens: TokenIssuer,
        codes: OneTimeCodes,
        clock: Clock,
    ) -> None:
        self._uow, self._passwords, self._tokens, self._codes, self._clock = (
            uow,
            passwords,
            tokens,
            codes,
            clock,
        )
        self._record = SignInRecord(uow, clock)

    async def __call__(
        self, *, email: str, password: str, mfa_code: str, context: RequestContext = NO_CONTEXT
    ) -> TokenPair:
        async with (
            _recorded(self._record, email, context) as tries,
            self._passwords.attempt(email) as attempt,
        ):
            tries.append(attempt)
            user = await self._passwords.check(attempt, email, password)
            needs_code = user.mfa_enabled and user.mfa_secret is not None
            if needs_code and not await self._codes.accept(user, mfa_code):
                await attempt.fail()
                raise _BadCode(INVALID_MFA_CODE)
            return await _signed_in(self._uow, attempt, self._tokens, user, self._clock, context=context)


class RefreshTokens:
    def __init__(
        self, uow: IdentityReader, codec: TokenCodec, sessions: SessionStore, tokens: TokenIssuer
    ) -> None:
        self._uow, self._codec, self._sessions, self._tokens = uow, codec, sessions, tokens

    async def __call__(self, *, refresh_token: str) -> TokenPair:
        claims = self._codec.decode(refresh_token, TokenKind.REFRESH)
        version = await self._sessions.live_version(claims.session_id)
        async with self._uow as uow:
            user = await uow.users.get(claims.subject)
        if version is None or user is None or not user.accepts_session(claims.session_id, version):
            raise Unauthorized(INVALID_TOKEN)
        outcome, pair = await self._tokens.rotate(claims)
        if outcome is RotateOutcome.REUSED:
            raise Unauthorized("Refresh token reuse detected; this login has been revoked")
        if pair is None:
            raise Unauthorized(INVALID_TOKEN)
        return pair

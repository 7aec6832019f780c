"""Identity use cases: registration, login, tokens, MFA, profiles and administration."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from lms_domain.identity.entities import User
from lms_domain.identity.ports import (
    EmailTaken,
    IdentityReader,
    IdentityUnitOfWork,
    LoginThrottle,
    PasswordHasher,
    RotateOutcome,
    SessionStore,
    TokenClaims,
    TokenCodec,
    TokenKind,
    TotpService,
)
from lms_domain.identity.values import FullName, normalize_email, validate_password
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    Locked,
    NotFound,
    Unauthorized,
    Unavailable,
)
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = [
    "AdminUpdateUser",
    "AuthPolicy",
    "Authenticate",
    "AuthenticateCaller",
    "Caller",
    "ChangePassword",
    "CreateUser",
    "DisableMfa",
    "EnableMfa",
    "EnsureAdmin",
    "GetUser",
    "ListUsers",
    "Login",
    "Logout",
    "MfaLogin",
    "MfaSetup",
    "RefreshTokens",
    "Register",
    "TokenPair",
    "UpdateProfile",
    "VerifyMfa",
]

INVALID_CREDENTIALS = "Invalid email or password"
INVALID_TOKEN = "Could not validate credentials"


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    access_token_minutes: int = 15
    refresh_token_days: int = 7
    lockout_threshold: int = 5
    lockout_seconds: int = 15 * 60


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class MfaSetup:
    secret: str
    provisioning_url: str


class _Tokens:
    """Issues the token pair of a login; shared by the use cases that sign someone in."""

    def __init__(
        self, codec: TokenCodec, sessions: SessionStore, clock: Clock, ids: IdGenerator, policy: AuthPolicy
    ) -> None:
        self.codec, self.sessions, self.clock, self.ids, self.policy = codec, sessions, clock, ids, policy

    def _pair(self, user_id: UUID, session_id: UUID, refresh_id: UUID) -> TokenPair:
        now = self.clock.now()
        access = TokenClaims(
            subject=user_id,
            token_id=self.ids.new_id(),
            session_id=session_id,
            kind=TokenKind.ACCESS,
            issued_at=now,
            expires_at=now + timedelta(minutes=self.policy.access_token_minutes),
        )
        refresh = TokenClaims(
            subject=user_id,
            token_id=refresh_id,
            session_id=session_id,
            kind=TokenKind.REFRESH,
            issued_at=now,
            expires_at=self.refresh_expiry(),
        )
        return TokenPair(
            self.codec.encode(access), self.codec.encode(refresh), self.policy.access_token_minutes * 60
        )

    def refresh_expiry(self) -> datetime:
        return self.clock.now() + timedelta(days=self.policy.refresh_token_days)

    async def open_session(self, user: User) -> tuple[TokenPair, UUID]:
        """A new login of ``user`` as read (its credentials version decides how long it lives)."""
        session_id, refresh_id = self.ids.new_id(), self.ids.new_id()
        await self.sessions.open(
            session_id=session_id,
            user_id=user.id,
            refresh_id=refresh_id,
            expires_at=self.refresh_expiry(),
            credentials_version=user.credentials_version,
        )
        return self._pair(user.id, session_id, refresh_id), session_id


class _Try:
    """One reserved sign-in try; it ends exactly once (``release`` when nothing else ended it)."""

    def __init__(self, throttle: LoginThrottle, key: str, reservation: str, policy: AuthPolicy) -> None:
        self._throttle, self._key, self._reservation, self._policy = throttle, key, reservation, policy
        self._ended = False

    def _end(self) -> bool:
        ended, self._ended = self._ended, True
        return not ended

    async def fail(self) -> None:
        if self._end():
            await self._throttle.fail(
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


class _Credentials:
    """Password checks with lockout, shared by password login and MFA login.

    The try is reserved before the password is checked, so requests sent at once cannot check
    more passwords than the lockout rule allows; only a sign-in that issues tokens resets the
    count of failures.
    """

    def __init__(
        self, uow: IdentityReader, hasher: PasswordHasher, throttle: LoginThrottle, policy: AuthPolicy
    ) -> None:
        self.uow, self.hasher, self.throttle, self.policy = uow, hasher, throttle, policy
        self._dummy_hash: str | None = None

    @asynccontextmanager
    async def attempt(self, email: str) -> AsyncIterator[_Try]:
        key = email.strip().lower()
        reservation = await self.throttle.reserve(
            key, threshold=self.policy.lockout_threshold, lock_seconds=self.policy.lockout_seconds
        )
        if reservation is None:
            raise Locked("Account temporarily locked after too many failed login attempts")
        attempt = _Try(self.throttle, key, reservation, self.policy)
        try:
            yield attempt
        finally:
            await attempt.release()

    async def check(self, attempt: _Try, email: str, password: str) -> User:
        async with self.uow as uow:
            user = await uow.users.get_by_email(email.strip().lower())
        if user is None:  # verify anyway, so an unknown address takes as long as a wrong password
            if self._dummy_hash is None:
                self._dummy_hash = await self.hasher.hash("timing-equaliser-Aa1")
            await self.hasher.verify(self._dummy_hash, password)
            ok = False
        else:
            ok = await self.hasher.verify(user.password_hash, password)
        if not ok or user is None or not user.is_active:
            await attempt.fail()
            raise Unauthorized(INVALID_CREDENTIALS)
        return user


class Register:
    def __init__(
        self,
        uow: IdentityUnitOfWork,
        hasher: PasswordHasher,
        codec: TokenCodec,
        sessions: SessionStore,
        clock: Clock,
        ids: IdGenerator,
        policy: AuthPolicy,
    ) -> None:
        self._uow, self._hasher, self._clock, self._ids = uow, hasher, clock, ids
        self._sessions = sessions
        self._tokens = _Tokens(codec, sessions, clock, ids, policy)

    async def __call__(self, *, email: str, password: str, full_name: str) -> TokenPair:
        """The session is opened first and the account committed last: when either store fails,
        no account is left behind without its answer (a session without an account signs no one in)."""
        address = normalize_email(email)
        name = FullName.parse(full_name)
        validate_password(password)
        now = self._clock.now()
        user = User(
            id=self._ids.new_id(),
            email=address,
            full_name=name.value,
            password_hash=await self._hasher.hash(password),
            role=Role.STUDENT,
            created_at=now,
            updated_at=now,
            last_login_at=now,
        )
        pair, session_id = await self._tokens.open_session(user)
        try:
            async with self._uow as uow:
                try:
                    await uow.users.add(user)
                except EmailTaken:
                    raise Conflict("A user with this email already exists") from None
                await uow.commit()
        except BaseException:
            with suppress(Unavailable):
                await self._sessions.revoke(session_id)
            raise
        return pair


class Login:
    def __init__(
        self,
        uow: IdentityUnitOfWork,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        codec: TokenCodec,
        sessions: SessionStore,
        clock: Clock,
        ids: IdGenerator,
        policy: AuthPolicy,
    ) -> None:
        self._uow, self._clock = uow, clock
        self._credentials = _Credentials(uow, hasher, throttle, policy)
        self._tokens = _Tokens(codec, sessions, clock, ids, policy)

    async def __call__(self, *, email: str, password: str) -> TokenPair:
        async with self._credentials.attempt(email) as attempt:
            user = await self._credentials.check(attempt, email, password)
            if user.mfa_enabled:  # not a sign-in: the failures so far still count
                raise Forbidden("MFA code required")
            return await _signed_in(self._uow, attempt, self._tokens, user, self._clock)


async def _signed_in(
    uow: IdentityUnitOfWork, attempt: _Try, tokens: _Tokens, user: User, clock: Clock
) -> TokenPair:
    pair, _ = await tokens.open_session(user)
    await attempt.succeed()
    async with uow as u:
        await u.users.record_login(user.id, clock.now())
        await u.commit()
    return pair


class MfaLogin:
    def __init__(
        self,
        uow: IdentityUnitOfWork,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        codec: TokenCodec,
        sessions: SessionStore,
        totp: TotpService,
        clock: Clock,
        ids: IdGenerator,
        policy: AuthPolicy,
    ) -> None:
        self._uow, self._clock, self._totp, self._sessions = uow, clock, totp, sessions
        self._credentials = _Credentials(uow, hasher, throttle, policy)
        self._tokens = _Tokens(codec, sessions, clock, ids, policy)

    async def __call__(self, *, email: str, password: str, mfa_code: str) -> TokenPair:
        async with self._credentials.attempt(email) as attempt:
            user = await self._credentials.check(attempt, email, password)
            if user.mfa_enabled and user.mfa_secret is not None:
                step = self._totp.matching_step(user.mfa_secret, mfa_code, self._clock.now())
                if step is None or not await self._sessions.use_totp_step(user.id, step):
                    await attempt.fail()
                    raise Unauthorized("Invalid or already used MFA code")
            return await _signed_in(self._uow, attempt, self._tokens, user, self._clock)


class RefreshTokens:
    def __init__(
        self,
        uow: IdentityReader,
        codec: TokenCodec,
        sessions: SessionStore,
        clock: Clock,
        ids: IdGenerator,
        policy: AuthPolicy,
    ) -> None:
        self._uow, self._codec, self._sessions, self._ids = uow, codec, sessions, ids
        self._tokens = _Tokens(codec, sessions, clock, ids, policy)

    async def __call__(self, *, refresh_token: str) -> TokenPair:
        claims = self._codec.decode(refresh_token, TokenKind.REFRESH)
        version = await self._sessions.live_version(claims.session_id)
        async with self._uow as uow:
            user = await uow.users.get(claims.subject)
        if version is None or user is None or not user.accepts_session(claims.session_id, version):
            raise Unauthorized(INVALID_TOKEN)
        new_refresh = self._ids.new_id()
        outcome = await self._sessions.rotate(
            session_id=claims.session_id,
            presented_refresh_id=claims.token_id,
            new_refresh_id=new_refresh,
            expires_at=self._tokens.refresh_expiry(),
        )
        if outcome is RotateOutcome.REUSED:
            raise Unauthorized("Refresh token reuse detected; this login has been revoked")
        if outcome is not RotateOutcome.ROTATED:
            raise Unauthorized(INVALID_TOKEN)
        return self._tokens._pair(user.id, claims.session_id, new_refresh)


@dataclass(frozen=True, slots=True)
class Caller:
    """The acting user and the user record it was built from (loaded once per request)."""

    actor: Actor
    user: User


class AuthenticateCaller:
    """Turns an access token into the acting user; 401 for anything not currently valid."""

    def __init__(self, uow: IdentityReader, codec: TokenCodec, sessions: SessionStore) -> None:
        self._uow, self._codec, self._sessions = uow, codec, sessions

    async def __call__(self, *, token: str) -> Caller:
        claims = self._codec.decode(token, TokenKind.ACCESS)
        version = await self._sessions.live_version(claims.session_id)
        if version is None:
            raise Unauthorized(INVALID_TOKEN)
        async with self._uow as uow:
            user = await uow.users.get(claims.subject)
        # a session opened before the password changed (or the account was deactivated) is over,
        # even when it was opened after the change by a sign-in that had checked the old password
        if user is None or not user.accepts_session(claims.session_id, version):
            raise Unauthorized(INVALID_TOKEN)
        return Caller(Actor(user_id=user.id, role=user.role, session_id=claims.session_id), user)


class Authenticate:
    """``AuthenticateCaller`` for callers that need only the actor."""

    def __init__(self, uow: IdentityReader, codec: TokenCodec, sessions: SessionStore) -> None:
        self._caller = AuthenticateCaller(uow, codec, sessions)

    async def __call__(self, *, token: str) -> Actor:
        return (await self._caller(token=token)).actor


class Logout:
    def __init__(self, sessions: SessionStore) -> None:
        self._sessions = sessions

    async def __call__(self, *, actor: Actor) -> None:
        if actor.session_id is not None:
            await self._sessions.revoke(actor.session_id)


class GetUser:
    def __init__(self, uow: IdentityReader) -> None:
        self._uow = uow

    async def __call__(
        self, *, actor: Actor, user_id: UUID | None = None, caller: User | None = None
    ) -> User:
        """``caller``: the actor's own record when this request already loaded it (no second read)."""
        target = user_id or actor.user_id
        if target != actor.user_id and not actor.is_admin:
            raise NotFound("User not found")
        if caller is not None and caller.id == target == actor.user_id:
            return caller
        async with self._uow as uow:
            user = await uow.users.get(target)
        if user is None:
            raise NotFound("User not found")
        return user


class UpdateProfile:
    def __init__(self, uow: IdentityUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, *, actor: Actor, full_name: str | None = None) -> User:
        async with self._uow as uow:
            user = await uow.users.get(actor.user_id, for_update=True)
            if user is None:
                raise NotFound("User not found")
            if full_name is not None:
                user.full_name = FullName.parse(full_name).value
                user.updated_at = self._clock.now()
                await uow.users.update(user)
            await uow.commit()
        return user


class ChangePassword:
    """Change one's own password: every other session ends at once, this one goes on.

    The new hash, a new credentials version and the id of the session that made the change
    commit together, so sessions opened before (or by sign-ins still checking the old password)
    are refused from that commit on, whatever the session store does afterwards, while the
    caller's own session goes on. Carrying it over to the new version in the session store is a
    last, best-effort step (until then the user's record vouches for it).
    """

    def __init__(
        self, uow: IdentityUnitOfWork, hasher: PasswordHasher, sessions: SessionStore, clock: Clock
    ) -> None:
        self._uow, self._hasher, self._sessions, self._clock = uow, hasher, sessions, clock

    async def __call__(self, *, actor: Actor, current_password: str, new_password: str) -> None:
        async with self._uow as uow:
            user = await uow.users.get(actor.user_id)
        if user is None:
            raise NotFound("User not found")
        checked = user.password_hash
        if not await self._hasher.verify(checked, current_password):
            raise InvalidRequest("Current password is incorrect")
        validate_password(new_password, "new_password")
        new_hash = await self._hasher.hash(new_password)
        async with self._uow as uow:
            user = await uow.users.get(actor.user_id, for_update=True)
            if user is None:
                raise NotFound("User not found")
            if user.password_hash != checked:
                raise Conflict("The password was changed meanwhile; try again")
            user.change_password(new_hash, self._clock.now(), by_session=actor.session_id)
            await uow.users.update(user)
            await uow.commit()
        with suppress(Unavailable):
            if actor.session_id is not None:
                await self._sessions.carry_over(actor.session_id, user.credentials_version)
            await self._sessions.revoke_user(user.id, keep=actor.session_id)  # tidy: already refused


class EnableMfa:
    """Issue a new secret, kept pending until verified (each call replaces it)."""

    def __init__(self, uow: IdentityUnitOfWork, totp: TotpService, clock: Clock) -> None:
        self._uow, self._totp, self._clock = uow, totp, clock

    async def __call__(self, *, actor: Actor) -> MfaSetup:
        async with self._uow as uow:
            user = await uow.users.get(actor.user_id, for_update=True)
            if user is None:
                raise NotFound("User not found")
            if user.mfa_enabled:
                raise Conflict("MFA is already enabled")
            user.mfa_secret, user.updated_at = self._totp.new_secret(), self._clock.now()
            await uow.users.update(user)
            await uow.commit()
        assert user.mfa_secret is not None
        return MfaSetup(user.mfa_secret, self._totp.provisioning_uri(user.mfa_secret, user.email))


class _MfaCode:
    """Checks a code outside any transaction (the step store may share the database)."""

    def __init__(
        self, uow: IdentityUnitOfWork, totp: TotpService, sessions: SessionStore, clock: Clock
    ) -> None:
        self.uow, self.totp, self.sessions, self.clock = uow, totp, sessions, clock

    async def user(self, actor: Actor) -> User:
        async with self.uow as uow:
            user = await uow.users.get(actor.user_id)
        if user is None:
            raise NotFound("User not found")
        return user

    async def accept(self, user: User, code: str) -> None:
        if user.mfa_secret is None:
            raise InvalidRequest("MFA has not been set up; call /auth/mfa/enable first")
        step = self.totp.matching_step(user.mfa_secret, code, self.clock.now())
        if step is None or not await self.sessions.use_totp_step(user.id, step):
            raise InvalidRequest("Invalid or already used MFA code")

    async def set_enabled(self, user: User, enabled: bool) -> None:
        async with self.uow as uow:
            fresh = await uow.users.get(user.id, for_update=True)
            if fresh is None or fresh.mfa_secret != user.mfa_secret:
                raise Conflict("MFA settings changed meanwhile; try again")
            fresh.mfa_enabled, fresh.updated_at = enabled, self.clock.now()
            if not enabled:
                fresh.mfa_secret = None
            await uow.users.update(fresh)
            await uow.commit()


class VerifyMfa:
    def __init__(
        self, uow: IdentityUnitOfWork, totp: TotpService, sessions: SessionStore, clock: Clock
    ) -> None:
        self._code = _MfaCode(uow, totp, sessions, clock)

    async def __call__(self, *, actor: Actor, code: str) -> None:
        user = await self._code.user(actor)
        if user.mfa_enabled:
            raise Conflict("MFA is already enabled")
        await self._code.accept(user, code)
        await self._code.set_enabled(user, True)


class DisableMfa:
    def __init__(
        self, uow: IdentityUnitOfWork, totp: TotpService, sessions: SessionStore, clock: Clock
    ) -> None:
        self._code = _MfaCode(uow, totp, sessions, clock)

    async def __call__(self, *, actor: Actor, code: str) -> None:
        user = await self._code.user(actor)
        if not user.mfa_enabled:
            raise InvalidRequest("MFA is not enabled")
        await self._code.accept(user, code)
        await self._code.set_enabled(user, False)


class ListUsers:
    def __init__(self, uow: IdentityReader) -> None:
        self._uow = uow

    async def __call__(
        self, *, actor: Actor, page: PageRequest, role: Role | None = None, query: str | None = None
    ) -> Page[User]:
        if not actor.is_admin:
            raise Forbidden("Only admins can list users")
        async with self._uow as uow:
            items, total = await uow.users.list(page=page, role=role, query=query)
        return Page.of(items, total, page)


class AdminUpdateUser:
    def __init__(self, uow: IdentityUnitOfWork, sessions: SessionStore, clock: Clock) -> None:
        self._uow, self._sessions, self._clock = uow, sessions, clock

    async def __call__(
        self,
        *,
        actor: Actor,
        user_id: UUID,
        role: Role | None = None,
        is_active: bool | None = None,
        full_name: str | None = None,
    ) -> User:
        if not actor.is_admin:
            raise Forbidden("Only admins can change users")
        async with self._uow as uow:
            user = await uow.users.get(user_id, for_update=True)
            if user is None:
                raise NotFound("User not found")
            if user.id == actor.user_id and (
                is_active is False or (role is not None and role is not Role.ADMIN)
            ):
                raise InvalidRequest("Admins cannot deactivate or demote themselves")
            now = self._clock.now()
            if role is not None:
                user.role = role
            if full_name is not None:
                user.full_name = FullName.parse(full_name).value
            deactivated = is_active is False and user.is_active
            if deactivated:
                user.deactivate(now)  # a new credentials version: every session ends with this commit
            elif is_active:
                user.is_active = True
            user.updated_at = now
            await uow.users.update(user)
            await uow.commit()
        if deactivated:
            with suppress(Unavailable):  # tidy: the version already refuses every session
                await self._sessions.revoke_user(user.id)
        return user


class CreateUser:
    """Create an account with any role (command line and startup admin)."""

    def __init__(
        self, uow: IdentityUnitOfWork, hasher: PasswordHasher, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow, self._hasher, self._clock, self._ids = uow, hasher, clock, ids

    async def __call__(self, *, email: str, password: str, role: Role, full_name: str | None = None) -> User:
        address = normalize_email(email)
        validate_password(password)
        now = self._clock.now()
        user = User(
            id=self._ids.new_id(),
            email=address,
            full_name=FullName.parse(full_name or address.split("@")[0]).value,
            password_hash=await self._hasher.hash(password),
            role=role,
            created_at=now,
            updated_at=now,
        )
        async with self._uow as uow:
            try:
                await uow.users.add(user)
            except EmailTaken:
                raise Conflict("A user with this email already exists") from None
            await uow.commit()
        return user


class EnsureAdmin:
    """Make sure the configured admin exists; an existing account keeps its password."""

    def __init__(self, uow: IdentityUnitOfWork, create_user: CreateUser, clock: Clock) -> None:
        self._uow, self._create, self._clock = uow, create_user, clock

    async def __call__(self, *, email: str, password: str) -> User:
        address = normalize_email(email)
        async with self._uow as uow:
            found = await uow.users.get_by_email(address)
            user = None if found is None else await uow.users.get(found.id, for_update=True)
            if user is not None:
                if user.role is not Role.ADMIN or not user.is_active:
                    user.role, user.is_active, user.updated_at = Role.ADMIN, True, self._clock.now()
                    await uow.users.update(user)
                    await uow.commit()
                return user
        try:
            return await self._create(
                email=address, password=password, role=Role.ADMIN, full_name="Administrator"
            )
        except Conflict:  # another worker created it at the same moment
            async with self._uow as uow:
                existing = await uow.users.get_by_email(address)
            assert existing is not None
            return existing

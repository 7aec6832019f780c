"""Email flows: address verification, password reset, and the notice of a changed password.

Tokens are made here and stored only as hashes (``EmailToken.issue``); a newer token of a
purpose retires the user's older ones; using one is a conditional update, so of two requests
racing with one token exactly one succeeds. Messages are queued in the unit of work of the change
they tell about: sent after it commits, never when it rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lms_domain.identity.entities import User
from lms_domain.identity.ports import IdentityUnitOfWork, LoginThrottle, PasswordHasher, SessionStore
from lms_domain.identity.use_cases.sessions import settle_caller
from lms_domain.identity.values import normalize_email, validate_password
from lms_domain.mail.entities import EmailToken, TokenPurpose, hash_token
from lms_domain.mail.ports import PasswordResetJobs
from lms_domain.mail.templates import MailTemplates
from lms_domain.shared.actors import Actor
from lms_domain.shared.audit import NO_CONTEXT, AuditAction, AuditEntry, RequestContext
from lms_domain.shared.errors import Conflict, InvalidRequest, NotFound
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = [
    "ConfirmPasswordReset",
    "CredentialStores",
    "EmailPolicy",
    "RequestPasswordReset",
    "ResendVerification",
    "SendPasswordReset",
    "Verifications",
    "VerifyEmail",
    "tell_password_changed",
]

INVALID_TOKEN = "Invalid or expired token"


@dataclass(frozen=True, slots=True)
class EmailPolicy:
    """``resets_per_window`` reset messages at most per account in ``reset_window``."""

    resets_per_window: int = 3
    reset_window: timedelta = timedelta(minutes=60)


class Verifications:
    """Sends address verification links: shared by registration and ``ResendVerification``."""

    def __init__(self, templates: MailTemplates, clock: Clock, ids: IdGenerator) -> None:
        self._templates, self._clock, self._ids = templates, clock, ids

    async def send(self, uow: IdentityUnitOfWork, user: User) -> None:
        """A new verification token for ``user`` (older ones stop working) and its message, in
        ``uow``."""
        now = self._clock.now()
        await uow.email_tokens.retire(user.id, TokenPurpose.VERIFY_EMAIL, now=now)
        record, token = EmailToken.issue(
            id=self._ids.new_id(), user_id=user.id, purpose=TokenPurpose.VERIFY_EMAIL, at=now
        )
        await uow.email_tokens.add(record)
        message = self._templates.verify_email(to=user.email, full_name=user.full_name, token=token)
        await uow.mail.queue(message, at=now)


async def tell_password_changed(
    uow: IdentityUnitOfWork, user: User, templates: MailTemplates, now: datetime
) -> None:
    """The notice sent after every password change (own change or reset), in ``uow``."""
    await uow.mail.queue(templates.password_changed(to=user.email, full_name=user.full_name), at=now)


class VerifyEmail:
    """``POST /auth/verify-email``: the token proves the address; the user as ``/users/me`` shows it
    (and the caller acts as verified from the next request on, on every worker)."""

    def __init__(self, uow: IdentityUnitOfWork, sessions: SessionStore, clock: Clock) -> None:
        self._uow, self._sessions, self._clock = uow, sessions, clock

    async def __call__(self, *, token: str) -> User:
        now = self._clock.now()
        async with self._uow as uow:
            found = await uow.email_tokens.find(hash_token(token), TokenPurpose.VERIFY_EMAIL, now=now)
            if found is None:
                raise InvalidRequest(INVALID_TOKEN)
            user = await uow.users.get(found.user_id, for_update=True)
            if user is None or not await uow.email_tokens.use(found.id, now=now):
                raise InvalidRequest(INVALID_TOKEN)
            hold = None
            if not user.email_verified:
                user.email_verified, user.updated_at = True, now
                await uow.users.update(user)
                hold = await self._sessions.hold_caller(user.id)
            await uow.commit()
        await settle_caller(self._sessions, user, hold)
        return user


class ResendVerification:
    """``POST /auth/verify-email/resend``: a new message; the older token stops working."""

    def __init__(self, uow: IdentityUnitOfWork, verifications: Verifications) -> None:
        self._uow, self._verifications = uow, verifications

    async def __call__(self, *, actor: Actor) -> None:
        async with self._uow as uow:
            user = await uow.users.get(actor.user_id, for_update=True)
            if user is None:
                raise NotFound("User not found")
            if user.email_verified:
                raise Conflict("Email already verified")
            await self._verifications.send(uow, user)
            await uow.commit()


class RequestPasswordReset:
    """``POST /auth/password-reset/request``: the same work for every well-formed address. The
    request is handed to the background (``SendPasswordReset``), so neither the answer nor the
    time it takes tells whether the address has an account."""

    def __init__(self, jobs: PasswordResetJobs) -> None:
        self._jobs = jobs

    async def __call__(self, *, email: str) -> None:
        await self._jobs.request_reset(normalize_email(email))


class SendPasswordReset:
    """The background half of a reset request: for an active account, a reset message with a new
    token (older reset tokens stop working), at most ``resets_per_window`` in ``reset_window``.
    The account is locked first, so racing requests count each other."""

    def __init__(
        self,
        uow: IdentityUnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        templates: MailTemplates,
        policy: EmailPolicy | None = None,
    ) -> None:
        self._uow, self._clock, self._ids, self._templates = uow, clock, ids, templates
        self._policy = policy or EmailPolicy()

    async def __call__(self, *, email: str) -> bool:
        """True when a message was queued."""
        now = self._clock.now()
        async with self._uow as uow:
            found = await uow.users.get_by_email(email)
            user = None if found is None else await uow.users.get(found.id, for_update=True)
            if user is None or not user.is_active:
                return False
            since = now - self._policy.reset_window
            if await uow.email_tokens.count_since(user.id, TokenPurpose.RESET_PASSWORD, since) >= (
                self._policy.resets_per_window
            ):
                return False
            await uow.email_tokens.retire(user.id, TokenPurpose.RESET_PASSWORD, now=now)
            record, token = EmailToken.issue(
                id=self._ids.new_id(), user_id=user.id, purpose=TokenPurpose.RESET_PASSWORD, at=now
            )
            await uow.email_tokens.add(record)
            message = self._templates.reset_password(to=user.email, full_name=user.full_name, token=token)
            await uow.mail.queue(message, at=now)
            await uow.commit()
        return True


@dataclass(frozen=True, slots=True)
class CredentialStores:
    """The stores outside the database a proven password reset changes: the lockout (cleared) and
    the sessions (their copy of the user's credentials version)."""

    throttle: LoginThrottle
    sessions: SessionStore


class ConfirmPasswordReset:
    """``POST /auth/password-reset/confirm``: a bad token is 400 before the password is checked; a
    password the rules refuse is 422 and leaves the token usable. The lockout is cleared first (the
    token proves who asks; when the lockout store is down the answer is 503 and no password
    changed); then the new password, the used token (the user's other reset tokens retired), a new
    credentials version and the notice commit together: from the commit on, every session of the
    user (access and refresh tokens alike) is refused by its older version. MFA stays as it was."""

    def __init__(
        self,
        uow: IdentityUnitOfWork,
        hasher: PasswordHasher,
        stores: CredentialStores,
        clock: Clock,
        templates: MailTemplates,
    ) -> None:
        self._uow, self._hasher, self._stores = uow, hasher, stores
        self._clock, self._templates = clock, templates

    async def __call__(self, *, token: str, new_password: str, context: RequestContext = NO_CONTEXT) -> None:
        token_hash = hash_token(token)
        async with self._uow as uow:
            found = await uow.email_tokens.find(
                token_hash, TokenPurpose.RESET_PASSWORD, now=self._clock.now()
            )
            owner = None if found is None else await uow.users.get(found.user_id)
        if owner is None:
            raise InvalidRequest(INVALID_TOKEN)
        validate_password(new_password, "new_password")
        new_hash = await self._hasher.hash(new_password)
        await self._stores.throttle.clear(owner.email)
        now = self._clock.now()
        async with self._uow as uow:
            found = await uow.email_tokens.find(token_hash, TokenPurpose.RESET_PASSWORD, now=now)
            user = None if found is None else await uow.users.get(found.user_id, for_update=True)
            if found is None or user is None or not await uow.email_tokens.use(found.id, now=now):
                raise InvalidRequest(INVALID_TOKEN)
            await uow.email_tokens.retire(user.id, TokenPurpose.RESET_PASSWORD, now=now)
            user.change_password(new_hash, now, by_session=None)
            await uow.users.update(user)
            await tell_password_changed(uow, user, self._templates, now)
            await uow.audit.record(
                AuditEntry.of(
                    AuditAction.PASSWORD_RESET, at=now, actor_id=None, target_id=user.id, context=context
                )
            )
            hold = await self._stores.sessions.hold_caller(user.id)  # no answer: 503, nothing changed
            await uow.commit()
        await settle_caller(self._stores.sessions, user, hold)

"""Multi-factor authentication: issuing a secret, turning it on with a code, and off again."""

from __future__ import annotations

from dataclasses import dataclass

from lms_domain.identity.entities import User
from lms_domain.identity.ports import IdentityUnitOfWork, SessionStore, TotpService
from lms_domain.identity.use_cases.passwords import OneTimeCodes
from lms_domain.identity.use_cases.sessions import settle_caller
from lms_domain.shared.actors import Actor
from lms_domain.shared.audit import AuditAction, entry_by
from lms_domain.shared.errors import Conflict, InvalidRequest, NotFound
from lms_domain.shared.ports import Clock

__all__ = ["DisableMfa", "EnableMfa", "MfaSetup", "VerifyMfa"]


@dataclass(frozen=True, slots=True)
class MfaSetup:
    secret: str
    provisioning_url: str


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


class _MfaSwitch:
    """Turns MFA on or off with a code, checked outside any transaction (the store of used
    codes may share the database)."""

    def __init__(
        self, uow: IdentityUnitOfWork, codes: OneTimeCodes, sessions: SessionStore, clock: Clock
    ) -> None:
        self._uow, self._codes, self._sessions, self._clock = uow, codes, sessions, clock

    async def user(self, actor: Actor) -> User:
        async with self._uow as uow:
            user = await uow.users.get(actor.user_id)
        if user is None:
            raise NotFound("User not found")
        return user

    async def turn(self, actor: Actor, user: User, code: str, *, enabled: bool) -> None:
        if user.mfa_secret is None:
            raise InvalidRequest("MFA has not been set up; call /auth/mfa/enable first")
        if not await self._codes.accept(user, code):
            raise InvalidRequest("Invalid or already used MFA code")
        async with self._uow as uow:
            fresh = await uow.users.get(user.id, for_update=True)
            if fresh is None or fresh.mfa_secret != user.mfa_secret:
                raise Conflict("MFA settings changed meanwhile; try again")
            fresh.mfa_enabled, fresh.updated_at = enabled, self._clock.now()
            if not enabled:
                fresh.mfa_secret = None
            await uow.users.update(fresh)
            action = AuditAction.MFA_ENABLED if enabled else AuditAction.MFA_DISABLED
            await uow.audit.record(entry_by(actor, action, at=fresh.updated_at, target_id=fresh.id))
            hold = await self._sessions.hold_caller(fresh.id)  # the kept profile: 503 if no answer
            await uow.commit()
        await settle_caller(self._sessions, fresh, hold)


class VerifyMfa:
    def __init__(
        self, uow: IdentityUnitOfWork, codes: OneTimeCodes, sessions: SessionStore, clock: Clock
    ) -> None:
        self._switch = _MfaSwitch(uow, codes, sessions, clock)

    async def __call__(self, *, actor: Actor, code: str) -> None:
        user = await self._switch.user(actor)
        if user.mfa_enabled:
            raise Conflict("MFA is already enabled")
        await self._switch.turn(actor, user, code, enabled=True)


class DisableMfa:
    def __init__(
        self, uow: IdentityUnitOfWork, codes: OneTimeCodes, sessions: SessionStore, clock: Clock
    ) -> None:
        self._switch = _MfaSwitch(uow, codes, sessions, clock)

    async def __call__(self, *, actor: Actor, code: str) -> None:
        user = await self._switch.user(actor)
        if not user.mfa_enabled:
            raise InvalidRequest("MFA is not enabled")
        await self._switch.turn(actor, user, code, enabled=False)

"""Erasing an account (GDPR Article 17): on the person's own request, or by an admin.

What named the person goes in one transaction: the account's address, name, password hash and MFA
secret (the row stays, naming no one, for the enrollments, attempts and certificates that point at
it), their course staff roles, email tokens, mail not yet sent, files and the name on their
certificates. Stored bytes (the files, the certificates' PDFs) cannot be part of a database
transaction: their keys are listed in the same transaction and deleted after it commits, retried
until the storage has deleted them (``PurgeBlobs``).
"""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import timedelta
from uuid import UUID

from lms_domain.files.ports import BlobStorage
from lms_domain.identity.ports import SessionStore
from lms_domain.identity.use_cases import Reauthentication, refuse_last_admin, settle_caller
from lms_domain.privacy.ports import BlobPurgeJobs, ErasureUnitOfWork
from lms_domain.shared.actors import Actor
from lms_domain.shared.audit import AuditAction, entry_by
from lms_domain.shared.errors import Conflict, Forbidden, InvalidRequest, NotFound, Unavailable
from lms_domain.shared.events import Event, EventType
from lms_domain.shared.ports import Clock

__all__ = ["EraseOwnAccount", "EraseUser", "PurgeBlobs", "purge_delay"]

_log = logging.getLogger("lms.erasure")
USER_NOT_FOUND = "User not found"


class _Erasure:
    """The transaction both ways share, and what follows its commit."""

    def __init__(
        self, uow: ErasureUnitOfWork, sessions: SessionStore, jobs: BlobPurgeJobs, clock: Clock
    ) -> None:
        self._uow, self._sessions, self._jobs, self._clock = uow, sessions, jobs, clock

    async def erase(self, actor: Actor, user_id: UUID, *, checked_hash: str | None = None) -> None:
        """``checked_hash``: the password hash the caller's password was checked against (409 if
        it changed meanwhile)."""
        async with self._uow as uow:
            # first, with the user, like every change that may leave no active admin
            admins = await uow.users.lock_active_admins(and_user=user_id)
            user = await uow.users.get(user_id, for_update=True)
            if user is None:
                raise NotFound(USER_NOT_FOUND)
            if checked_hash is not None and user.password_hash != checked_hash:
                raise Conflict("The password was changed meanwhile; try again")
            refuse_last_admin(admins, user.id, "erased")
            if await uow.erasure.owns_courses(user.id):
                raise Conflict("The user owns courses: delete them first")
            now = self._clock.now()
            queued = await uow.erasure.erase(user.id, at=now)
            user.erase(now)
            await uow.users.update(user)
            await uow.audit.record(entry_by(actor, AuditAction.ERASED, at=now, target_id=user.id))
            await uow.events.record(Event.of(EventType.USER_ERASED, at=now, user_id=user.id))
            hold = await self._sessions.hold_caller(user.id)  # no answer: 503, nothing erased
            await uow.commit()
        await settle_caller(self._sessions, user, hold)
        with suppress(Unavailable):  # tidy: the new credentials version already refuses them all
            await self._sessions.revoke_user(user.id)
        if queued:
            try:
                await self._jobs.purge_blobs()
            except Unavailable:  # the periodic sweep works them off
                _log.warning("blob deletions of an erased account wait for the next sweep")


class EraseOwnAccount:
    """``POST /users/me/erase``: with the password, and a code when MFA is on (400 otherwise, the
    session going on); 409 for the last active admin or an owner of courses."""

    def __init__(
        self,
        uow: ErasureUnitOfWork,
        reauthentication: Reauthentication,
        sessions: SessionStore,
        jobs: BlobPurgeJobs,
        clock: Clock,
    ) -> None:
        self._uow, self._reauthentication = uow, reauthentication
        self._erasure = _Erasure(uow, sessions, jobs, clock)

    async def __call__(self, *, actor: Actor, password: str | None, mfa_code: str | None) -> None:
        async with self._uow as uow:
            user = await uow.users.get(actor.user_id)
        if user is None:
            raise NotFound(USER_NOT_FOUND)
        await self._reauthentication.confirm(user, password, mfa_code)  # no transaction open meanwhile
        await self._erasure.erase(actor, user.id, checked_hash=user.password_hash)


class EraseUser:
    """``POST /users/{id}/erase``: admins only; one's own id is 400 before any other check (that
    takes the password: ``EraseOwnAccount``)."""

    def __init__(
        self, uow: ErasureUnitOfWork, sessions: SessionStore, jobs: BlobPurgeJobs, clock: Clock
    ) -> None:
        self._erasure = _Erasure(uow, sessions, jobs, clock)

    async def __call__(self, *, actor: Actor, user_id: UUID) -> None:
        if user_id == actor.user_id:
            raise InvalidRequest("To erase your own account, use /users/me/erase")
        if not actor.is_admin:
            raise Forbidden("Only admins can erase other users")
        await self._erasure.erase(actor, user_id)


def purge_delay(attempts: int) -> timedelta:
    """How long a failed deletion waits: 30 s, doubling with each failure, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


class PurgeBlobs:
    """Deletes the due stored bytes of erased accounts; a key leaves the list only once the
    storage has deleted it (deleting a key already gone counts). Answers how many it deleted."""

    def __init__(self, uow: ErasureUnitOfWork, blobs: BlobStorage, clock: Clock, *, limit: int = 100) -> None:
        self._uow, self._blobs, self._clock, self._limit = uow, blobs, clock, limit

    async def __call__(self) -> int:
        async with self._uow as uow:
            due = await uow.blob_deletions.due(now=self._clock.now(), limit=self._limit)
        deleted = 0
        for pending in due:
            try:
                await self._blobs.delete(pending.key)
            except Exception as e:
                attempts = pending.attempts + 1
                _log.warning("deleting a stored blob failed (try %d): %s", attempts, e)
                async with self._uow as uow:
                    until = self._clock.now() + purge_delay(attempts)
                    await uow.blob_deletions.postpone(pending.key, attempts=attempts, until=until)
                    await uow.commit()
                continue
            async with self._uow as uow:
                await uow.blob_deletions.done(pending.key)
                await uow.commit()
            deleted += 1
        return deleted

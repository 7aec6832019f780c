"""Accounts: reading and listing users, profiles, passwords, administration and creation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from uuid import UUID

from lms_domain.identity.entities import CallerState, User, UserProfile
from lms_domain.identity.ports import (
    EmailTaken,
    IdentityReader,
    IdentityUnitOfWork,
    PasswordHasher,
    SessionStore,
)
from lms_domain.identity.use_cases.email import tell_password_changed
from lms_domain.identity.use_cases.sessions import settle_caller
from lms_domain.identity.values import FullName, normalize_email, validate_password
from lms_domain.mail.templates import MailTemplates
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.audit import AuditAction, entry_by
from lms_domain.shared.errors import Conflict, Forbidden, InvalidRequest, NotFound, Unavailable
from lms_domain.shared.events import Event, EventType
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = [
    "AdminUpdateUser",
    "ChangePassword",
    "CreateUser",
    "EnsureAdmin",
    "GetProfile",
    "GetUser",
    "ListUsers",
    "NewAccounts",
    "UpdateProfile",
    "add_user",
    "refuse_last_admin",
]


async def add_user(
    uow: IdentityUnitOfWork,
    user: User,
    *,
    then: Callable[[IdentityUnitOfWork], Awaitable[None]] | None = None,
) -> None:
    """Store a new account in a unit of work of its own, with what ``then`` adds to it; 409 when
    the address is taken (a unique constraint decides)."""
    async with uow as unit:
        try:
            await unit.users.add(user)
        except EmailTaken:
            raise Conflict("A user with this email already exists") from None
        if then is not None:
            await then(unit)
        await unit.events.record(
            Event.of(
                EventType.USER_REGISTERED,
                at=user.created_at,
                user_id=user.id,
                email=user.email,
                full_name=user.full_name,
                role=user.role.value,
            )
        )
        await unit.commit()


def refuse_last_admin(active_admins: Sequence[UUID], user_id: UUID, change: str) -> None:
    """409 when ``user_id`` is the only one of ``active_admins`` (read with
    ``lock_active_admins``): an installation always keeps an active admin."""
    if list(active_admins) == [user_id]:
        raise Conflict(f"The last active admin cannot be {change}")


class GetUser:
    def __init__(self, uow: IdentityReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, user_id: UUID | None = None) -> User:
        target = user_id or actor.user_id
        if target != actor.user_id and not actor.is_admin:
            raise NotFound("User not found")
        async with self._uow as uow:
            user = await uow.users.get(target)
        if user is None:
            raise NotFound("User not found")
        return user


class GetProfile:
    """The caller's own profile: the one in the state this request was authenticated with when
    given (every change of the profile goes through the session store's hold and settle, so it is
    the user's as committed), else read."""

    def __init__(self, uow: IdentityReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, caller: CallerState | None = None) -> UserProfile:
        if caller is not None and caller.user_id == actor.user_id:
            return caller.profile()
        async with self._uow as uow:
            user = await uow.users.get(actor.user_id)
        if user is None:
            raise NotFound("User not found")
        return user.profile()


class UpdateProfile:
    def __init__(self, uow: IdentityUnitOfWork, sessions: SessionStore, clock: Clock) -> None:
        self._uow, self._sessions, self._clock = uow, sessions, clock

    async def __call__(self, *, actor: Actor, full_name: str | None = None) -> User:
        hold = None
        async with self._uow as uow:
            user = await uow.users.get(actor.user_id, for_update=True)
            if user is None:
                raise NotFound("User not found")
            if full_name is not None:
                user.full_name = FullName.parse(full_name).value
                user.updated_at = self._clock.now()
                await uow.users.update(user)
                hold = await self._sessions.hold_caller(user.id)  # the kept profile: 503 if no answer
            await uow.commit()
        await settle_caller(self._sessions, user, hold)
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
        self,
        uow: IdentityUnitOfWork,
        hasher: PasswordHasher,
        sessions: SessionStore,
        clock: Clock,
        templates: MailTemplates,
    ) -> None:
        self._uow, self._hasher, self._sessions, self._clock = uow, hasher, sessions, clock
        self._templates = templates

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
            now = self._clock.now()
            user.change_password(new_hash, now, by_session=actor.session_id)
            await uow.users.update(user)
            await tell_password_changed(uow, user, self._templates, now)
            await uow.audit.record(entry_by(actor, AuditAction.PASSWORD_CHANGED, at=now, target_id=user.id))
            hold = await self._sessions.hold_caller(user.id)  # no answer: 503, nothing changed
            await uow.commit()
        await settle_caller(self._sessions, user, hold)
        with suppress(Unavailable):
            if actor.session_id is not None:
                await self._sessions.carry_over(actor.session_id, user.credentials_version)
            await self._sessions.revoke_user(user.id, keep=actor.session_id)  # tidy: already refused


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
        demoting = is_active is False or (role is not None and role is not Role.ADMIN)
        if user_id == actor.user_id and demoting:
            raise InvalidRequest("Admins cannot deactivate or demote themselves")
        async with self._uow as uow:
            admins = await uow.users.lock_active_admins(and_user=user_id) if demoting else ()
            user = await uow.users.get(user_id, for_update=True)
            if user is None:
                raise NotFound("User not found")
            if demoting:
                refuse_last_admin(admins, user.id, "deactivated or demoted")
            now = self._clock.now()
            entries = []
            if role is not None and role is not user.role:
                entries.append(entry_by(actor, AuditAction.ROLE_CHANGED, at=now, target_id=user.id, to=role))
                user.role = role
            if full_name is not None:
                user.full_name = FullName.parse(full_name).value
            if is_active is not None and is_active is not user.is_active:
                entries.append(
                    entry_by(
                        actor, AuditAction.ACTIVE_CHANGED, at=now, target_id=user.id, is_active=is_active
                    )
                )
            deactivated = is_active is False and user.is_active
            if deactivated:
                user.deactivate(now)  # a new credentials version: every session ends with this commit
            elif is_active:
                user.is_active = True
            user.updated_at = now
            await uow.users.update(user)
            for entry in entries:
                await uow.audit.record(entry)
            # the store's copy of the user is dropped before the commit (no answer: 503, nothing
            # changed) and replaced after it, so no request honours the old role (or shows the old
            # name) once this commits
            changed = entries or full_name is not None
            hold = await self._sessions.hold_caller(user.id) if changed else None
            await uow.commit()
        await settle_caller(self._sessions, user, hold)
        if deactivated:
            with suppress(Unavailable):  # tidy: the version already refuses every session
                await self._sessions.revoke_user(user.id)
        return user


class NewAccounts:
    """Makes the record of a new account (not yet stored): the address, name and password checked
    (422 naming the field), then the password hashed. Shared by registration and ``CreateUser``."""

    def __init__(self, hasher: PasswordHasher, clock: Clock, ids: IdGenerator) -> None:
        self._hasher, self._clock, self._ids = hasher, clock, ids

    async def make(self, *, email: str, password: str, role: Role, full_name: str | None) -> User:
        """``full_name`` ``None``: the address's local part."""
        address = normalize_email(email)
        name = FullName.parse(address.split("@")[0] if full_name is None else full_name)
        validate_password(password)
        return User.create(
            id=self._ids.new_id(),
            email=address,
            full_name=name.value,
            password_hash=await self._hasher.hash(password),
            role=role,
            at=self._clock.now(),
        )


class CreateUser:
    """Create an account with any role (command line and startup admin)."""

    def __init__(self, uow: IdentityUnitOfWork, accounts: NewAccounts) -> None:
        self._uow, self._accounts = uow, accounts

    async def __call__(self, *, email: str, password: str, role: Role, full_name: str | None = None) -> User:
        user = await self._accounts.make(
            email=email, password=password, role=role, full_name=full_name or None
        )
        user.email_verified = True  # an administrator vouches for accounts made this way
        await add_user(self._uow, user)
        return user


class EnsureAdmin:
    """Make sure the configured admin exists; an existing account keeps its password."""

    def __init__(
        self, uow: IdentityUnitOfWork, create_user: CreateUser, sessions: SessionStore, clock: Clock
    ) -> None:
        self._uow, self._create, self._sessions, self._clock = uow, create_user, sessions, clock

    async def __call__(self, *, email: str, password: str) -> User:
        address = normalize_email(email)
        async with self._uow as uow:
            found = await uow.users.get_by_email(address)
            user = None if found is None else await uow.users.get(found.id, for_update=True)
            if user is not None:
                if user.role is not Role.ADMIN or not user.is_active or not user.email_verified:
                    user.role, user.is_active, user.updated_at = Role.ADMIN, True, self._clock.now()
                    user.email_verified = True
                    await uow.users.update(user)
                    hold = await self._sessions.hold_caller(user.id)
                    await uow.commit()
                    await settle_caller(self._sessions, user, hold)
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

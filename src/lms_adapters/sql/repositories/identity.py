"""Users in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from lms_adapters.sql.prebuilt import built_once
from lms_adapters.sql.tables import users
from lms_domain.identity.entities import User
from lms_domain.identity.ports import EmailTaken
from lms_domain.shared.actors import Role
from lms_domain.shared.pagination import PageRequest

# an erased account is no user any more: every read leaves it out
_KEPT = users.c.erased_at.is_(None)
_USER_BY_ID = built_once(lambda user_id: select(users).where(users.c.id == user_id, _KEPT))
# FOR NO KEY UPDATE: the row is ours until the unit of work ends (SQLite's BEGIN IMMEDIATE already
# holds the database), while rows that merely refer to the user (its courses, enrollments) go on
_USER_FOR_UPDATE = built_once(
    lambda user_id: select(users).where(users.c.id == user_id, _KEPT).with_for_update(key_share=True)
)
# every active admin, locked in the order of their ids: changes that may leave no active admin
# queue behind each other and each sees what the one before it left. The user a change is about
# is locked in the same pass: PostgreSQL locks the newest version of a row a concurrent change
# holds before re-checking it, and keeps that lock when the re-check leaves the row out (an admin
# deactivated meanwhile), so locking the user after the pass could close a cycle with another pass
_ACTIVE_ADMIN = (users.c.role == Role.ADMIN.value) & users.c.is_active.is_(True) & _KEPT
_LOCK_ACTIVE_ADMINS = built_once(
    lambda user_id: (
        select(users.c.id, _ACTIVE_ADMIN.label("admin"))
        .where(_ACTIVE_ADMIN | ((users.c.id == user_id) & _KEPT))
        .order_by(users.c.id)
        .with_for_update(key_share=True)
    )
)
_RECORD_LOGIN = built_once(
    lambda user_id, at: (
        update(users).where(users.c.id == user_id, _KEPT).values(last_login_at=at).returning(*users.c)
    )
)

__all__ = ["SqlUserRepository", "escape_like"]


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _user_row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "password_hash": user.password_hash,
        "role": user.role.value,
        "is_active": user.is_active,
        "mfa_enabled": user.mfa_enabled,
        "mfa_secret": user.mfa_secret,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "last_login_at": user.last_login_at,
        "credentials_version": user.credentials_version,
        "credentials_session_id": user.credentials_session_id,
        "email_verified": user.email_verified,
        "erased_at": user.erased_at,
    }


def _user(row: Any) -> User:
    return User(
        id=row.id,
        email=row.email,
        full_name=row.full_name,
        password_hash=row.password_hash,
        role=Role(row.role),
        is_active=row.is_active,
        mfa_enabled=row.mfa_enabled,
        mfa_secret=row.mfa_secret,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_login_at=row.last_login_at,
        credentials_version=row.credentials_version,
        credentials_session_id=row.credentials_session_id,
        email_verified=row.email_verified,
        erased_at=row.erased_at,
    )


class SqlUserRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        statement = _USER_FOR_UPDATE() if for_update else _USER_BY_ID()
        row = (await self._connection.execute(statement, {"user_id": user_id})).first()
        return _user(row) if row else None

    async def get_by_email(self, email: str) -> User | None:
        row = (
            await self._connection.execute(select(users).where(users.c.email == email.lower(), _KEPT))
        ).first()
        return _user(row) if row else None

    async def lock_active_admins(self, *, and_user: UUID | None = None) -> Sequence[UUID]:
        rows = await self._connection.execute(_LOCK_ACTIVE_ADMINS(), {"user_id": and_user})
        return [user_id for user_id, admin in rows if admin]

    async def add(self, user: User) -> None:
        try:
            async with self._connection.begin_nested():
                await self._connection.execute(insert(users).values(**_user_row(user)))
        except IntegrityError as e:
            raise EmailTaken(user.email) from e

    async def update(self, user: User) -> None:
        row = _user_row(user)
        del row["id"], row["created_at"]
        await self._connection.execute(update(users).where(users.c.id == user.id).values(**row))

    async def record_login(self, user_id: UUID, at: datetime) -> User | None:
        row = (await self._connection.execute(_RECORD_LOGIN(), {"user_id": user_id, "at": at})).first()
        return None if row is None else _user(row)

    async def list(
        self, *, page: PageRequest, role: Role | None = None, query: str | None = None
    ) -> tuple[Sequence[User], int]:
        conditions: list[ColumnElement[bool]] = [_KEPT]
        if role is not None:
            conditions.append(users.c.role == role.value)
        if query:
            pattern = f"%{escape_like(query.lower())}%"
            conditions.append(
                or_(
                    users.c.email.like(pattern, escape="\\"),
                    func.lower(users.c.full_name).like(pattern, escape="\\"),
                )
            )
        total = (
            await self._connection.execute(select(func.count()).select_from(users).where(*conditions))
        ).scalar_one()
        rows = (
            await self._connection.execute(
                select(users)
                .where(*conditions)
                .order_by(users.c.created_at, users.c.id)
                .limit(page.page_size)
                .offset(page.offset)
            )
        ).all()
        return [_user(r) for r in rows], total

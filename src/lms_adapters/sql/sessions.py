"""Logins, refresh rotation, revocation and used TOTP steps in SQL (survive restarts)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_adapters.sql.prebuilt import built_once
from lms_adapters.sql.tables import auth_sessions, used_totp_steps, users
from lms_domain.identity.entities import CallerState
from lms_domain.identity.ports import LiveSession, RotateOutcome
from lms_domain.shared.actors import Role

__all__ = ["SqlSessionStore"]

# the session and what authentication needs of its user, in one statement (an erased user is gone)
_LIVE_WITH_USER = built_once(
    lambda session_id, user_id: (
        select(
            auth_sessions.c.revoked,
            auth_sessions.c.expires_at,
            auth_sessions.c.credentials_version.label("session_version"),
            users.c.role,
            users.c.is_active,
            users.c.email_verified,
            users.c.credentials_version,
            users.c.credentials_session_id,
            users.c.email,
            users.c.full_name,
            users.c.mfa_enabled,
            users.c.created_at,
            users.c.last_login_at,
        )
        .select_from(auth_sessions.join(users, users.c.id == auth_sessions.c.user_id))
        .where(
            auth_sessions.c.id == session_id,
            auth_sessions.c.user_id == user_id,
            users.c.erased_at.is_(None),
        )
    )
)


class SqlSessionStore:
    """Sessions in the users' own database: ``live`` reads the user with the session, always as
    committed, so there is no copy to keep in step (holds and settles do nothing)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def open(
        self,
        *,
        session_id: UUID,
        user_id: UUID,
        refresh_id: UUID,
        expires_at: datetime,
        credentials_version: int,
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(auth_sessions).where(
                    auth_sessions.c.user_id == user_id, auth_sessions.c.expires_at < datetime.now(UTC)
                )
            )
            await conn.execute(
                insert(auth_sessions).values(
                    id=session_id,
                    user_id=user_id,
                    refresh_id=refresh_id,
                    revoked=False,
                    expires_at=expires_at,
                    credentials_version=credentials_version,
                )
            )

    async def rotate(
        self, *, session_id: UUID, presented_refresh_id: UUID, new_refresh_id: UUID, expires_at: datetime
    ) -> RotateOutcome:
        async with self._engine.begin() as conn:
            live = (
                auth_sessions.c.id == session_id,
                auth_sessions.c.revoked.is_(False),
                auth_sessions.c.expires_at > datetime.now(UTC),
            )
            done = await conn.execute(
                update(auth_sessions)
                .where(*live, auth_sessions.c.refresh_id == presented_refresh_id)
                .values(refresh_id=new_refresh_id, expires_at=expires_at)
            )
            if done.rowcount == 1:
                return RotateOutcome.ROTATED
            reused = await conn.execute(update(auth_sessions).where(*live).values(revoked=True))
            return RotateOutcome.REUSED if reused.rowcount else RotateOutcome.REVOKED

    async def live_version(self, session_id: UUID) -> int | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        auth_sessions.c.revoked,
                        auth_sessions.c.expires_at,
                        auth_sessions.c.credentials_version,
                    ).where(auth_sessions.c.id == session_id)
                )
            ).first()
        if row is None or row.revoked or row.expires_at <= datetime.now(UTC):
            return None
        return int(row.credentials_version)

    async def live(self, session_id: UUID, *, user_id: UUID) -> LiveSession | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(_LIVE_WITH_USER(), {"session_id": session_id, "user_id": user_id})
            ).first()
        if row is None or row.revoked or row.expires_at <= datetime.now(UTC):
            return None
        state = CallerState(
            user_id=user_id,
            role=Role(row.role),
            is_active=bool(row.is_active),
            email_verified=bool(row.email_verified),
            credentials_version=int(row.credentials_version),
            credentials_session_id=row.credentials_session_id,
            email=row.email,
            full_name=row.full_name,
            mfa_enabled=bool(row.mfa_enabled),
            created_at=row.created_at,
            last_login_at=row.last_login_at,
        )
        return LiveSession(user_id, int(row.session_version), state)

    async def hold_caller(self, user_id: UUID) -> str:
        return ""  # nothing kept: ``live`` reads the user as committed

    async def settle_caller(self, state: CallerState, *, hold: str) -> None:
        return None

    async def offer_caller(self, state: CallerState) -> None:
        return None

    async def carry_over(self, session_id: UUID, credentials_version: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(auth_sessions)
                .where(auth_sessions.c.id == session_id, auth_sessions.c.revoked.is_(False))
                .values(credentials_version=credentials_version)
            )

    async def revoke(self, session_id: UUID) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(auth_sessions).where(auth_sessions.c.id == session_id).values(revoked=True)
            )

    async def revoke_user(self, user_id: UUID, *, keep: UUID | None = None) -> None:
        condition = [auth_sessions.c.user_id == user_id]
        if keep is not None:
            condition.append(auth_sessions.c.id != keep)
        async with self._engine.begin() as conn:
            await conn.execute(update(auth_sessions).where(*condition).values(revoked=True))

    async def use_totp_step(self, user_id: UUID, step: int) -> bool:
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(used_totp_steps).values(user_id=user_id, step=step))
                await conn.execute(
                    delete(used_totp_steps).where(
                        used_totp_steps.c.user_id == user_id, used_totp_steps.c.step < step - 10
                    )
                )
        except IntegrityError:
            return False
        return True

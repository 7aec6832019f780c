"""Logins and TOTP steps in memory (tests and embedders)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from lms_domain.identity.entities import CallerState
from lms_domain.identity.ports import LiveSession, RotateOutcome

__all__ = ["MemorySessionStore"]


@dataclass
class _Session:
    user_id: UUID
    refresh_id: UUID
    revoked: bool
    expires_at: datetime
    credentials_version: int


class MemorySessionStore:
    """Keeps a copy of each user's ``CallerState`` like the Redis store (a hold is a string in
    place of the copy), without expiry: tests see the copy kept in step by the use cases alone."""

    def __init__(self) -> None:
        self._sessions: dict[UUID, _Session] = {}
        self._steps: set[tuple[UUID, int]] = set()
        self._callers: dict[UUID, CallerState | str] = {}

    def _live(self, session_id: UUID) -> _Session | None:
        s = self._sessions.get(session_id)
        return s if s and not s.revoked and s.expires_at > datetime.now(UTC) else None

    async def open(
        self,
        *,
        session_id: UUID,
        user_id: UUID,
        refresh_id: UUID,
        expires_at: datetime,
        credentials_version: int,
    ) -> None:
        self._sessions[session_id] = _Session(user_id, refresh_id, False, expires_at, credentials_version)

    async def rotate(
        self, *, session_id: UUID, presented_refresh_id: UUID, new_refresh_id: UUID, expires_at: datetime
    ) -> RotateOutcome:
        s = self._live(session_id)
        if s is None:
            return RotateOutcome.REVOKED
        if s.refresh_id != presented_refresh_id:
            s.revoked = True
            return RotateOutcome.REUSED
        s.refresh_id, s.expires_at = new_refresh_id, expires_at
        return RotateOutcome.ROTATED

    async def live_version(self, session_id: UUID) -> int | None:
        s = self._live(session_id)
        return None if s is None else s.credentials_version

    async def live(self, session_id: UUID, *, user_id: UUID) -> LiveSession | None:
        s = self._live(session_id)
        if s is None or s.user_id != user_id:
            return None
        kept = self._callers.get(user_id)
        return LiveSession(user_id, s.credentials_version, kept if isinstance(kept, CallerState) else None)

    async def hold_caller(self, user_id: UUID) -> str:
        hold = uuid.uuid4().hex
        self._callers[user_id] = hold
        return hold

    async def settle_caller(self, state: CallerState, *, hold: str) -> None:
        if self._callers.get(state.user_id) == hold:
            self._callers[state.user_id] = state

    async def offer_caller(self, state: CallerState) -> None:
        self._callers.setdefault(state.user_id, state)

    async def carry_over(self, session_id: UUID, credentials_version: int) -> None:
        if s := self._live(session_id):
            s.credentials_version = credentials_version

    async def revoke(self, session_id: UUID) -> None:
        if s := self._sessions.get(session_id):
            s.revoked = True

    async def revoke_user(self, user_id: UUID, *, keep: UUID | None = None) -> None:
        for sid, s in self._sessions.items():
            if s.user_id == user_id and sid != keep:
                s.revoked = True

    async def use_totp_step(self, user_id: UUID, step: int) -> bool:
        if (user_id, step) in self._steps:
            return False
        self._steps.add((user_id, step))
        return True

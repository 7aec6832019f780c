"""Sessions and their token pairs: the collaborator of every use case that signs someone in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from lms_domain.identity.entities import User
from lms_domain.identity.ports import RotateOutcome, SessionStore, TokenClaims, TokenCodec, TokenKind
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = ["INVALID_TOKEN", "AuthPolicy", "TokenIssuer", "TokenPair"]

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


class TokenIssuer:
    """Opens sessions and issues their tokens; rotates a session's refresh token."""

    def __init__(
        self, codec: TokenCodec, sessions: SessionStore, clock: Clock, ids: IdGenerator, policy: AuthPolicy
    ) -> None:
        self._codec, self._sessions, self._clock, self._ids, self._policy = (
            codec,
            sessions,
            clock,
            ids,
            policy,
        )

    @property
    def sessions(self) -> SessionStore:
        return self._sessions

    def _pair(self, user_id: UUID, session_id: UUID, refresh_id: UUID) -> TokenPair:
        now = self._clock.now()
        access = TokenClaims(
            subject=user_id,
            token_id=self._ids.new_id(),
            session_id=session_id,
            kind=TokenKind.ACCESS,
            issued_at=now,
            expires_at=now + timedelta(minutes=self._policy.access_token_minutes),
        )
        refresh = TokenClaims(
            subject=user_id,
            token_id=refresh_id,
            session_id=session_id,
            kind=TokenKind.REFRESH,
            issued_at=now,
            expires_at=self._refresh_expiry(),
        )
        return TokenPair(
            self._codec.encode(access), self._codec.encode(refresh), self._policy.access_token_minutes * 60
        )

    def _refresh_expiry(self) -> datetime:
        return self._clock.now() + timedelta(days=self._policy.refresh_token_days)

    async def open_session(self, user: User) -> tuple[TokenPair, UUID]:
        """A new login of ``user`` as read (its credentials version decides how long it lives)."""
        session_id, refresh_id = self._ids.new_id(), self._ids.new_id()
        await self._sessions.open(
            session_id=session_id,
            user_id=user.id,
            refresh_id=refresh_id,
            expires_at=self._refresh_expiry(),
            credentials_version=user.credentials_version,
        )
        return self._pair(user.id, session_id, refresh_id), session_id

    async def close_session(self, session_id: UUID) -> None:
        await self._sessions.revoke(session_id)

    async def rotate(self, claims: TokenClaims) -> tuple[RotateOutcome, TokenPair | None]:
        """Replace the session's refresh token if ``claims`` are of its current one; the new pair
        when it was rotated."""
        new_refresh = self._ids.new_id()
        outcome = await self._sessions.rotate(
            session_id=claims.session_id,
            presented_refresh_id=claims.token_id,
            new_refresh_id=new_refresh,
            expires_at=self._refresh_expiry(),
        )
        if outcome is not RotateOutcome.ROTATED:
            return outcome, None
        return outcome, self._pair(claims.subject, claims.session_id, new_refresh)

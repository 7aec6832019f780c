"""Who is calling, and ending a login."""

from __future__ import annotations

from dataclasses import dataclass

from lms_domain.identity.entities import User
from lms_domain.identity.ports import IdentityReader, SessionStore, TokenCodec, TokenKind
from lms_domain.identity.use_cases.tokens import INVALID_TOKEN
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import Unauthorized

__all__ = ["AuthenticateCaller", "Caller", "Logout"]


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
        return Caller(
            Actor(
                user_id=user.id,
                role=user.role,
                session_id=claims.session_id,
                email_verified=user.email_verified,
            ),
            user,
        )


class Logout:
    def __init__(self, sessions: SessionStore) -> None:
        self._sessions = sessions

    async def __call__(self, *, actor: Actor) -> None:
        if actor.session_id is not None:
            await self._sessions.revoke(actor.session_id)

"""Who is calling, ending a login, and keeping the session store's copy of a user in step."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from lms_domain.identity.entities import CallerState, User
from lms_domain.identity.ports import IdentityReader, SessionRead, SessionStore, TokenCodec, TokenKind
from lms_domain.identity.use_cases.tokens import INVALID_TOKEN
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import Unauthorized, Unavailable

__all__ = ["AuthenticateCaller", "Caller", "Logout", "settle_caller"]


@dataclass(frozen=True, slots=True)
class Caller:
    """The acting user, the state it was built from (kept in step with the user: its profile is
    the user's as committed), and the user record when this request read one (None when the
    session store knew the user's state: nothing was read)."""

    actor: Actor
    user: User | None
    state: CallerState


class AuthenticateCaller:
    """Turns an access token into the acting user; 401 for anything not currently valid.

    The session store answers with the user's state (role, activity, credentials version); the
    user is read only when the store does not know it (then the store is offered what was read)."""

    def __init__(self, uow: IdentityReader, codec: TokenCodec, sessions: SessionStore) -> None:
        self._uow, self._codec, self._sessions = uow, codec, sessions

    async def __call__(self, *, token: str, read_ahead: SessionRead | None = None) -> Caller:
        """``read_ahead``: the session as read with the request's rate-limit count (no second
        round trip), used when it is this token's session."""
        claims = self._codec.decode(token, TokenKind.ACCESS)
        if read_ahead is not None and read_ahead.session_id == claims.session_id:
            live = read_ahead.live
        else:
            live = await self._sessions.live(claims.session_id, user_id=claims.subject)
        if live is None or live.user_id != claims.subject:
            raise Unauthorized(INVALID_TOKEN)
        state, user = live.caller, None
        if state is None:
            async with self._uow as uow:
                user = await uow.users.get(claims.subject)
            if user is None:
                raise Unauthorized(INVALID_TOKEN)
            state = CallerState.of(user)
            with suppress(Unavailable):  # a copy not kept costs the next request a read, no more
                await self._sessions.offer_caller(state)
        # a session opened before the password changed (or the account was deactivated) is over,
        # even when it was opened after the change by a sign-in that had checked the old password
        if state.user_id != claims.subject or not state.accepts_session(
            claims.session_id, live.credentials_version
        ):
            raise Unauthorized(INVALID_TOKEN)
        actor = Actor(
            user_id=state.user_id,
            role=state.role,
            session_id=claims.session_id,
            email_verified=state.email_verified,
        )
        return Caller(actor, user, state)


async def settle_caller(sessions: SessionStore, user: User, hold: str | None) -> None:
    """After a change to ``user`` committed (held with ``hold`` before; None: nothing was held):
    the store keeps its new state. Best effort: when the store fails now, the hold keeps every
    request reading the user until it lapses, so the answer stays the change's (done)."""
    if hold is None:
        return
    with suppress(Unavailable):
        await sessions.settle_caller(CallerState.of(user), hold=hold)


class Logout:
    def __init__(self, sessions: SessionStore) -> None:
        self._sessions = sessions

    async def __call__(self, *, actor: Actor) -> None:
        if actor.session_id is not None:
            await self._sessions.revoke(actor.session_id)

"""Logins, refresh rotation, revocation and used TOTP steps in Redis."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
from redis.asyncio import Redis

from lms_adapters.redis.client import REDIS_FAILED, unavailable
from lms_domain.identity.entities import CallerState
from lms_domain.identity.ports import CALLER_HOLD_SECONDS, CALLER_KEEP_SECONDS, LiveSession, RotateOutcome
from lms_domain.shared.actors import Role

__all__ = ["RedisSessionStore", "caller_key", "read_live", "session_key"]

# The fields of a session hash ``live`` reads, in this order (``read_live`` takes them so).
LIVE_FIELDS = ("revoked", "cv", "user")
_HELD = "held:"


def session_key(prefix: str, session_id: UUID) -> str:
    return f"{prefix}:session:{session_id}"


def caller_key(prefix: str, user_id: UUID) -> str:
    """The user's ``CallerState`` as kept (a JSON array, see ``_encode``), or a hold
    (``held:<id>``) while a change to it is under way. (``caller2``: the array with the profile;
    the earlier ``caller`` values, without it, are never read.)"""
    return f"{prefix}:caller2:{user_id}"


# role, active, verified, credentials version, credentials session, email, name, MFA, created, last login
_Kept = tuple[str, bool, bool, int, str, str, str, bool, datetime, datetime | None]
_DECODER = msgspec.json.Decoder(_Kept)


def _encode(state: CallerState) -> bytes:
    kept: _Kept = (
        state.role.value,
        state.is_active,
        state.email_verified,
        state.credentials_version,
        str(state.credentials_session_id or ""),
        state.email,
        state.full_name,
        state.mfa_enabled,
        state.created_at,
        state.last_login_at,
    )
    return msgspec.json.encode(kept)


def _decode(user_id: UUID, value: str | None) -> CallerState | None:
    if not value or value.startswith(_HELD):
        return None
    role, active, verified, version, session, email, name, mfa, created, last_login = _DECODER.decode(value)
    return CallerState(
        user_id=user_id,
        role=Role(role),
        is_active=active,
        email_verified=verified,
        credentials_version=version,
        credentials_session_id=UUID(session) if session else None,
        email=email,
        full_name=name,
        mfa_enabled=mfa,
        created_at=created,
        last_login_at=last_login,
    )


def read_live(user_id: UUID, fields: Sequence[Any], kept: str | None) -> LiveSession | None:
    """A live session of ``user_id`` from its hash's ``LIVE_FIELDS`` and the user's kept value."""
    revoked, version, owner = fields
    if revoked != "0" or (owner is not None and owner != str(user_id)):
        return None
    # sessions opened before versions existed: version 0
    return LiveSession(user_id, int(version or 0), _decode(user_id, kept))


# KEYS[1] session hash; ARGV: presented id, new id, new ttl seconds.
_ROTATE = """
local s = redis.call('HMGET', KEYS[1], 'refresh', 'revoked')
if not s[1] or s[2] == '1' then return 'revoked' end
if s[1] ~= ARGV[1] then
  redis.call('HSET', KEYS[1], 'revoked', '1')
  return 'reused'
end
redis.call('HSET', KEYS[1], 'refresh', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 'rotated'
"""


# KEYS[1] session hash; ARGV: the new version. Only a live session moves (never recreate one).
_CARRY = """
if redis.call('HGET', KEYS[1], 'revoked') == '0' then
  redis.call('HSET', KEYS[1], 'cv', ARGV[1])
end
return 0
"""


# KEYS[1] the user's kept state; ARGV: the hold, the state, its ttl. Only the change that holds
# the user replaces it: a later change's hold (or its state) is never undone by an earlier one.
_SETTLE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return 0
"""


class RedisSessionStore:
    """Fails closed: when Redis does not answer, or the pool stays busy, no token is accepted (503).

    Beside the sessions, one key per user keeps the user's ``CallerState`` (``caller_key``): read
    with the session in one round trip, set by the use cases that change it, after a hold."""

    def __init__(self, redis: Redis, prefix: str = "lms") -> None:
        self._r, self._p = redis, prefix
        self._rotate = redis.register_script(_ROTATE)
        self._carry = redis.register_script(_CARRY)
        self._settle = redis.register_script(_SETTLE)

    @property
    def client(self) -> Redis:
        return self._r

    @property
    def prefix(self) -> str:
        return self._p

    def _key(self, session_id: UUID) -> str:
        return session_key(self._p, session_id)

    def _user_key(self, user_id: UUID) -> str:
        return f"{self._p}:user-sessions:{user_id}"

    @staticmethod
    def _ttl(expires_at: datetime) -> int:
        return max(1, int((expires_at - datetime.now(UTC)).total_seconds()))

    async def open(
        self,
        *,
        session_id: UUID,
        user_id: UUID,
        refresh_id: UUID,
        expires_at: datetime,
        credentials_version: int,
    ) -> None:
        ttl = self._ttl(expires_at)
        try:
            async with self._r.pipeline(transaction=True) as p:
                p.hset(
                    self._key(session_id),
                    mapping={
                        "user": str(user_id),
                        "refresh": str(refresh_id),
                        "revoked": "0",
                        "cv": str(credentials_version),
                    },
                )
                p.expire(self._key(session_id), ttl)
                p.sadd(self._user_key(user_id), str(session_id))
                p.expire(self._user_key(user_id), ttl, gt=True)
                p.expire(self._user_key(user_id), ttl, nx=True)
                await p.execute()
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e

    async def rotate(
        self, *, session_id: UUID, presented_refresh_id: UUID, new_refresh_id: UUID, expires_at: datetime
    ) -> RotateOutcome:
        try:
            result = await self._rotate(
                keys=[self._key(session_id)],
                args=[str(presented_refresh_id), str(new_refresh_id), self._ttl(expires_at)],
            )
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e
        return RotateOutcome(result)

    async def live_version(self, session_id: UUID) -> int | None:
        try:
            revoked, version = await self._r.hmget(self._key(session_id), ["revoked", "cv"])
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e
        if revoked != "0":
            return None
        return int(version or 0)  # sessions opened before versions existed: version 0

    async def live(self, session_id: UUID, *, user_id: UUID) -> LiveSession | None:
        try:
            async with self._r.pipeline(transaction=False) as p:  # one round trip
                p.hmget(self._key(session_id), list(LIVE_FIELDS))
                p.get(caller_key(self._p, user_id))
                fields, kept = await p.execute()
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e
        return read_live(user_id, fields, kept)

    async def hold_caller(self, user_id: UUID) -> str:
        hold = _HELD + uuid.uuid4().hex
        try:
            await self._r.set(caller_key(self._p, user_id), hold, ex=CALLER_HOLD_SECONDS)
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e
        return hold

    async def settle_caller(self, state: CallerState, *, hold: str) -> None:
        try:
            await self._settle(
                keys=[caller_key(self._p, state.user_id)], args=[hold, _encode(state), CALLER_KEEP_SECONDS]
            )
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e

    async def offer_caller(self, state: CallerState) -> None:
        try:
            await self._r.set(
                caller_key(self._p, state.user_id), _encode(state), ex=CALLER_KEEP_SECONDS, nx=True
            )
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e

    async def carry_over(self, session_id: UUID, credentials_version: int) -> None:
        try:
            await self._carry(keys=[self._key(session_id)], args=[str(credentials_version)])
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e

    async def revoke(self, session_id: UUID) -> None:
        try:
            key = self._key(session_id)
            if await self._r.exists(key):
                await self._r.hset(key, "revoked", "1")
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e

    async def revoke_user(self, user_id: UUID, *, keep: UUID | None = None) -> None:
        try:
            members = await self._r.smembers(self._user_key(user_id))
            async with self._r.pipeline(transaction=True) as p:
                for member in members:
                    sid = member.decode() if isinstance(member, bytes) else str(member)
                    if keep is None or sid != str(keep):
                        p.hset(f"{self._p}:session:{sid}", "revoked", "1")
                await p.execute()
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e

    async def use_totp_step(self, user_id: UUID, step: int) -> bool:
        try:
            return bool(await self._r.set(f"{self._p}:totp:{user_id}:{step}", "1", nx=True, ex=300))
        except REDIS_FAILED as e:
            raise unavailable("session store", e) from e

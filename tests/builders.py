"""Test helpers: a clock tests can move, predictable ids, quick fakes for slow ports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from lms_domain.shared.actors import Actor, Role

__all__ = ["FixedClock", "PlainHasher", "RecordingStamp", "SequentialIds", "actor"]


@dataclass
class FixedClock:
    current: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


class SequentialIds:
    def __init__(self) -> None:
        self._n = 0

    def new_id(self) -> UUID:
        self._n += 1
        return UUID(int=self._n)


class PlainHasher:
    """A reversible stand-in for argon2 in unit tests only (the contract tests run argon2)."""

    async def hash(self, password: str) -> str:
        return "plain$" + password

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "plain$" + password


class RecordingStamp:
    """The catalog's stamp, counting its renewals."""

    def __init__(self) -> None:
        self.renewals = 0

    async def renew(self) -> None:
        self.renewals += 1


def actor(role: Role = Role.STUDENT, user_id: UUID | None = None) -> Actor:
    return Actor(user_id=user_id or uuid.uuid4(), role=role, session_id=uuid.uuid4())

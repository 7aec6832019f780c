"""Mail queued and email tokens over the memory state, with the SQL adapter's rules."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from lms_domain.integrations.entities import Delivery
from lms_domain.mail.entities import EmailToken, MailMessage, TokenPurpose
from lms_domain.shared.ids import time_ordered_id

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = ["MemoryEmailTokenRepository", "MemoryMailOutbox"]


class MemoryMailOutbox:
    def __init__(self, state: MemoryState, made: list[UUID]) -> None:
        self._state, self._made = state, made

    async def queue(self, message: MailMessage, *, at: datetime) -> None:
        delivery = Delivery.mail(id=time_ordered_id(), at=at)
        self._state.deliveries[delivery.id] = delivery
        self._state.mail_messages[delivery.id] = message
        self._made.append(delivery.id)


class MemoryEmailTokenRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def _usable(self, token: EmailToken, now: datetime) -> bool:
        return token.used_at is None and token.expires_at > now

    async def add(self, token: EmailToken) -> None:
        if any(t.token_hash == token.token_hash for t in self._state.email_tokens.values()):
            raise RuntimeError("a token hash repeated")  # pragma: no cover
        self._state.email_tokens[token.id] = token

    async def find(self, token_hash: str, purpose: TokenPurpose, *, now: datetime) -> EmailToken | None:
        for token in self._state.email_tokens.values():
            if token.token_hash == token_hash and token.purpose is purpose and self._usable(token, now):
                return token
        return None

    async def use(self, token_id: UUID, *, now: datetime) -> bool:
        token = self._state.email_tokens.get(token_id)
        if token is None or not self._usable(token, now):
            return False
        self._state.email_tokens[token_id] = dataclasses.replace(token, used_at=now)
        return True

    async def retire(self, user_id: UUID, purpose: TokenPurpose, *, now: datetime) -> None:
        for token in list(self._state.email_tokens.values()):
            if token.user_id == user_id and token.purpose is purpose and self._usable(token, now):
                self._state.email_tokens[token.id] = dataclasses.replace(token, used_at=now)

    async def count_since(self, user_id: UUID, purpose: TokenPurpose, since: datetime) -> int:
        return sum(
            1
            for t in self._state.email_tokens.values()
            if t.user_id == user_id and t.purpose is purpose and t.created_at >= since
        )

"""Mail in SQL: messages queued as deliveries (sink ``mail``), and email tokens by their hashes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.repositories.delivery_rows import delivery_row
from lms_adapters.sql.tables import deliveries, email_tokens, mail_messages
from lms_domain.integrations.entities import Delivery
from lms_domain.mail.entities import EmailToken, MailMessage, TokenPurpose
from lms_domain.shared.ids import time_ordered_id

__all__ = ["SqlEmailTokenRepository", "SqlMailOutbox", "mail_message"]


async def mail_message(connection: AsyncConnection, delivery_id: UUID) -> MailMessage | None:
    """The content of a queued message (``None`` once it was sent or gave up)."""
    row = (
        await connection.execute(select(mail_messages).where(mail_messages.c.delivery_id == delivery_id))
    ).first()
    if row is None:
        return None
    return MailMessage(to=row.to_address, subject=row.subject, text=row.text_body, html=row.html_body)


class SqlMailOutbox:
    """``queue`` writes the message and its delivery; ``made`` collects the deliveries' ids, whose
    tries are queued once the unit of work commits."""

    def __init__(self, connection: AsyncConnection, made: list[UUID]) -> None:
        self._connection, self._made = connection, made

    async def queue(self, message: MailMessage, *, at: datetime) -> None:
        delivery = Delivery.mail(id=time_ordered_id(), at=at)
        await self._connection.execute(insert(deliveries).values(**delivery_row(delivery)))
        await self._connection.execute(
            insert(mail_messages).values(
                delivery_id=delivery.id,
                to_address=message.to,
                subject=message.subject,
                text_body=message.text,
                html_body=message.html,
            )
        )
        self._made.append(delivery.id)


def _token(row: Any) -> EmailToken:
    return EmailToken(
        id=row.id,
        user_id=row.user_id,
        purpose=TokenPurpose(row.purpose),
        token_hash=row.token_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


def _usable(now: datetime) -> tuple[Any, ...]:
    return email_tokens.c.used_at.is_(None), email_tokens.c.expires_at > now


class SqlEmailTokenRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, token: EmailToken) -> None:
        try:
            await self._connection.execute(
                insert(email_tokens).values(
                    id=token.id,
                    user_id=token.user_id,
                    purpose=token.purpose.value,
                    token_hash=token.token_hash,
                    created_at=token.created_at,
                    expires_at=token.expires_at,
                    used_at=token.used_at,
                )
            )
        except IntegrityError as e:  # pragma: no cover - 256 random bits do not repeat
            raise RuntimeError("a token hash repeated") from e

    async def find(self, token_hash: str, purpose: TokenPurpose, *, now: datetime) -> EmailToken | None:
        row = (
            await self._connection.execute(
                select(email_tokens).where(
                    email_tokens.c.token_hash == token_hash,
                    email_tokens.c.purpose == purpose.value,
                    *_usable(now),
                )
            )
        ).first()
        return _token(row) if row else None

    async def use(self, token_id: UUID, *, now: datetime) -> bool:
        done = await self._connection.execute(
            update(email_tokens).where(email_tokens.c.id == token_id, *_usable(now)).values(used_at=now)
        )
        return done.rowcount == 1

    async def retire(self, user_id: UUID, purpose: TokenPurpose, *, now: datetime) -> None:
        await self._connection.execute(
            update(email_tokens)
            .where(email_tokens.c.user_id == user_id, email_tokens.c.purpose == purpose.value, *_usable(now))
            .values(used_at=now)
        )

    async def count_since(self, user_id: UUID, purpose: TokenPurpose, since: datetime) -> int:
        found = await self._connection.execute(
            select(func.count())
            .select_from(email_tokens)
            .where(
                email_tokens.c.user_id == user_id,
                email_tokens.c.purpose == purpose.value,
                email_tokens.c.created_at >= since,
            )
        )
        return int(found.scalar_one())

"""Erasing an account in SQL: a fixed number of statements, whatever the person's amount of data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, exists, literal, select, true, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.tables import (
    blob_deletions,
    certificates,
    course_staff,
    courses,
    deliveries,
    email_tokens,
    events,
    mail_messages,
    stored_files,
    used_totp_steps,
    users,
)
from lms_domain.privacy.ports import PendingBlob
from lms_domain.shared.events import EventType

__all__ = ["SqlBlobDeletions", "SqlErasureStore"]

# what a ``user.registered`` event said about the person, taken out of the stored event
_NAMING_EVENT_FIELDS = ("email", "full_name")


class SqlErasureStore:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def owns_courses(self, user_id: UUID) -> bool:
        owned = select(exists().where(courses.c.instructor_id == user_id))
        return bool((await self._connection.execute(owned)).scalar_one())

    async def erase(self, user_id: UUID, *, at: datetime) -> int:
        run = self._connection.execute
        await run(delete(course_staff).where(course_staff.c.user_id == user_id))
        await run(delete(email_tokens).where(email_tokens.c.user_id == user_id))
        await run(delete(used_totp_steps).where(used_totp_steps.c.user_id == user_id))
        # mail to the address, sent or not (a delivery's message goes with it)
        address = select(users.c.email).where(users.c.id == user_id).scalar_subquery()
        to_them = select(mail_messages.c.delivery_id).where(mail_messages.c.to_address == address)
        await run(delete(deliveries).where(deliveries.c.id.in_(to_them)))
        queued = await self._queue_blobs(user_id, at)
        await run(delete(stored_files).where(stored_files.c.owner_id == user_id))
        await run(
            update(certificates)
            .where(certificates.c.student_id == user_id)
            .values(student_name=None, pdf_key=None)
        )
        await self._scrub_registration(user_id)
        return queued

    async def _queue_blobs(self, user_id: UUID, at: datetime) -> int:
        keys = union_all(
            select(stored_files.c.stored_filename.label("key")).where(stored_files.c.owner_id == user_id),
            select(certificates.c.pdf_key.label("key")).where(
                certificates.c.student_id == user_id, certificates.c.pdf_key.is_not(None)
            ),
        ).subquery()
        dialect_insert = pg_insert if self._connection.dialect.name == "postgresql" else sqlite_insert
        statement = (
            dialect_insert(blob_deletions)
            .from_select(
                ["key", "requested_at", "attempts", "next_attempt_at"],
                select(
                    keys.c.key,
                    literal(at, blob_deletions.c.requested_at.type),
                    literal(0),
                    literal(at, blob_deletions.c.next_attempt_at.type),
                ).where(true()),  # SQLite reads ``SELECT ... ON CONFLICT`` only after a WHERE
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(blob_deletions.c.key)
        )
        return len((await self._connection.execute(statement)).all())

    async def _scrub_registration(self, user_id: UUID) -> None:
        """The stored ``user.registered`` event keeps the account's id and role, not its address or
        name (a delivery still waiting sends it so)."""
        found = (
            await self._connection.execute(
                select(events.c.id, events.c.data).where(
                    events.c.type == EventType.USER_REGISTERED.value,
                    events.c.data["user_id"].as_string() == str(user_id),
                )
            )
        ).all()
        for event_id, data in found:
            scrubbed = {**data, **dict.fromkeys(_NAMING_EVENT_FIELDS)}
            await self._connection.execute(
                update(events).where(events.c.id == event_id).values(data=scrubbed)
            )


class SqlBlobDeletions:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def due(self, *, now: datetime, limit: int) -> Sequence[PendingBlob]:
        b = blob_deletions.c
        rows = await self._connection.execute(
            select(b.key, b.attempts)
            .where(b.next_attempt_at <= now)
            .order_by(b.next_attempt_at, b.key)
            .limit(limit)
        )
        return [PendingBlob(key=row.key, attempts=row.attempts) for row in rows]

    async def done(self, key: str) -> None:
        await self._connection.execute(delete(blob_deletions).where(blob_deletions.c.key == key))

    async def postpone(self, key: str, *, attempts: int, until: datetime) -> None:
        await self._connection.execute(
            update(blob_deletions)
            .where(blob_deletions.c.key == key)
            .values(attempts=attempts, next_attempt_at=until)
        )

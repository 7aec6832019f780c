"""Idempotency keys in the SQL database (the embedded default): a primary key settles races.

A pending row carries its holder's ``lease_token`` and the lease's end in ``expires_at``; a claim
first deletes the key's row if it expired (an answer past its lifetime, or a lapsed lease), then
inserts its own, so of concurrent claims on a free or lapsed key exactly one inserts.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_adapters.sql.tables import idempotency_keys
from lms_platform.idempotency import Claim, ClaimState, StoredResponse

__all__ = ["SqlIdempotencyStore"]

t = idempotency_keys


class SqlIdempotencyStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, key: str, fingerprint: str, lease_seconds: int) -> Claim:
        now = datetime.now(UTC)
        lease = secrets.token_hex(16)
        try:
            async with self._engine.begin() as conn:
                await conn.execute(delete(t).where(t.c.key == key, t.c.expires_at <= now))
                await conn.execute(
                    insert(t).values(
                        key=key,
                        fingerprint=fingerprint,
                        lease_token=lease,
                        expires_at=now + timedelta(seconds=lease_seconds),
                    )
                )
            return Claim(ClaimState.NEW, fingerprint, lease=lease)
        except IntegrityError:
            pass
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(t).where(t.c.key == key))).first()
        if row is None:
            return await self.claim(key, fingerprint, lease_seconds)
        if row.status is None:
            return Claim(ClaimState.PENDING, row.fingerprint)
        headers = tuple((k, v) for k, v in json.loads(row.headers))
        return Claim(ClaimState.DONE, row.fingerprint, StoredResponse(row.status, headers, row.body))

    @staticmethod
    def _held(key: str, lease: str, now: datetime) -> tuple[ColumnElement[bool], ...]:
        """The key's row while this lease holds it: pending, this holder's, not lapsed."""
        return (t.c.key == key, t.c.lease_token == lease, t.c.status.is_(None), t.c.expires_at > now)

    async def renew(self, key: str, lease: str, lease_seconds: int) -> bool:
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(t)
                .where(*self._held(key, lease, now))
                .values(expires_at=now + timedelta(seconds=lease_seconds))
            )
        return result.rowcount == 1

    async def complete(self, key: str, lease: str, response: StoredResponse, ttl_seconds: int) -> bool:
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(t)
                .where(*self._held(key, lease, now))
                .values(
                    status=response.status,
                    headers=json.dumps(list(response.headers)),
                    body=response.body,
                    expires_at=now + timedelta(seconds=ttl_seconds),
                )
            )
        return result.rowcount == 1

    async def release(self, key: str, lease: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(t).where(t.c.key == key, t.c.lease_token == lease, t.c.status.is_(None))
            )

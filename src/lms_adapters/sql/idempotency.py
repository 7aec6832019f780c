"""Idempotency keys in the SQL database (the embedded default): a primary key settles races."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_adapters.sql.tables import idempotency_keys
from lms_domain.shared.idempotency import Claim, ClaimState, StoredResponse

__all__ = ["SqlIdempotencyStore"]

t = idempotency_keys


class SqlIdempotencyStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, key: str, fingerprint: str, ttl_seconds: int) -> Claim:
        now = datetime.now(UTC)
        try:
            async with self._engine.begin() as conn:
                await conn.execute(delete(t).where(t.c.key == key, t.c.expires_at <= now))
                await conn.execute(
                    insert(t).values(
                        key=key, fingerprint=fingerprint, expires_at=now + timedelta(seconds=ttl_seconds)
                    )
                )
            return Claim(ClaimState.NEW, fingerprint)
        except IntegrityError:
            pass
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(t).where(t.c.key == key))).first()
        if row is None:
            return await self.claim(key, fingerprint, ttl_seconds)
        if row.status is None:
            return Claim(ClaimState.PENDING, row.fingerprint)
        headers = tuple((k, v) for k, v in json.loads(row.headers))
        return Claim(ClaimState.DONE, row.fingerprint, StoredResponse(row.status, headers, row.body))

    async def complete(self, key: str, response: StoredResponse, ttl_seconds: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(t)
                .where(t.c.key == key)
                .values(
                    status=response.status,
                    headers=json.dumps(list(response.headers)),
                    body=response.body,
                    expires_at=datetime.now(UTC) + timedelta(seconds=ttl_seconds),
                )
            )

    async def release(self, key: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(t).where(t.c.key == key))

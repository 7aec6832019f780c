"""The audit log in SQL: inserts only (triggers refuse UPDATE and DELETE), and the admins' reading."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.paging import page_with_total
from lms_adapters.sql.tables import audit_log
from lms_domain.shared.audit import AuditAction, AuditEntry, AuditQuery
from lms_domain.shared.pagination import PageRequest

__all__ = ["SqlAuditLog", "SqlAuditReader"]


class SqlAuditLog:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def record(self, entry: AuditEntry) -> None:
        await self._connection.execute(
            insert(audit_log).values(
                id=entry.id,
                at=entry.at,
                actor_id=entry.actor_id,
                action=entry.action.value,
                target_type=entry.target_type.value,
                target_id=entry.target_id,
                ip=entry.ip,
                request_id=entry.request_id,
                details=dict(entry.details),
            )
        )


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor_id=row.actor_id,
        action=AuditAction(row.action),
        target_id=row.target_id,
        ip=row.ip,
        request_id=row.request_id,
        details=dict(row.details),
    )


class SqlAuditReader:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def list(self, query: AuditQuery, *, page: PageRequest) -> tuple[Sequence[AuditEntry], int]:
        c = audit_log.c
        conditions: list[Any] = []
        for column, value in (
            (c.actor_id, query.actor_id),
            (c.action, query.action.value if query.action else None),
            (c.target_type, query.target_type.value if query.target_type else None),
            (c.target_id, query.target_id),
        ):
            if value is not None:
                conditions.append(column == value)
        if query.since is not None:
            conditions.append(c.at >= query.since)
        if query.until is not None:
            conditions.append(c.at <= query.until)
        rows, total = await page_with_total(
            self._connection,
            select(audit_log).where(*conditions).order_by(c.at.desc(), c.id.desc()),
            select(func.count()).select_from(audit_log).where(*conditions),
            page,
        )
        return [_entry(r) for r in rows], total

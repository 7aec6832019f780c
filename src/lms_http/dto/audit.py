"""Bodies of the audit log endpoint."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from lms_domain.shared.audit import AuditAction, AuditEntry, AuditTarget
from lms_domain.shared.pagination import Page
from lms_http.dto.pages import PageOut, page_fields

__all__ = ["AuditEntryOut", "AuditPage"]


class AuditEntryOut(msgspec.Struct, kw_only=True):
    id: UUID
    at: datetime
    actor_id: UUID | None
    action: AuditAction
    target_type: AuditTarget
    target_id: UUID | None
    ip: str | None
    request_id: str | None
    details: dict[str, str | int | float | bool | None]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls(
            id=entry.id,
            at=entry.at,
            actor_id=entry.actor_id,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            ip=entry.ip,
            request_id=entry.request_id,
            details=dict(entry.details),
        )


class AuditPage(PageOut, kw_only=True):
    items: list[AuditEntryOut]

    @classmethod
    def of(cls, page: Page[AuditEntry]) -> AuditPage:
        return cls(items=[AuditEntryOut.of(e) for e in page.items], **page_fields(page))

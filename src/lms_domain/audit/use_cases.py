"""Reading the audit log: admins only, filtered, newest first."""

from __future__ import annotations

from typing import Protocol

from lms_domain.shared.actors import Actor
from lms_domain.shared.audit import AuditEntry, AuditQuery, AuditReader
from lms_domain.shared.errors import Forbidden, InvalidField
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import ReadOnlyUnitOfWork

__all__ = ["AuditLogReader", "ListAuditLog"]


class AuditLogReader(ReadOnlyUnitOfWork, Protocol):
    @property
    def audit_entries(self) -> AuditReader: ...


class ListAuditLog:
    """The entries matching ``query`` (admins; others 403)."""

    def __init__(self, uow: AuditLogReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, query: AuditQuery, page: PageRequest) -> Page[AuditEntry]:
        if not actor.is_admin:
            raise Forbidden("Only admins can read the audit log")
        if query.since is not None and query.until is not None and query.since > query.until:
            raise InvalidField("since", "since must not be after until")
        async with self._uow as uow:
            items, total = await uow.audit_entries.list(query, page=page)
        return Page.of(items, total, page)

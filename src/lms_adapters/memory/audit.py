"""The audit log in memory: a list only ever appended to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lms_domain.shared.audit import AuditEntry, AuditQuery
from lms_domain.shared.pagination import PageRequest

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = ["MemoryAuditLog", "MemoryAuditReader"]


class MemoryAuditLog:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def record(self, entry: AuditEntry) -> None:
        self._state.audit_entries.append(entry)


def _matches(entry: AuditEntry, query: AuditQuery) -> bool:
    return (
        (query.actor_id is None or entry.actor_id == query.actor_id)
        and (query.action is None or entry.action is query.action)
        and (query.target_type is None or entry.target_type is query.target_type)
        and (query.target_id is None or entry.target_id == query.target_id)
        and (query.since is None or entry.at >= query.since)
        and (query.until is None or entry.at <= query.until)
    )


class MemoryAuditReader:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def list(self, query: AuditQuery, *, page: PageRequest) -> tuple[Sequence[AuditEntry], int]:
        found = sorted(
            (e for e in self._state.audit_entries if _matches(e, query)),
            key=lambda e: (e.at, e.id),
            reverse=True,
        )
        return found[page.offset : page.offset + page.page_size], len(found)

"""Erasing an account in the in-memory state (the SQL adapter's statements, on the dicts)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from lms_domain.privacy.ports import PendingBlob
from lms_domain.shared.events import EventType

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = ["MemoryBlobDeletions", "MemoryErasureStore"]


class MemoryErasureStore:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def owns_courses(self, user_id: UUID) -> bool:
        return any(c.instructor_id == user_id for c in self._state.courses.values())

    async def erase(self, user_id: UUID, *, at: datetime) -> int:
        state = self._state
        for place in [p for p in state.course_staff if p[1] == user_id]:
            del state.course_staff[place]
        state.email_tokens = {k: t for k, t in state.email_tokens.items() if t.user_id != user_id}
        user = state.users[user_id]
        for delivery_id in [d for d, m in state.mail_messages.items() if m.to == user.email]:
            del state.mail_messages[delivery_id]
            state.deliveries.pop(delivery_id, None)
        files = [f for f in state.stored_files.values() if f.owner_id == user_id]
        certificates = [c for c in state.certificates.values() if c.student_id == user_id]
        keys = [f.stored_filename for f in files] + [c.pdf_key for c in certificates if c.pdf_key]
        queued = 0
        for blob in keys:
            if blob not in state.blob_deletions:
                state.blob_deletions[blob] = (at, 0)
                queued += 1
        for stored in files:
            del state.stored_files[stored.id]
        for certificate in certificates:
            certificate.student_name, certificate.pdf_key = None, None
        for event in list(state.events.values()):
            if event.type is EventType.USER_REGISTERED and event.data.get("user_id") == str(user_id):
                data = {**event.data, "email": None, "full_name": None}
                state.events[event.id] = dataclasses.replace(event, data=data)
        return queued


class MemoryBlobDeletions:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def due(self, *, now: datetime, limit: int) -> Sequence[PendingBlob]:
        waiting = sorted((due, key, attempts) for key, (due, attempts) in self._state.blob_deletions.items())
        return [PendingBlob(key=key, attempts=attempts) for due, key, attempts in waiting if due <= now][
            :limit
        ]

    async def done(self, key: str) -> None:
        self._state.blob_deletions.pop(key, None)

    async def postpone(self, key: str, *, attempts: int, until: datetime) -> None:
        if key in self._state.blob_deletions:
            self._state.blob_deletions[key] = (until, attempts)

"""The real clock and random UUIDs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

__all__ = ["SystemClock", "UuidGenerator"]


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class UuidGenerator:
    def new_id(self) -> UUID:
        return uuid.uuid4()

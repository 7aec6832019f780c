"""The real clock and ids: time-ordered for new rows, random for tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

from lms_domain.shared.ids import time_ordered_id

__all__ = ["RandomIds", "SystemClock", "TimeOrderedIds"]


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class TimeOrderedIds:
    """Ids of new rows (version 7): each insert lands at the end of its primary key's index."""

    def new_id(self) -> UUID:
        return time_ordered_id()


class RandomIds:
    """Ids that say nothing about when they were made (version 4): sessions and refresh tokens."""

    def new_id(self) -> UUID:
        return uuid.uuid4()

"""The read model analytics needs: adapters count in the database (or over the in-memory state)."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from lms_domain.analytics.views import CourseAnalytics, InstructorAnalytics, StudentAnalytics, SystemAnalytics
from lms_domain.shared.course_access import StaffRole

__all__ = ["AnalyticsQueries"]


class AnalyticsQueries(Protocol):
    """One read per request: ``async with queries:`` opens one read-only transaction, and every
    figure of the report comes from it. Each method costs a fixed number of statements whatever
    the amount of data.

    "Closed attempts" are the submitted and the expired ones (an expired attempt counts with
    score 0); open attempts never count.
    """

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def user_exists(self, user_id: UUID) -> bool: ...

    async def student(self, user_id: UUID) -> StudentAnalytics: ...

    async def instructor(self, instructor_id: UUID) -> InstructorAnalytics:
        """Figures over the courses ``instructor_id`` owns or is on the staff of (published or not)."""
        ...

    async def course(self, course_id: UUID) -> CourseAnalytics | None: ...

    async def staff_role(self, course_id: UUID, user_id: UUID) -> StaffRole | None:
        """The user's role on the course's staff, if any."""
        ...

    async def system(self, *, active_since: datetime) -> SystemAnalytics:
        """``active_users_30d`` counts users created or signed in at or after ``active_since``."""
        ...

"""Who may read which analytics. Each use case is one read transaction."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from lms_domain.analytics.ports import AnalyticsQueries
from lms_domain.analytics.views import CourseAnalytics, InstructorAnalytics, StudentAnalytics, SystemAnalytics
from lms_domain.shared.actors import Actor
from lms_domain.shared.course_access import CourseAccess, StaffRole
from lms_domain.shared.errors import Forbidden, NotFound
from lms_domain.shared.ports import Clock

__all__ = [
    "ACTIVE_WINDOW",
    "GetCourseAnalytics",
    "GetInstructorAnalytics",
    "GetStudentAnalytics",
    "GetSystemAnalytics",
]

ACTIVE_WINDOW = timedelta(days=30)
"""A user is active when registered or signed in within this window."""


class GetStudentAnalytics:
    """Any signed-in user, about themself (instructors and admins may be enrolled too)."""

    def __init__(self, queries: AnalyticsQueries) -> None:
        self._queries = queries

    async def __call__(self, *, actor: Actor) -> StudentAnalytics:
        async with self._queries as q:
            return await q.student(actor.user_id)


class GetInstructorAnalytics:
    """Instructors see their own courses; admins their own too, or any user's with ``instructor_id``.

    Students get 403; an instructor naming another instructor gets 403; an admin naming a user
    that does not exist gets 404.
    """

    def __init__(self, queries: AnalyticsQueries) -> None:
        self._queries = queries

    async def __call__(self, *, actor: Actor, instructor_id: UUID | None = None) -> InstructorAnalytics:
        if not actor.is_staff:
            raise Forbidden("Requires the instructor or admin role")
        target = actor.user_id if instructor_id is None else instructor_id
        if target != actor.user_id and not actor.is_admin:
            raise Forbidden("Only admins may read another instructor's analytics")
        async with self._queries as q:
            if target != actor.user_id and not await q.user_exists(target):
                raise NotFound("User not found")
            return await q.instructor(target)


class GetCourseAnalytics:
    """Course editors and teaching assistants; anyone else 403; a missing course 404."""

    def __init__(self, queries: AnalyticsQueries) -> None:
        self._queries = queries

    async def __call__(self, *, actor: Actor, course_id: UUID) -> CourseAnalytics:
        async with self._queries as q:
            report = await q.course(course_id)  # one statement; the owner comes with it
            if report is None:
                raise NotFound("Course not found")
            staff: tuple[tuple[UUID, StaffRole], ...] = ()
            if not actor.owns_or_admin(report.instructor_id):  # a second statement only for others
                role = await q.staff_role(course_id, actor.user_id)
                staff = ((actor.user_id, role),) if role is not None else ()
        if not CourseAccess.of(actor, owner_id=report.instructor_id, staff=staff).reads_all:
            raise Forbidden("Only the course's instructors, its staff or an admin can read its analytics")
        return report


class GetSystemAnalytics:
    """Admins only; others 403. The report counts whole tables and depends on the caller's role
    alone, so the HTTP layer lets concurrent requests share one computation."""

    def __init__(self, queries: AnalyticsQueries, clock: Clock) -> None:
        self._queries, self._clock = queries, clock

    async def __call__(self, *, actor: Actor) -> SystemAnalytics:
        if not actor.is_admin:
            raise Forbidden("Requires the admin role")
        async with self._queries as q:
            return await q.system(active_since=self._clock.now() - ACTIVE_WINDOW)

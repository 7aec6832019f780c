"""/analytics: figures for a student, an instructor, a course and the platform."""

from __future__ import annotations

from functools import partial
from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from lms_domain.analytics import use_cases as uc
from lms_domain.analytics.views import SystemAnalytics
from lms_domain.shared.actors import Actor, Role
from lms_http.dto.analytics import (
    CourseAnalyticsOut,
    InstructorAnalyticsOut,
    StudentAnalyticsOut,
    SystemAnalyticsOut,
)
from lms_http.errors import errors
from lms_platform.coalesce import FreshRuns

__all__ = ["AnalyticsController"]

InstructorFilter = Annotated[
    UUID | None,
    QueryParameter(description="Admins only: report on this instructor's courses instead of their own"),
]


class AnalyticsController(Controller):
    path, tags = "/analytics", ["analytics"]

    @get("/student", responses=errors(401, 429, 503))
    async def student_analytics(
        self, actor: NamedDependency[Actor], get_student_analytics: NamedDependency[uc.GetStudentAnalytics]
    ) -> StudentAnalyticsOut:
        """The caller's own learning figures (any signed-in user)."""
        return StudentAnalyticsOut.of(await get_student_analytics(actor=actor))

    @get("/instructor", responses=errors(401, 403, 404, 422, 429, 503))
    async def instructor_analytics(
        self,
        actor: NamedDependency[Actor],
        get_instructor_analytics: NamedDependency[uc.GetInstructorAnalytics],
        instructor_id: InstructorFilter = None,
    ) -> InstructorAnalyticsOut:
        """Figures over the caller's own courses (instructor or admin; students 403).

        An admin may name another user with `instructor_id` (404 when there is no such user);
        an instructor naming anyone but themself gets 403.
        """
        return InstructorAnalyticsOut.of(
            await get_instructor_analytics(actor=actor, instructor_id=instructor_id)
        )

    @get("/courses/{course_id:uuid}/analytics", responses=errors(401, 403, 404, 429, 503))
    async def course_analytics(
        self,
        course_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        get_course_analytics: NamedDependency[uc.GetCourseAnalytics],
    ) -> CourseAnalyticsOut:
        """A course's figures, per lesson and per quiz (its owner or an admin; others 403)."""
        return CourseAnalyticsOut.of(await get_course_analytics(actor=actor, course_id=course_id))

    @get("/system", responses=errors(401, 403, 429, 503))
    async def system_analytics(
        self,
        actor: NamedDependency[Actor],
        get_system_analytics: NamedDependency[uc.GetSystemAnalytics],
        system_reports: NamedDependency[FreshRuns[Role, SystemAnalytics]],
    ) -> SystemAnalyticsOut:
        """Platform-wide counts (admins only; others 403)."""
        # The report counts whole tables and depends on the caller's role alone: concurrent
        # requests of one role share a computation that started after they arrived (one per worker)
        report = await system_reports.run(actor.role, partial(get_system_analytics, actor=actor))
        return SystemAnalyticsOut.of(report)

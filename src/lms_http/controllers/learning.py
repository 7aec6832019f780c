"""/enrollments: enrolling, the caller's courses with progress, and completing lessons."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from lms_domain.learning import use_cases as uc
from lms_domain.shared.actors import Actor
from lms_http.dto.learning import CompletionOut, EnrollIn, EnrollmentDetailOut, EnrollmentOut, MyCoursePage
from lms_http.errors import errors
from lms_http.params import PageNumber, PageSize, page_request

__all__ = ["EnrollmentController"]


class EnrollmentController(Controller):
    path, tags = "/enrollments", ["enrollments"]

    @post("/", status_code=201, responses=errors(401, 404, 409, 422, 429, 503))
    async def enroll(
        self, data: JSONBody[EnrollIn], actor: NamedDependency[Actor], enroll: NamedDependency[uc.Enroll]
    ) -> EnrollmentOut:
        """Enroll the caller in a published course (once). Already enrolled, or a prerequisite of the
        course not completed: 409 (`Prerequisites not met`)."""
        return EnrollmentOut.of(await enroll(actor=actor, course_id=data.course_id))

    @get("/my-courses", responses=errors(401, 422, 429, 503))
    async def my_courses(
        self,
        actor: NamedDependency[Actor],
        list_my_enrollments: NamedDependency[uc.ListMyEnrollments],
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> MyCoursePage:
        """The caller's enrollments, newest first, each with its course and progress."""
        return MyCoursePage.of(await list_my_enrollments(actor=actor, page=page_request(page, page_size)))

    @get("/{enrollment_id:uuid}", responses=errors(401, 404, 429, 503))
    async def get_enrollment(
        self,
        enrollment_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        get_enrollment: NamedDependency[uc.GetEnrollment],
    ) -> EnrollmentDetailOut:
        """An enrollment with its progress (its student, the course owner or an admin)."""
        return EnrollmentDetailOut.of_progress(await get_enrollment(actor=actor, enrollment_id=enrollment_id))

    @post(
        "/{enrollment_id:uuid}/lessons/{lesson_id:uuid}/complete",
        status_code=200,
        responses=errors(401, 403, 404, 409, 429, 503),
    )
    async def complete_lesson(
        self,
        enrollment_id: FromPath[UUID],
        lesson_id: FromPath[UUID],
        actor: NamedDependency[Actor],
        complete_lesson: NamedDependency[uc.CompleteLesson],
    ) -> CompletionOut:
        """Mark a lesson complete (the enrollment's student; again: 200 with the first time). A lesson
        locked by its release rule: 409 (`Lesson is locked`)."""
        return CompletionOut.of(
            await complete_lesson(actor=actor, enrollment_id=enrollment_id, lesson_id=lesson_id)
        )

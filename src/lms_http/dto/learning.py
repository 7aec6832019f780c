"""Bodies of the enrollment endpoints."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from lms_domain.catalog.entities import Course, DifficultyLevel
from lms_domain.learning.entities import Enrollment, EnrollmentSummary, LessonCompletion
from lms_domain.learning.use_cases import EnrollmentProgress
from lms_domain.shared.pagination import Page
from lms_http.dto.pages import PageOut, page_fields

__all__ = [
    "CompletionOut",
    "CourseSummaryOut",
    "EnrollIn",
    "EnrollmentDetailOut",
    "EnrollmentOut",
    "MyCourseOut",
    "MyCoursePage",
]


class EnrollIn(msgspec.Struct, kw_only=True):
    course_id: UUID


class EnrollmentOut(msgspec.Struct, kw_only=True):
    id: UUID
    course_id: UUID
    student_id: UUID
    enrolled_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, enrollment: Enrollment) -> EnrollmentOut:
        return cls(
            id=enrollment.id,
            course_id=enrollment.course_id,
            student_id=enrollment.student_id,
            enrolled_at=enrollment.enrolled_at,
            completed_at=enrollment.completed_at,
        )


class EnrollmentDetailOut(EnrollmentOut, kw_only=True):
    progress_percentage: int
    completed_lesson_ids: list[UUID]
    total_lessons: int

    @classmethod
    def of_progress(cls, progress: EnrollmentProgress) -> EnrollmentDetailOut:
        e = progress.enrollment
        return cls(
            id=e.id,
            course_id=e.course_id,
            student_id=e.student_id,
            enrolled_at=e.enrolled_at,
            completed_at=e.completed_at,
            progress_percentage=progress.progress_percentage,
            completed_lesson_ids=list(progress.completed_lesson_ids),
            total_lessons=progress.total_lessons,
        )


class CourseSummaryOut(msgspec.Struct, kw_only=True):
    id: UUID
    title: str
    slug: str
    description: str
    category: str | None
    difficulty_level: DifficultyLevel | None
    thumbnail_url: str | None
    estimated_duration_minutes: int | None
    instructor_id: UUID

    @classmethod
    def of(cls, course: Course) -> CourseSummaryOut:
        return cls(
            id=course.id,
            title=course.title,
            slug=course.slug,
            description=course.description,
            category=course.category,
            difficulty_level=course.difficulty_level,
            thumbnail_url=course.thumbnail_url,
            estimated_duration_minutes=course.estimated_duration_minutes,
            instructor_id=course.instructor_id,
        )


class MyCourseOut(msgspec.Struct, kw_only=True):
    id: UUID
    course: CourseSummaryOut
    enrolled_at: datetime
    completed_at: datetime | None
    progress_percentage: int

    @classmethod
    def of(cls, row: EnrollmentSummary) -> MyCourseOut:
        return cls(
            id=row.enrollment.id,
            course=CourseSummaryOut.of(row.course),
            enrolled_at=row.enrollment.enrolled_at,
            completed_at=row.enrollment.completed_at,
            progress_percentage=row.progress_percentage,
        )


class MyCoursePage(PageOut, kw_only=True):
    items: list[MyCourseOut]

    @classmethod
    def of(cls, page: Page[EnrollmentSummary]) -> MyCoursePage:
        return cls(
            items=[MyCourseOut.of(r) for r in page.items],
            **page_fields(page),
        )


class CompletionOut(msgspec.Struct, kw_only=True):
    id: UUID
    lesson_id: UUID
    completed: bool
    completed_at: datetime

    @classmethod
    def of(cls, completion: LessonCompletion) -> CompletionOut:
        return cls(
            id=completion.id,
            lesson_id=completion.lesson_id,
            completed=True,
            completed_at=completion.completed_at,
        )

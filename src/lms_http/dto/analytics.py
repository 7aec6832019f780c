"""Bodies of the analytics endpoints. Rates and averages are numbers with 2 decimals, or null."""

from __future__ import annotations

from typing import Self
from uuid import UUID

import msgspec

__all__ = [
    "CourseAnalyticsOut",
    "InstructorAnalyticsOut",
    "InstructorCourseOut",
    "LessonStatsOut",
    "QuizStatsOut",
    "StudentAnalyticsOut",
    "SystemAnalyticsOut",
]


class _FromView(msgspec.Struct, kw_only=True):
    """A body read off the domain's view: each field from the view's attribute of that name
    (nested rows too); attributes the body does not name are not sent."""

    @classmethod
    def of(cls, view: object) -> Self:
        return msgspec.convert(view, cls, from_attributes=True)


class StudentAnalyticsOut(_FromView, kw_only=True):
    courses_enrolled: int
    courses_completed: int
    total_lessons_completed: int
    quizzes_taken: int
    average_quiz_score: float | None
    learning_time_minutes: int


class InstructorCourseOut(_FromView, kw_only=True):
    course_id: UUID
    title: str
    enrollments: int
    completions: int
    average_progress: float | None


class InstructorAnalyticsOut(_FromView, kw_only=True):
    instructor_id: UUID
    total_courses: int
    published_courses: int
    total_enrollments: int
    total_students: int
    completion_rate: float | None
    average_quiz_score: float | None
    courses: list[InstructorCourseOut]


class LessonStatsOut(msgspec.Struct, kw_only=True):
    lesson_id: UUID
    title: str
    completions: int


class QuizStatsOut(msgspec.Struct, kw_only=True):
    quiz_id: UUID
    title: str
    attempts: int
    average_score: float | None
    pass_rate: float | None


class CourseAnalyticsOut(_FromView, kw_only=True):
    course_id: UUID
    enrollments: int
    completions: int
    completion_rate: float | None
    average_progress: float | None
    lessons: list[LessonStatsOut]
    quizzes: list[QuizStatsOut]


class SystemAnalyticsOut(_FromView, kw_only=True):
    total_users: int
    users_by_role: dict[str, int]  # the view's keys are roles (a StrEnum): sent as their values
    active_users_30d: int
    total_courses: int
    published_courses: int
    total_enrollments: int
    total_certificates: int
    total_quiz_attempts: int

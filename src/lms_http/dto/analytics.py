"""Bodies of the analytics endpoints. Rates and averages are numbers with 2 decimals, or null."""

from __future__ import annotations

from uuid import UUID

import msgspec

from lms_domain.analytics import views

__all__ = [
    "CourseAnalyticsOut",
    "InstructorAnalyticsOut",
    "InstructorCourseOut",
    "LessonStatsOut",
    "QuizStatsOut",
    "StudentAnalyticsOut",
    "SystemAnalyticsOut",
]


class StudentAnalyticsOut(msgspec.Struct, kw_only=True):
    courses_enrolled: int
    courses_completed: int
    total_lessons_completed: int
    quizzes_taken: int
    average_quiz_score: float | None
    learning_time_minutes: int

    @classmethod
    def of(cls, v: views.StudentAnalytics) -> StudentAnalyticsOut:
        return cls(
            courses_enrolled=v.courses_enrolled,
            courses_completed=v.courses_completed,
            total_lessons_completed=v.total_lessons_completed,
            quizzes_taken=v.quizzes_taken,
            average_quiz_score=v.average_quiz_score,
            learning_time_minutes=v.learning_time_minutes,
        )


class InstructorCourseOut(msgspec.Struct, kw_only=True):
    course_id: UUID
    title: str
    enrollments: int
    completions: int
    average_progress: float | None

    @classmethod
    def of(cls, v: views.InstructorCourseRow) -> InstructorCourseOut:
        return cls(
            course_id=v.course_id,
            title=v.title,
            enrollments=v.enrollments,
            completions=v.completions,
            average_progress=v.average_progress,
        )


class InstructorAnalyticsOut(msgspec.Struct, kw_only=True):
    instructor_id: UUID
    total_courses: int
    published_courses: int
    total_enrollments: int
    total_students: int
    completion_rate: float | None
    average_quiz_score: float | None
    courses: list[InstructorCourseOut]

    @classmethod
    def of(cls, v: views.InstructorAnalytics) -> InstructorAnalyticsOut:
        return cls(
            instructor_id=v.instructor_id,
            total_courses=v.total_courses,
            published_courses=v.published_courses,
            total_enrollments=v.total_enrollments,
            total_students=v.total_students,
            completion_rate=v.completion_rate,
            average_quiz_score=v.average_quiz_score,
            courses=[InstructorCourseOut.of(row) for row in v.courses],
        )


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


class CourseAnalyticsOut(msgspec.Struct, kw_only=True):
    course_id: UUID
    enrollments: int
    completions: int
    completion_rate: float | None
    average_progress: float | None
    lessons: list[LessonStatsOut]
    quizzes: list[QuizStatsOut]

    @classmethod
    def of(cls, v: views.CourseAnalytics) -> CourseAnalyticsOut:
        return cls(
            course_id=v.course_id,
            enrollments=v.enrollments,
            completions=v.completions,
            completion_rate=v.completion_rate,
            average_progress=v.average_progress,
            lessons=[
                LessonStatsOut(lesson_id=x.lesson_id, title=x.title, completions=x.completions)
                for x in v.lessons
            ],
            quizzes=[
                QuizStatsOut(
                    quiz_id=q.quiz_id,
                    title=q.title,
                    attempts=q.attempts,
                    average_score=q.average_score,
                    pass_rate=q.pass_rate,
                )
                for q in v.quizzes
            ],
        )


class SystemAnalyticsOut(msgspec.Struct, kw_only=True):
    total_users: int
    users_by_role: dict[str, int]
    active_users_30d: int
    total_courses: int
    published_courses: int
    total_enrollments: int
    total_certificates: int
    total_quiz_attempts: int

    @classmethod
    def of(cls, v: views.SystemAnalytics) -> SystemAnalyticsOut:
        return cls(
            total_users=v.total_users,
            users_by_role={role.value: n for role, n in v.users_by_role.items()},
            active_users_30d=v.active_users_30d,
            total_courses=v.total_courses,
            published_courses=v.published_courses,
            total_enrollments=v.total_enrollments,
            total_certificates=v.total_certificates,
            total_quiz_attempts=v.total_quiz_attempts,
        )

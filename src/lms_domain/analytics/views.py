"""What the analytics endpoints report, and the one rounding rule every adapter shares.

Adapters count (in SQL, or over the in-memory state) and hand the raw integers to the
``build`` constructors here, so every adapter rounds the same way: percentages from 0 to
100, computed from exact integers and rounded once, half up, to 2 decimals; ``None`` over
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from uuid import UUID

from lms_domain.shared.actors import Role

__all__ = [
    "CourseAnalytics",
    "InstructorAnalytics",
    "InstructorCourseRow",
    "LessonRow",
    "QuizRow",
    "StudentAnalytics",
    "SystemAnalytics",
    "average_progress",
    "mean_score",
    "rate",
    "round2",
]

_CENT = Decimal("0.01")


def round2(value: Fraction) -> float:
    """An exact value rounded once, half up, to 2 decimals."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    # Decimal division is exact whenever the quotient terminates within the context precision
    # (28 digits), so a tie such as 12.345 is seen as a tie; other values are far from one.
    return float(exact.quantize(_CENT, rounding=ROUND_HALF_UP))


def rate(part: int, whole: int) -> float | None:
    """part / whole x 100; ``None`` when ``whole`` is 0."""
    return None if whole <= 0 else round2(Fraction(100 * part, whole))


def mean_score(score_hundredths: int, attempts: int) -> float | None:
    """The mean of ``attempts`` scores given as their sum in hundredths (scores have 2 decimals)."""
    return None if attempts <= 0 else round2(Fraction(score_hundredths, 100 * attempts))


def average_progress(completed_lessons: int, enrollments: int, lessons: int) -> float | None:
    """Mean of completed / lessons x 100 over a course's enrollments (all share ``lessons``).

    ``completed_lessons`` is the sum over the enrollments. ``None`` without enrollments,
    0 for a course without lessons.
    """
    if enrollments <= 0:
        return None
    if lessons <= 0:
        return 0.0
    return round2(Fraction(100 * completed_lessons, enrollments * lessons))


@dataclass(frozen=True, slots=True)
class StudentAnalytics:
    courses_enrolled: int
    courses_completed: int
    total_lessons_completed: int
    quizzes_taken: int
    average_quiz_score: float | None
    learning_time_minutes: int

    @classmethod
    def build(
        cls,
        *,
        courses_enrolled: int,
        courses_completed: int,
        total_lessons_completed: int,
        quizzes_taken: int,
        attempts: int,
        score_hundredths: int,
        learning_time_minutes: int,
    ) -> StudentAnalytics:
        return cls(
            courses_enrolled=courses_enrolled,
            courses_completed=courses_completed,
            total_lessons_completed=total_lessons_completed,
            quizzes_taken=quizzes_taken,
            average_quiz_score=mean_score(score_hundredths, attempts),
            learning_time_minutes=learning_time_minutes,
        )


@dataclass(frozen=True, slots=True)
class InstructorCourseRow:
    course_id: UUID
    title: str
    enrollments: int
    completions: int
    average_progress: float | None

    @classmethod
    def build(
        cls,
        *,
        course_id: UUID,
        title: str,
        enrollments: int,
        completions: int,
        lessons: int,
        completed_lessons: int,
    ) -> InstructorCourseRow:
        return cls(
            course_id=course_id,
            title=title,
            enrollments=enrollments,
            completions=completions,
            average_progress=average_progress(completed_lessons, enrollments, lessons),
        )


@dataclass(frozen=True, slots=True)
class InstructorAnalytics:
    instructor_id: UUID
    total_courses: int
    published_courses: int
    total_enrollments: int
    total_students: int
    completion_rate: float | None
    average_quiz_score: float | None
    courses: Sequence[InstructorCourseRow]

    @classmethod
    def build(
        cls,
        *,
        instructor_id: UUID,
        total_courses: int,
        published_courses: int,
        total_enrollments: int,
        total_completions: int,
        total_students: int,
        attempts: int,
        score_hundredths: int,
        courses: Sequence[InstructorCourseRow],
    ) -> InstructorAnalytics:
        return cls(
            instructor_id=instructor_id,
            total_courses=total_courses,
            published_courses=published_courses,
            total_enrollments=total_enrollments,
            total_students=total_students,
            completion_rate=rate(total_completions, total_enrollments),
            average_quiz_score=mean_score(score_hundredths, attempts),
            courses=tuple(courses),
        )


@dataclass(frozen=True, slots=True)
class LessonRow:
    lesson_id: UUID
    title: str
    completions: int


@dataclass(frozen=True, slots=True)
class QuizRow:
    quiz_id: UUID
    title: str
    attempts: int
    average_score: float | None
    pass_rate: float | None

    @classmethod
    def build(
        cls, *, quiz_id: UUID, title: str, attempts: int, score_hundredths: int, passed: int
    ) -> QuizRow:
        return cls(
            quiz_id=quiz_id,
            title=title,
            attempts=attempts,
            average_score=mean_score(score_hundredths, attempts),
            pass_rate=rate(passed, attempts),
        )


@dataclass(frozen=True, slots=True)
class CourseAnalytics:
    course_id: UUID
    instructor_id: UUID  # the owner, for the use case's check (not part of the report's answer)
    enrollments: int
    completions: int
    completion_rate: float | None
    average_progress: float | None
    lessons: Sequence[LessonRow]
    quizzes: Sequence[QuizRow]

    @classmethod
    def build(
        cls,
        *,
        course_id: UUID,
        instructor_id: UUID,
        enrollments: int,
        completions: int,
        completed_lessons: int,
        lessons: Sequence[LessonRow],
        lesson_count: int,
        quizzes: Sequence[QuizRow],
    ) -> CourseAnalytics:
        return cls(
            course_id=course_id,
            instructor_id=instructor_id,
            enrollments=enrollments,
            completions=completions,
            completion_rate=rate(completions, enrollments),
            average_progress=average_progress(completed_lessons, enrollments, lesson_count),
            lessons=tuple(lessons),
            quizzes=tuple(quizzes),
        )


@dataclass(frozen=True, slots=True)
class SystemAnalytics:
    total_users: int
    users_by_role: Mapping[Role, int]
    active_users_30d: int
    total_courses: int
    published_courses: int
    total_enrollments: int
    total_certificates: int
    total_quiz_attempts: int

    @classmethod
    def build(
        cls,
        *,
        total_users: int,
        users_by_role: Mapping[str, int],
        active_users_30d: int,
        total_courses: int,
        published_courses: int,
        total_enrollments: int,
        total_certificates: int,
        total_quiz_attempts: int,
    ) -> SystemAnalytics:
        """``users_by_role`` may miss roles nobody has: every role is reported, 0 when none."""
        return cls(
            total_users=total_users,
            users_by_role={role: int(users_by_role.get(role.value, 0)) for role in Role},
            active_users_30d=active_users_30d,
            total_courses=total_courses,
            published_courses=published_courses,
            total_enrollments=total_enrollments,
            total_certificates=total_certificates,
            total_quiz_attempts=total_quiz_attempts,
        )

"""Analytics over the in-memory state: the same figures as the SQL adapter, for tests and embedders."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Self
from uuid import UUID

from lms_domain.analytics.views import (
    CourseAnalytics,
    InstructorAnalytics,
    InstructorCourseRow,
    LessonRow,
    QuizRow,
    StudentAnalytics,
    SystemAnalytics,
)
from lms_domain.assessment.entities import Attempt, AttemptStatus, GradingStatus
from lms_domain.shared.course_access import StaffRole

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = ["MemoryAnalyticsQueries"]


def _closed(attempt: Attempt) -> bool:
    return attempt.status is not AttemptStatus.OPEN


def _graded(attempt: Attempt) -> bool:
    """What student, instructor and course reports count (not an attempt awaiting a grader)."""
    return attempt.grading_status is GradingStatus.GRADED


def _hundredths(attempt: Attempt) -> int:
    return round((attempt.score or 0) * 100)


class MemoryAnalyticsQueries:
    """Reads the shared ``MemoryState``; nothing is written, so entering and leaving do nothing."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def user_exists(self, user_id: UUID) -> bool:
        user = self._state.users.get(user_id)
        return user is not None and user.erased_at is None

    def _completed_lessons(self, enrollment_ids: set[UUID]) -> int:
        return sum(1 for c in self._state.lesson_completions.values() if c.enrollment_id in enrollment_ids)

    async def student(self, user_id: UUID) -> StudentAnalytics:
        s = self._state
        mine = [e for e in s.enrollments.values() if e.student_id == user_id]
        ids = {e.id for e in mine}
        done = [c for c in s.lesson_completions.values() if c.enrollment_id in ids]
        attempts = [a for a in s.attempts.values() if a.student_id == user_id and _graded(a)]
        return StudentAnalytics.build(
            courses_enrolled=len(mine),
            courses_completed=sum(1 for e in mine if e.completed_at is not None),
            total_lessons_completed=len(done),
            quizzes_taken=len({a.quiz_id for a in attempts}),
            attempts=len(attempts),
            score_hundredths=sum(_hundredths(a) for a in attempts),
            learning_time_minutes=sum(
                s.lessons[c.lesson_id].duration_minutes for c in done if c.lesson_id in s.lessons
            ),
        )

    def _course_row(self, course_id: UUID, title: str) -> InstructorCourseRow:
        s = self._state
        enrolled = [e for e in s.enrollments.values() if e.course_id == course_id]
        return InstructorCourseRow.build(
            course_id=course_id,
            title=title,
            enrollments=len(enrolled),
            completions=sum(1 for e in enrolled if e.completed_at is not None),
            lessons=sum(1 for lesson in s.lessons.values() if lesson.course_id == course_id),
            completed_lessons=self._completed_lessons({e.id for e in enrolled}),
        )

    async def instructor(self, instructor_id: UUID) -> InstructorAnalytics:
        s = self._state
        own = sorted(
            (
                c
                for c in s.courses.values()
                if c.instructor_id == instructor_id or (c.id, instructor_id) in s.course_staff
            ),
            key=lambda c: (c.created_at, c.id),
        )
        course_ids = {c.id for c in own}
        enrolled = [e for e in s.enrollments.values() if e.course_id in course_ids]
        quiz_ids = {q.id for q in s.quizzes.values() if q.course_id in course_ids}
        attempts = [a for a in s.attempts.values() if a.quiz_id in quiz_ids and _graded(a)]
        return InstructorAnalytics.build(
            instructor_id=instructor_id,
            total_courses=len(own),
            published_courses=sum(1 for c in own if c.is_published),
            total_enrollments=len(enrolled),
            total_completions=sum(1 for e in enrolled if e.completed_at is not None),
            total_students=len({e.student_id for e in enrolled}),
            attempts=len(attempts),
            score_hundredths=sum(_hundredths(a) for a in attempts),
            courses=[self._course_row(c.id, c.title) for c in own],
        )

    async def staff_role(self, course_id: UUID, user_id: UUID) -> StaffRole | None:
        found = self._state.course_staff.get((course_id, user_id))
        return found[0] if found else None

    async def course(self, course_id: UUID) -> CourseAnalytics | None:
        s = self._state
        if course_id not in s.courses:
            return None
        row = self._course_row(course_id, "")
        lessons = sorted((x for x in s.lessons.values() if x.course_id == course_id), key=lambda x: x.order)
        quizzes = sorted(
            (q for q in s.quizzes.values() if q.course_id == course_id), key=lambda q: (q.created_at, q.id)
        )

        def quiz_row(quiz_id: UUID, title: str) -> QuizRow:
            closed = [a for a in s.attempts.values() if a.quiz_id == quiz_id and _graded(a)]
            return QuizRow.build(
                quiz_id=quiz_id,
                title=title,
                attempts=len(closed),
                score_hundredths=sum(_hundredths(a) for a in closed),
                passed=sum(1 for a in closed if a.passed),
            )

        enrolled = {e.id for e in s.enrollments.values() if e.course_id == course_id}
        return CourseAnalytics.build(
            course_id=course_id,
            instructor_id=s.courses[course_id].instructor_id,
            enrollments=row.enrollments,
            completions=row.completions,
            completed_lessons=self._completed_lessons(enrolled),
            lesson_count=len(lessons),
            lessons=[
                LessonRow(
                    lesson_id=x.id,
                    title=x.title,
                    completions=sum(1 for c in s.lesson_completions.values() if c.lesson_id == x.id),
                )
                for x in lessons
            ],
            quizzes=[quiz_row(q.id, q.title) for q in quizzes],
        )

    async def system(self, *, active_since: datetime) -> SystemAnalytics:
        s = self._state
        people = [u for u in s.users.values() if u.erased_at is None]  # an erased account is no user
        by_role: dict[str, int] = {}
        for user in people:
            by_role[user.role.value] = by_role.get(user.role.value, 0) + 1
        return SystemAnalytics.build(
            total_users=len(people),
            users_by_role=by_role,
            active_users_30d=sum(
                1
                for u in people
                if u.created_at >= active_since
                or (u.last_login_at is not None and u.last_login_at >= active_since)
            ),
            total_courses=len(s.courses),
            published_courses=sum(1 for c in s.courses.values() if c.is_published),
            total_enrollments=len(s.enrollments),
            total_certificates=len(s.certificates),
            total_quiz_attempts=sum(1 for a in s.attempts.values() if _closed(a)),
        )


if TYPE_CHECKING:  # mypy checks that the adapter satisfies the port
    from lms_domain.analytics.ports import AnalyticsQueries

    def _satisfies(state: MemoryState) -> AnalyticsQueries:
        return MemoryAnalyticsQueries(state)

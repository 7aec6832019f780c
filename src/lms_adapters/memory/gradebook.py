"""The gradebook over the in-memory state: the SQL adapter's aggregates, counted in Python."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from lms_adapters.memory.assessment import MemoryCourseDirectory
from lms_domain.assessment.entities import Attempt, CourseRef, GradingStatus
from lms_domain.assessment.gradebook import GradebookQuiz, GradebookStudent, StudentGrade, StudentPosition
from lms_domain.shared.pagination import PageRequest

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = ["MemoryGradebookReader"]


def _graded(attempt: Attempt) -> bool:
    """Graded at once, by hand, or expired (0); not one awaiting review."""
    return attempt.grading_status is GradingStatus.GRADED


class MemoryGradebookReader:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def course(self, course_id: UUID) -> CourseRef | None:
        return await MemoryCourseDirectory(self._state).course(course_id)

    async def quizzes(self, course_id: UUID) -> Sequence[GradebookQuiz]:
        found = [q for q in self._state.quizzes.values() if q.course_id == course_id and q.is_published]
        found.sort(key=lambda q: (q.created_at, q.id))
        return [GradebookQuiz(quiz_id=q.id, title=q.title) for q in found]

    def _all(self, course_id: UUID) -> list[GradebookStudent]:
        state = self._state
        lessons = {i for i, lesson in state.lessons.items() if lesson.course_id == course_id}
        students = []
        for enrollment in state.enrollments.values():
            user = state.users.get(enrollment.student_id)
            if enrollment.course_id != course_id or user is None:
                continue
            done = sum(
                1
                for c in state.lesson_completions.values()
                if c.enrollment_id == enrollment.id and c.lesson_id in lessons
            )
            students.append(
                GradebookStudent(
                    student_id=user.id,
                    full_name=user.full_name,
                    email=user.email,
                    completed_lessons=done,
                    total_lessons=len(lessons),
                    completed_at=enrollment.completed_at,
                )
            )
        students.sort(key=lambda s: (s.full_name, s.student_id))
        return students

    async def students(self, course_id: UUID, *, page: PageRequest) -> tuple[Sequence[GradebookStudent], int]:
        students = self._all(course_id)
        return students[page.offset : page.offset + page.page_size], len(students)

    async def students_after(
        self, course_id: UUID, *, after: StudentPosition | None, limit: int
    ) -> Sequence[GradebookStudent]:
        students = self._all(course_id)
        if after is not None:
            key = (after.full_name, after.student_id)
            students = [s for s in students if (s.full_name, s.student_id) > key]
        return students[:limit]

    async def grades(self, course_id: UUID, student_ids: Sequence[UUID]) -> Sequence[StudentGrade]:
        published = {
            q.id for q in self._state.quizzes.values() if q.course_id == course_id and q.is_published
        }
        wanted = set(student_ids)
        groups: dict[tuple[UUID, UUID], list[Attempt]] = {}
        for attempt in self._state.attempts.values():
            if attempt.quiz_id in published and attempt.student_id in wanted and not attempt.is_open:
                groups.setdefault((attempt.student_id, attempt.quiz_id), []).append(attempt)
        grades = []
        for (student_id, quiz_id), attempts in groups.items():
            graded = [a for a in attempts if _graded(a)]
            grades.append(
                StudentGrade(
                    student_id=student_id,
                    quiz_id=quiz_id,
                    best_score=max((a.score for a in graded if a.score is not None), default=None),
                    attempts=len(attempts),
                    passed=any(a.passed for a in graded),
                )
            )
        return grades

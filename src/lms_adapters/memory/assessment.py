"""Assessment repositories over the shared ``MemoryState`` (copy in, copy out).

The course directory reads the catalog's courses and lessons and the enrollments of the same
state; ``MemoryUnitOfWork`` exposes these repositories with the rest.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from lms_adapters.memory.release import forget_in_rules
from lms_domain.assessment.entities import Attempt, AttemptStatus, CourseRef, Question, Quiz
from lms_domain.assessment.ports import AttemptOpen
from lms_domain.assessment.views import QuizAudience, QuizDetail, QuizSummary
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import ReleaseRule

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = [
    "MemoryAttemptRepository",
    "MemoryCourseDirectory",
    "MemoryQuizRepository",
    "remove_quizzes",
]


def _ref(state: MemoryState, course_id: UUID) -> CourseRef | None:
    course = state.courses.get(course_id)
    if course is None:
        return None
    staff = tuple((user_id, role) for (c, user_id), (role, _) in state.course_staff.items() if c == course_id)
    return CourseRef(
        id=course.id, instructor_id=course.instructor_id, is_published=course.is_published, staff=staff
    )


def remove_quizzes(state: MemoryState, quiz_ids: set[UUID]) -> None:
    """Delete quizzes with their questions and attempts (as ``ON DELETE CASCADE`` does in SQL)."""
    for quiz_id in quiz_ids:
        state.quizzes.pop(quiz_id, None)
    for question_id in [q.id for q in state.questions.values() if q.quiz_id in quiz_ids]:
        del state.questions[question_id]
    for attempt_id in [a.id for a in state.attempts.values() if a.quiz_id in quiz_ids]:
        del state.attempts[attempt_id]
    forget_in_rules(state, quiz_ids=quiz_ids)


class MemoryQuizRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def _questions_of(self, quiz_id: UUID) -> list[Question]:
        found = [q for q in self._state.questions.values() if q.quiz_id == quiz_id]
        found.sort(key=lambda q: (q.order, q.id))
        return found

    async def get(self, quiz_id: UUID, *, for_update: bool = False) -> Quiz | None:
        quiz = self._state.quizzes.get(quiz_id)  # the unit of work holds the whole state
        return copy.deepcopy(quiz) if quiz else None

    async def get_with_questions(self, quiz_id: UUID) -> QuizDetail | None:
        quiz = self._state.quizzes.get(quiz_id)
        if quiz is None:
            return None
        return QuizDetail(
            quiz=copy.deepcopy(quiz), questions=tuple(copy.deepcopy(self._questions_of(quiz_id)))
        )

    async def add(self, quiz: Quiz) -> None:
        self._state.quizzes[quiz.id] = copy.deepcopy(quiz)

    async def update(self, quiz: Quiz) -> None:
        if quiz.id in self._state.quizzes:
            self._state.quizzes[quiz.id] = copy.deepcopy(quiz)

    async def delete(self, quiz_id: UUID) -> None:
        remove_quizzes(self._state, {quiz_id})

    async def list(
        self,
        *,
        page: PageRequest,
        audience: QuizAudience,
        course_id: UUID | None = None,
        lesson_id: UUID | None = None,
        published_only: bool = False,
    ) -> tuple[Sequence[QuizSummary], int]:
        found = []
        for quiz in self._state.quizzes.values():
            course = _ref(self._state, quiz.course_id)
            if (
                course is not None
                and audience.admits(quiz, course)
                and (course_id is None or quiz.course_id == course_id)
                and (lesson_id is None or quiz.lesson_id == lesson_id)
                and (not published_only or quiz.is_published)
            ):
                found.append(quiz)
        found.sort(key=lambda q: (q.created_at, q.id))
        items = [
            QuizSummary(quiz=copy.deepcopy(q), question_count=len(self._questions_of(q.id)))
            for q in found[page.offset : page.offset + page.page_size]
        ]
        return items, len(found)

    async def get_question(self, quiz_id: UUID, question_id: UUID) -> Question | None:
        question = self._state.questions.get(question_id)
        return copy.deepcopy(question) if question and question.quiz_id == quiz_id else None

    async def add_question(self, question: Question) -> None:
        self._state.questions[question.id] = copy.deepcopy(question)

    async def update_question(self, question: Question) -> None:
        if question.id in self._state.questions:
            self._state.questions[question.id] = copy.deepcopy(question)

    async def delete_question(self, question_id: UUID) -> None:
        self._state.questions.pop(question_id, None)

    async def count_questions(self, quiz_id: UUID) -> int:
        return len(self._questions_of(quiz_id))

    async def max_question_order(self, quiz_id: UUID) -> int:
        return max((q.order for q in self._questions_of(quiz_id)), default=0)


class MemoryAttemptRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def get(self, attempt_id: UUID) -> Attempt | None:
        attempt = self._state.attempts.get(attempt_id)
        return copy.deepcopy(attempt) if attempt else None

    async def get_open(self, student_id: UUID, quiz_id: UUID) -> Attempt | None:
        for attempt in self._state.attempts.values():
            if attempt.student_id == student_id and attempt.quiz_id == quiz_id and attempt.is_open:
                return copy.deepcopy(attempt)
        return None

    async def add(self, attempt: Attempt) -> None:
        if attempt.is_open and any(
            a.is_open and a.student_id == attempt.student_id and a.quiz_id == attempt.quiz_id
            for a in self._state.attempts.values()
        ):
            raise AttemptOpen(str(attempt.quiz_id))
        self._state.attempts[attempt.id] = copy.deepcopy(attempt)

    async def count_submitted(self, student_id: UUID, quiz_id: UUID) -> int:
        return sum(
            1
            for a in self._state.attempts.values()
            if a.student_id == student_id and a.quiz_id == quiz_id and a.status is not AttemptStatus.OPEN
        )

    async def finish(self, attempt: Attempt) -> bool:
        stored = self._state.attempts.get(attempt.id)
        if stored is None or not stored.is_open:
            return False
        self._state.attempts[attempt.id] = copy.deepcopy(attempt)
        return True


class MemoryCourseDirectory:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def course(self, course_id: UUID) -> CourseRef | None:
        return _ref(self._state, course_id)

    async def lesson_course_id(self, lesson_id: UUID) -> UUID | None:
        lesson = self._state.lessons.get(lesson_id)
        return None if lesson is None else lesson.course_id

    async def is_enrolled(self, student_id: UUID, course_id: UUID) -> bool:
        return any(
            e.student_id == student_id and e.course_id == course_id for e in self._state.enrollments.values()
        )

    async def release_rule(self, lesson_id: UUID) -> ReleaseRule | None:
        return self._state.release_rules.get(lesson_id) if lesson_id in self._state.lessons else None

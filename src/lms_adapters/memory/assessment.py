"""Assessment repositories over the shared ``MemoryState`` (copy in, copy out).

The course directory reads the catalog's courses and lessons and the enrollments of the same
state; ``MemoryUnitOfWork`` exposes these repositories with the rest.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from lms_adapters.memory.release import forget_in_rules
from lms_domain.assessment.entities import (
    Attempt,
    AttemptStatus,
    CourseRef,
    GradingStatus,
    HistoryEntry,
    Pool,
    Question,
    QuestionBank,
    Quiz,
)
from lms_domain.assessment.ports import AttemptOpen, BankInUse, BankLock, BankSummary
from lms_domain.assessment.views import AttemptStart, QuizAudience, QuizDetail, QuizSummary
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import ReleaseRule

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = [
    "MemoryAttemptRepository",
    "MemoryCourseDirectory",
    "MemoryQuestionBankRepository",
    "MemoryQuizRepository",
    "remove_banks",
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
    for entry_id in [e.id for e in state.attempt_history.values() if e.attempt_id not in state.attempts]:
        del state.attempt_history[entry_id]
    forget_in_rules(state, quiz_ids=quiz_ids)


def remove_banks(state: MemoryState, bank_ids: set[UUID]) -> None:
    """Delete banks with their questions (their course's deletion; quizzes first)."""
    for bank_id in bank_ids:
        state.question_banks.pop(bank_id, None)
    for question_id in [q.id for q in state.bank_questions.values() if q.bank_id in bank_ids]:
        del state.bank_questions[question_id]


class MemoryQuizRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def _questions_of(self, quiz_id: UUID) -> list[Question]:
        found = [q for q in self._state.questions.values() if q.quiz_id == quiz_id]
        found.sort(key=lambda q: (q.order, q.id))
        return found

    async def get(self, quiz_id: UUID, *, for_update: bool = False, exclusive: bool = False) -> Quiz | None:
        quiz = self._state.quizzes.get(quiz_id)  # the unit of work holds the whole state
        return copy.deepcopy(quiz) if quiz else None

    async def get_many(self, quiz_ids: Collection[UUID]) -> Mapping[UUID, Quiz]:
        return {i: copy.deepcopy(self._state.quizzes[i]) for i in quiz_ids if i in self._state.quizzes}

    async def get_for_attempt(self, quiz_id: UUID) -> QuizDetail | None:
        return await self.get_with_questions(quiz_id)

    async def set_pools(self, quiz_id: UUID, pools: Sequence[Pool]) -> None:
        """Nothing more to keep: the quiz's ``question_pools`` is what the banks' side reads here."""

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

    async def get(self, attempt_id: UUID, *, for_update: bool = False) -> Attempt | None:
        attempt = self._state.attempts.get(attempt_id)
        return copy.deepcopy(attempt) if attempt else None

    async def get_with_quiz(self, attempt_id: UUID) -> tuple[Attempt, Quiz, CourseRef] | None:
        attempt = await self.get(attempt_id, for_update=True)
        quiz = None if attempt is None else self._state.quizzes.get(attempt.quiz_id)
        course = None if quiz is None else _ref(self._state, quiz.course_id)
        if attempt is None or quiz is None or course is None:
            return None
        return attempt, copy.deepcopy(quiz), course

    async def starting(self, quiz_id: UUID, student_id: UUID) -> AttemptStart | None:
        detail = await MemoryQuizRepository(self._state).get_for_attempt(quiz_id)
        course = None if detail is None else _ref(self._state, detail.quiz.course_id)
        if detail is None or course is None:
            return None
        return AttemptStart(
            quiz=detail.quiz,
            questions=detail.questions,
            course=course,
            enrolled=await MemoryCourseDirectory(self._state).is_enrolled(student_id, course.id),
            open_attempt=await self.get_open(student_id, quiz_id),
            finished_attempts=await self.count_submitted(student_id, quiz_id),
        )

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

    async def save_grades(self, attempt: Attempt) -> None:
        if attempt.id in self._state.attempts:
            self._state.attempts[attempt.id] = copy.deepcopy(attempt)

    async def save_regrades(self, attempts: Sequence[Attempt]) -> None:
        for attempt in attempts:
            await self.save_grades(attempt)

    async def holding(self, question_id: UUID, *, after: UUID | None, limit: int) -> Sequence[Attempt]:
        found = sorted(
            (
                a
                for a in self._state.attempts.values()
                if (after is None or a.id > after) and any(q.id == question_id for q in a.questions)
            ),
            key=lambda a: a.id,
        )
        return [copy.deepcopy(a) for a in found[:limit]]

    async def pending_review(self, quiz_id: UUID, *, page: PageRequest) -> tuple[Sequence[Attempt], int]:
        found = sorted(
            (
                a
                for a in self._state.attempts.values()
                if a.quiz_id == quiz_id and a.grading_status is GradingStatus.PENDING_REVIEW
            ),
            key=lambda a: (a.ended_at, a.id),
        )
        return [copy.deepcopy(a) for a in found[page.offset : page.offset + page.page_size]], len(found)

    async def history(self, attempt_id: UUID) -> Sequence[HistoryEntry]:
        found = [e for e in self._state.attempt_history.values() if e.attempt_id == attempt_id]
        return sorted(found, key=lambda e: (e.at, e.id), reverse=True)

    async def add_history(self, entries: Sequence[HistoryEntry]) -> None:
        for entry in entries:
            self._state.attempt_history[entry.id] = entry


class MemoryQuestionBankRepository:
    """Banks in the shared state; a quiz draws from a bank when its ``question_pools`` name it."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def _questions_of(self, bank_id: UUID) -> list[Question]:
        found = [q for q in self._state.bank_questions.values() if q.bank_id == bank_id]
        found.sort(key=lambda q: (q.order, q.id))
        return found

    async def get(self, bank_id: UUID, *, for_update: bool = False) -> QuestionBank | None:
        bank = self._state.question_banks.get(bank_id)
        return copy.deepcopy(bank) if bank else None

    async def lock(self, bank_ids: Sequence[UUID], mode: BankLock) -> Mapping[UUID, QuestionBank]:
        return {
            i: copy.deepcopy(self._state.question_banks[i])
            for i in bank_ids
            if i in self._state.question_banks
        }

    async def list(self, *, course_id: UUID, page: PageRequest) -> tuple[Sequence[BankSummary], int]:
        found = sorted(
            (b for b in self._state.question_banks.values() if b.course_id == course_id),
            key=lambda b: (b.created_at, b.id),
        )
        items = [
            BankSummary(bank=copy.deepcopy(b), question_count=len(self._questions_of(b.id)))
            for b in found[page.offset : page.offset + page.page_size]
        ]
        return items, len(found)

    async def count_questions(self, bank_id: UUID) -> int:
        return len(self._questions_of(bank_id))

    async def count_questions_of(self, bank_ids: Sequence[UUID]) -> Mapping[UUID, int]:
        return {i: len(self._questions_of(i)) for i in bank_ids}

    async def questions(self, bank_id: UUID, *, page: PageRequest) -> tuple[Sequence[Question], int]:
        found = self._questions_of(bank_id)
        return copy.deepcopy(found[page.offset : page.offset + page.page_size]), len(found)

    async def questions_of(self, bank_ids: Sequence[UUID]) -> Mapping[UUID, Sequence[Question]]:
        return {i: copy.deepcopy(self._questions_of(i)) for i in bank_ids}

    async def get_question(self, bank_id: UUID, question_id: UUID) -> Question | None:
        question = self._state.bank_questions.get(question_id)
        return copy.deepcopy(question) if question and question.bank_id == bank_id else None

    async def max_question_order(self, bank_id: UUID) -> int:
        return max((q.order for q in self._questions_of(bank_id)), default=0)

    async def largest_published_draw(self, bank_id: UUID) -> int:
        return max(
            (
                p.count
                for quiz in self._state.quizzes.values()
                if quiz.is_published
                for p in quiz.question_pools
                if p.bank_id == bank_id
            ),
            default=0,
        )

    async def add(self, bank: QuestionBank) -> None:
        self._state.question_banks[bank.id] = copy.deepcopy(bank)

    async def update(self, bank: QuestionBank) -> None:
        if bank.id in self._state.question_banks:
            self._state.question_banks[bank.id] = copy.deepcopy(bank)

    async def delete(self, bank_id: UUID) -> None:
        if any(p.bank_id == bank_id for quiz in self._state.quizzes.values() for p in quiz.question_pools):
            raise BankInUse(str(bank_id))
        remove_banks(self._state, {bank_id})

    async def add_question(self, question: Question) -> None:
        self._state.bank_questions[question.id] = copy.deepcopy(question)

    async def update_question(self, question: Question) -> None:
        if question.id in self._state.bank_questions:
            self._state.bank_questions[question.id] = copy.deepcopy(question)

    async def delete_question(self, question_id: UUID) -> None:
        self._state.bank_questions.pop(question_id, None)


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

"""Who may see what, and the read models handed to callers.

A ``Question`` entity never leaves the domain: callers get ``QuestionView``s, whose
``correct_answer`` is ``None`` unless the caller is the course owner or an admin. Every use case
that shows questions returns these views, so no outer layer can leak an answer by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from lms_domain.assessment.entities import (
    Answer,
    Attempt,
    CourseRef,
    Question,
    QuestionType,
    Quiz,
)
from lms_domain.shared.actors import Actor
from lms_domain.shared.course_access import CourseAccess
from lms_domain.shared.errors import Forbidden, NotFound

__all__ = [
    "AttemptStart",
    "AttemptView",
    "QuestionView",
    "QuizAudience",
    "QuizDetail",
    "QuizSummary",
    "QuizView",
    "authorize_quiz_edit",
    "can_see_answers",
    "can_see_attempt",
    "can_see_quiz",
]


def can_see_answers(actor: Actor | None, course: CourseRef) -> bool:
    """Correct answers are for course editors and teaching assistants."""
    return course.access(actor).reads_all


def can_see_quiz(actor: Actor | None, quiz: Quiz, course: CourseRef) -> bool:
    """Published quizzes of published courses are public; the rest is for editors and TAs."""
    return can_see_answers(actor, course) or (quiz.is_published and course.is_published)


def can_see_attempt(actor: Actor, attempt: Attempt, course: CourseRef) -> bool:
    """Its student, the course's editors and teaching assistants."""
    return actor.user_id == attempt.student_id or course.access(actor).reads_all


def authorize_quiz_edit(actor: Actor, course: CourseRef, quiz: Quiz | None = None) -> None:
    """Only course editors write quizzes and questions.

    Anyone else gets 403 when they may see the thing (the course, or the quiz when one is given)
    and 404 when they may not even know it exists.
    """
    access = course.access(actor)
    if access.edits:
        return
    visible = (course.is_published or access.reads_all) if quiz is None else can_see_quiz(actor, quiz, course)
    if visible:
        raise Forbidden("Only the course's instructors or an admin can do this")
    raise NotFound("Quiz not found" if quiz is not None else "Course not found")


@dataclass(frozen=True, slots=True)
class QuizAudience:
    """Which quizzes a list may show: published ones of published courses, plus, for
    ``member_id``, every quiz of the courses that user owns or is staff of; an admin
    (``sees_everything``) sees all.
    """

    sees_everything: bool = False
    member_id: UUID | None = None

    @classmethod
    def of(cls, actor: Actor | None) -> QuizAudience:
        if actor is None:
            return cls()
        if actor.is_admin:
            return cls(sees_everything=True)
        return cls(member_id=actor.user_id)

    def admits(self, quiz: Quiz, course: CourseRef) -> bool:
        return (
            self.sees_everything
            or (
                self.member_id is not None
                and CourseAccess.of_user(
                    self.member_id, owner_id=course.instructor_id, staff=course.staff
                ).reads_all
            )
            or (quiz.is_published and course.is_published)
        )


@dataclass(frozen=True, slots=True)
class QuestionView:
    id: UUID
    quiz_id: UUID | None
    question_text: str
    question_type: QuestionType
    options: tuple[str, ...]
    points: int
    order: int
    correct_answer: Answer | None
    """``None`` when the caller may not see it."""
    tolerance: Decimal | None = None
    """A numeric question's tolerance, part of its key: ``None`` when the caller may not see the key."""
    bank_id: UUID | None = None
    """The bank a question belongs to (a bank question, or one an attempt drew)."""

    @classmethod
    def of(cls, question: Question, *, include_answers: bool) -> QuestionView:
        answer = question.correct_answer
        return cls(
            id=question.id,
            quiz_id=question.quiz_id,
            bank_id=question.bank_id,
            question_text=question.question_text,
            question_type=question.question_type,
            options=tuple(question.options),
            points=question.points,
            order=question.order,
            correct_answer=(list(answer) if isinstance(answer, list) else answer)
            if include_answers
            else None,
            tolerance=question.tolerance if include_answers else None,
        )


@dataclass(frozen=True, slots=True)
class QuizSummary:
    """A quiz in a list, with how many questions it has."""

    quiz: Quiz
    question_count: int


@dataclass(frozen=True, slots=True)
class QuizView:
    quiz: Quiz
    questions: tuple[QuestionView, ...]
    include_answers: bool

    @property
    def question_count(self) -> int:
        return len(self.questions)


@dataclass(frozen=True, slots=True)
class AttemptStart:
    """What a student's attempt of a quiz starts from: the quiz and its questions, its course,
    whether the student is enrolled in it, the student's open attempt of it and how many of the
    student's attempts of it are finished."""

    quiz: Quiz
    questions: tuple[Question, ...]
    course: CourseRef
    enrolled: bool
    open_attempt: Attempt | None
    finished_attempts: int


@dataclass(frozen=True, slots=True)
class QuizDetail:
    """A quiz with its questions in order."""

    quiz: Quiz
    questions: tuple[Question, ...]

    @property
    def question_count(self) -> int:
        return len(self.questions)

    @property
    def points_total(self) -> int:
        return sum(q.points for q in self.questions)

    def view_for(self, actor: Actor | None, course: CourseRef) -> QuizView:
        include = can_see_answers(actor, course)
        return QuizView(
            quiz=self.quiz,
            questions=tuple(QuestionView.of(q, include_answers=include) for q in self.questions),
            include_answers=include,
        )


@dataclass(frozen=True, slots=True)
class AttemptView:
    """An attempt with the questions it was given (its snapshot), in its order, keys redacted as
    for quizzes.

    ``deadline`` is when the time limit ends (submissions are accepted for a grace period beyond it).
    """

    attempt: Attempt
    questions: tuple[QuestionView, ...]
    deadline: datetime | None

    @classmethod
    def of(cls, attempt: Attempt, quiz: Quiz, actor: Actor, course: CourseRef) -> AttemptView:
        include = can_see_answers(actor, course)
        return cls(
            attempt=attempt,
            questions=tuple(QuestionView.of(q, include_answers=include) for q in attempt.questions),
            deadline=attempt.deadline(quiz),
        )

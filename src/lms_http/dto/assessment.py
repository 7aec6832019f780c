"""Bodies of the quiz, question and attempt endpoints.

``correct_answer`` is ``UNSET`` (so the key is absent from the JSON, not ``null``) unless the
use case's view carries it, which it does only for the course owner and admins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeVar
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from lms_domain.assessment import entities as e
from lms_domain.assessment import use_cases as uc
from lms_domain.assessment import values as v
from lms_domain.assessment.entities import QuestionType, Scoring
from lms_domain.assessment.grading import SubmittedAnswer, round_hundredths
from lms_domain.assessment.views import AttemptView, QuestionView, QuizSummary, QuizView
from lms_domain.shared.pagination import Page
from lms_http.dto.pages import PageOut, page_fields
from lms_http.dto.partial import unchanged_if_unset

__all__ = [
    "AnswerIn",
    "AnswerOut",
    "AttemptOut",
    "QuestionCreate",
    "QuestionOut",
    "QuestionUpdate",
    "QuizCreate",
    "QuizDetailOut",
    "QuizOut",
    "QuizPage",
    "QuizUpdate",
    "SubmitIn",
]

T = TypeVar("T")

MAX_QUESTIONS = 500
MAX_ANSWERS = 500

Title = Annotated[str, Meta(min_length=1, max_length=v.TITLE_MAX)]
Description = Annotated[str, Meta(max_length=v.DESCRIPTION_MAX)]
Limit = Annotated[int, Meta(ge=v.LIMIT_MIN, le=v.LIMIT_MAX)]
Percentage = Annotated[float, Meta(ge=0, le=100)]
QuestionText = Annotated[str, Meta(min_length=1, max_length=v.QUESTION_TEXT_MAX)]
Option = Annotated[str, Meta(max_length=v.OPTION_MAX)]
Options = Annotated[list[Option], Meta(max_length=v.OPTIONS_MAX)]
AnswerText = Annotated[str, Meta(max_length=v.ANSWER_MAX)]
Points = Annotated[int, Meta(ge=v.POINTS_MIN, le=v.POINTS_MAX)]
Order = Annotated[int, Meta(ge=v.ORDER_MIN, le=v.ORDER_MAX)]
Tolerance = Annotated[
    float,
    Meta(
        ge=0,
        le=v.TOLERANCE_MAX,
        description="numeric questions only: how far a right answer may be from the key",
    ),
]


class QuestionCreate(msgspec.Struct, kw_only=True):
    question_text: QuestionText
    question_type: QuestionType
    correct_answer: AnswerText | Options
    options: Options | None = None
    points: Points = 1
    order: Order | None = None
    tolerance: Tolerance | None = None

    def to_domain(self) -> uc.NewQuestion:
        return uc.NewQuestion(
            question_text=self.question_text,
            question_type=self.question_type,
            correct_answer=self.correct_answer,
            options=self.options,
            points=self.points,
            order=self.order,
            tolerance=self.tolerance,
        )


class QuestionUpdate(msgspec.Struct, kw_only=True):
    """Fields left out keep their value; the question is validated again as a whole."""

    question_text: QuestionText | UnsetType = UNSET
    question_type: QuestionType | UnsetType = UNSET
    correct_answer: AnswerText | Options | UnsetType = UNSET
    options: Options | UnsetType | None = UNSET
    points: Points | UnsetType = UNSET
    order: Order | UnsetType = UNSET
    tolerance: Tolerance | UnsetType = UNSET

    def to_domain(self) -> uc.QuestionChanges:
        return uc.QuestionChanges(
            question_text=unchanged_if_unset(self.question_text),
            question_type=unchanged_if_unset(self.question_type),
            correct_answer=unchanged_if_unset(self.correct_answer),
            options=unchanged_if_unset(self.options),
            points=unchanged_if_unset(self.points),
            order=unchanged_if_unset(self.order),
            tolerance=unchanged_if_unset(self.tolerance),
        )


class QuizCreate(msgspec.Struct, kw_only=True):
    """A new quiz starts unpublished; ``is_published`` is not taken here."""

    course_id: UUID
    title: Title
    description: Description = ""
    lesson_id: UUID | None = None
    time_limit_minutes: Limit | None = None
    passing_score_percentage: Percentage = 70
    shuffle_questions: bool = False
    max_attempts: Limit | None = None
    scoring: Scoring = Scoring.ALL_OR_NOTHING
    questions: Annotated[list[QuestionCreate], Meta(max_length=MAX_QUESTIONS)] = msgspec.field(
        default_factory=list
    )

    def to_domain(self) -> uc.NewQuiz:
        return uc.NewQuiz(
            course_id=self.course_id,
            title=self.title,
            description=self.description,
            lesson_id=self.lesson_id,
            time_limit_minutes=self.time_limit_minutes,
            passing_score_percentage=self.passing_score_percentage,
            shuffle_questions=self.shuffle_questions,
            max_attempts=self.max_attempts,
            scoring=self.scoring,
            questions=[q.to_domain() for q in self.questions],
        )


class QuizUpdate(msgspec.Struct, kw_only=True):
    """Fields left out keep their value; ``is_published: true`` needs a question, like publish."""

    title: Title | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    lesson_id: UUID | UnsetType | None = UNSET
    time_limit_minutes: Limit | UnsetType | None = UNSET
    passing_score_percentage: Percentage | UnsetType = UNSET
    shuffle_questions: bool | UnsetType = UNSET
    max_attempts: Limit | UnsetType | None = UNSET
    is_published: bool | UnsetType = UNSET
    scoring: Scoring | UnsetType = UNSET

    def to_domain(self) -> uc.QuizChanges:
        return uc.QuizChanges(
            title=unchanged_if_unset(self.title),
            description=unchanged_if_unset(self.description),
            lesson_id=unchanged_if_unset(self.lesson_id),
            time_limit_minutes=unchanged_if_unset(self.time_limit_minutes),
            passing_score_percentage=unchanged_if_unset(self.passing_score_percentage),
            shuffle_questions=unchanged_if_unset(self.shuffle_questions),
            max_attempts=unchanged_if_unset(self.max_attempts),
            is_published=unchanged_if_unset(self.is_published),
            scoring=unchanged_if_unset(self.scoring),
        )


class QuestionOut(msgspec.Struct, kw_only=True):
    """``correct_answer`` (and a numeric question's ``tolerance``) only for those who may see keys."""

    id: UUID
    quiz_id: UUID
    question_text: str
    question_type: QuestionType
    options: list[str]
    points: int
    order: int
    correct_answer: str | list[str] | UnsetType = UNSET
    tolerance: float | UnsetType = UNSET

    @classmethod
    def of(cls, view: QuestionView) -> QuestionOut:
        answer = view.correct_answer
        return cls(
            id=view.id,
            quiz_id=view.quiz_id,
            question_text=view.question_text,
            question_type=view.question_type,
            options=list(view.options),
            points=view.points,
            order=view.order,
            correct_answer=UNSET
            if answer is None
            else (list(answer) if isinstance(answer, list) else answer),
            tolerance=UNSET if view.tolerance is None else float(view.tolerance),
        )


class QuizOut(msgspec.Struct, kw_only=True):
    id: UUID
    course_id: UUID
    lesson_id: UUID | None
    title: str
    description: str
    time_limit_minutes: int | None
    passing_score_percentage: float
    shuffle_questions: bool
    max_attempts: int | None
    is_published: bool
    scoring: Scoring
    question_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, quiz: e.Quiz, question_count: int) -> QuizOut:
        return cls(
            id=quiz.id,
            course_id=quiz.course_id,
            lesson_id=quiz.lesson_id,
            title=quiz.title,
            description=quiz.description,
            time_limit_minutes=quiz.time_limit_minutes,
            passing_score_percentage=quiz.passing_score_percentage,
            shuffle_questions=quiz.shuffle_questions,
            max_attempts=quiz.max_attempts,
            is_published=quiz.is_published,
            scoring=quiz.scoring,
            question_count=question_count,
            created_at=quiz.created_at,
            updated_at=quiz.updated_at,
        )


class QuizDetailOut(QuizOut, kw_only=True):
    questions: list[QuestionOut]

    @classmethod
    def of_view(cls, view: QuizView) -> QuizDetailOut:
        base = QuizOut.of(view.quiz, view.question_count)
        return cls(
            **{f: getattr(base, f) for f in QuizOut.__struct_fields__},
            questions=[QuestionOut.of(q) for q in view.questions],
        )


class QuizPage(PageOut, kw_only=True):
    items: list[QuizOut]

    @classmethod
    def of(cls, page: Page[QuizSummary]) -> QuizPage:
        return cls(
            items=[QuizOut.of(s.quiz, s.question_count) for s in page.items],
            **page_fields(page),
        )


class AnswerIn(msgspec.Struct, kw_only=True):
    question_id: UUID
    answer: AnswerText | Annotated[list[AnswerText], Meta(max_length=v.OPTIONS_MAX)] | None = None


class SubmitIn(msgspec.Struct, kw_only=True):
    answers: Annotated[list[AnswerIn], Meta(max_length=MAX_ANSWERS)]

    def to_domain(self) -> list[SubmittedAnswer]:
        return [SubmittedAnswer(question_id=a.question_id, answer=a.answer) for a in self.answers]


class AnswerOut(msgspec.Struct, kw_only=True):
    """One graded answer: whether it earned full points and what it earned, rounded to 2 decimals
    (never the right answer)."""

    question_id: UUID
    answer: str | list[str] | None
    correct: bool
    points_earned: float


class AttemptOut(msgspec.Struct, kw_only=True):
    """An attempt with its questions in the attempt's order; ``answers`` is empty until submitted."""

    id: UUID
    quiz_id: UUID
    student_id: UUID
    status: e.AttemptStatus
    started_at: datetime
    ended_at: datetime | None
    deadline: datetime | None
    score: float | None
    passed: bool | None
    answers: list[AnswerOut]
    questions: list[QuestionOut]

    @classmethod
    def of(cls, view: AttemptView) -> AttemptOut:
        attempt = view.attempt
        return cls(
            id=attempt.id,
            quiz_id=attempt.quiz_id,
            student_id=attempt.student_id,
            status=attempt.status,
            started_at=attempt.started_at,
            ended_at=attempt.ended_at,
            deadline=view.deadline,
            score=attempt.score,
            passed=attempt.passed,
            answers=[
                AnswerOut(
                    question_id=a.question_id,
                    answer=list(a.answer) if isinstance(a.answer, list) else a.answer,
                    correct=a.correct,
                    points_earned=round_hundredths(a.points_earned),
                )
                for a in attempt.answers
            ],
            questions=[QuestionOut.of(q) for q in view.questions],
        )

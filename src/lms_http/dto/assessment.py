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
from lms_domain.assessment.entities import HistoryEntry, QuestionType, Scoring
from lms_domain.assessment.grading import SubmittedAnswer, round_hundredths
from lms_domain.assessment.ports import BankSummary
from lms_domain.assessment.use_cases import grading as uc_grading
from lms_domain.assessment.views import AttemptView, QuestionView, QuizSummary, QuizView
from lms_domain.shared.changes import UNCHANGED
from lms_domain.shared.pagination import Page
from lms_http.dto.pages import PageOut, page_fields
from lms_http.dto.partial import unchanged_if_unset

__all__ = [
    "AnswerIn",
    "AnswerOut",
    "AttemptOut",
    "AttemptPage",
    "BankCreate",
    "BankOut",
    "BankPage",
    "BankUpdate",
    "GradeIn",
    "HistoryEntryOut",
    "PoolIn",
    "QuestionCreate",
    "QuestionOut",
    "QuestionPage",
    "QuestionUpdate",
    "QuizCreate",
    "QuizDetailOut",
    "QuizOut",
    "QuizPage",
    "QuizUpdate",
    "RegradeIn",
    "RegradeOut",
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
GivenText = Annotated[str, Meta(max_length=v.ESSAY_MAX)]
Key = Annotated[
    AnswerText | Options | None,
    Meta(
        description="an option's text, a list of them (multiple_select, ordering), or text; none for essays"
    ),
]
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


class PoolIn(msgspec.Struct, kw_only=True):
    """Draw ``count`` distinct questions at random from the bank for each attempt."""

    bank_id: UUID
    count: Annotated[int, Meta(ge=1, le=v.DRAW_MAX)]


Pools = Annotated[list[PoolIn], Meta(max_length=v.POOLS_MAX)]


def _pools(pools: list[PoolIn]) -> list[uc.Pool]:
    return [uc.Pool(bank_id=p.bank_id, count=p.count) for p in pools]


class QuestionCreate(msgspec.Struct, kw_only=True):
    """``correct_answer`` is required for every type but ``essay``, which has none."""

    question_text: QuestionText
    question_type: QuestionType
    correct_answer: Key = None
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
    correct_answer: AnswerText | Options | UnsetType | None = UNSET
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
    question_pools: Pools = msgspec.field(default_factory=list)

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
            question_pools=_pools(self.question_pools),
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
    question_pools: Pools | UnsetType = UNSET

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
            question_pools=UNCHANGED
            if isinstance(self.question_pools, UnsetType)
            else _pools(self.question_pools),
        )


class QuestionOut(msgspec.Struct, kw_only=True):
    """``correct_answer`` (and a numeric question's ``tolerance``) only for those who may see keys
    (an essay's is null). ``quiz_id`` is null for a bank question, which has ``bank_id``."""

    id: UUID
    quiz_id: UUID | None
    question_text: str
    question_type: QuestionType
    options: list[str]
    points: int
    order: int
    correct_answer: str | list[str] | UnsetType | None = UNSET
    tolerance: float | UnsetType = UNSET
    bank_id: UUID | UnsetType = UNSET

    @classmethod
    def of(cls, view: QuestionView, *, include_answers: bool = False) -> QuestionOut:
        answer = view.correct_answer
        shown = answer is not None or (include_answers and view.question_type is QuestionType.ESSAY)
        return cls(
            id=view.id,
            quiz_id=view.quiz_id,
            bank_id=UNSET if view.bank_id is None else view.bank_id,
            question_text=view.question_text,
            question_type=view.question_type,
            options=list(view.options),
            points=view.points,
            order=view.order,
            correct_answer=UNSET if not shown else (list(answer) if isinstance(answer, list) else answer),
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
    question_pools: list[PoolIn]
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
            question_pools=[PoolIn(bank_id=p.bank_id, count=p.count) for p in quiz.question_pools],
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
            questions=[QuestionOut.of(q, include_answers=view.include_answers) for q in view.questions],
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
    answer: GivenText | Annotated[list[AnswerText], Meta(max_length=v.OPTIONS_MAX)] | None = None


class SubmitIn(msgspec.Struct, kw_only=True):
    answers: Annotated[list[AnswerIn], Meta(max_length=MAX_ANSWERS)]

    def to_domain(self) -> list[SubmittedAnswer]:
        return [SubmittedAnswer(question_id=a.question_id, answer=a.answer) for a in self.answers]


class AnswerOut(msgspec.Struct, kw_only=True):
    """One graded answer: whether it earned full points and what it earned, rounded to 2 decimals
    (never the right answer). An essay awaiting a grader is ``pending`` with ``points_earned``
    null; a grader's ``feedback`` is shown once given."""

    question_id: UUID
    answer: str | list[str] | None
    correct: bool
    points_earned: float | None
    pending: bool
    feedback: str | None


class AttemptOut(msgspec.Struct, kw_only=True):
    """An attempt with the questions it was given (as they were when it started), in its order;
    ``answers`` is empty until submitted. ``grading_status`` is null while open, then ``graded``
    or ``pending_review`` (``score`` and ``passed`` null until every essay is graded)."""

    id: UUID
    quiz_id: UUID
    student_id: UUID
    status: e.AttemptStatus
    grading_status: e.GradingStatus | None
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
            grading_status=attempt.grading_status,
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
                    points_earned=None if a.pending else round_hundredths(a.points_earned),
                    pending=a.pending,
                    feedback=a.feedback,
                )
                for a in attempt.answers
            ],
            questions=[QuestionOut.of(q) for q in view.questions],
        )


class AttemptPage(PageOut, kw_only=True):
    items: list[AttemptOut]

    @classmethod
    def of(cls, page: Page[AttemptView]) -> AttemptPage:
        return cls(items=[AttemptOut.of(a) for a in page.items], **page_fields(page))


class GradeIn(msgspec.Struct, kw_only=True):
    points_earned: Annotated[float, Meta(ge=0, le=v.POINTS_MAX, description="0 to the question's points")]
    feedback: Annotated[str, Meta(max_length=uc_grading.FEEDBACK_MAX)] | None = None


class RegradeIn(msgspec.Struct, kw_only=True):
    """The question's new key, validated like a new question's."""

    correct_answer: AnswerText | Options
    reason: Annotated[str, Meta(max_length=uc_grading.REASON_MAX)] = ""


class RegradeOut(msgspec.Struct, kw_only=True):
    attempts_regraded: int
    scores_changed: int


class HistoryEntryOut(msgspec.Struct, kw_only=True):
    at: datetime
    actor_id: UUID | None
    question_id: UUID
    old_score: float | None
    new_score: float | None
    reason: str

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryEntryOut:
        return cls(
            at=entry.at,
            actor_id=entry.actor_id,
            question_id=entry.question_id,
            old_score=entry.old_score,
            new_score=entry.new_score,
            reason=entry.reason,
        )


class BankCreate(msgspec.Struct, kw_only=True):
    title: Title


class BankUpdate(msgspec.Struct, kw_only=True):
    title: Title | UnsetType = UNSET

    def to_domain(self) -> uc.BankChanges:
        return uc.BankChanges(title=unchanged_if_unset(self.title))


class BankOut(msgspec.Struct, kw_only=True):
    id: UUID
    course_id: UUID
    title: str
    question_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, summary: BankSummary) -> BankOut:
        bank = summary.bank
        return cls(
            id=bank.id,
            course_id=bank.course_id,
            title=bank.title,
            question_count=summary.question_count,
            created_at=bank.created_at,
            updated_at=bank.updated_at,
        )


class BankPage(PageOut, kw_only=True):
    items: list[BankOut]

    @classmethod
    def of(cls, page: Page[BankSummary]) -> BankPage:
        return cls(items=[BankOut.of(b) for b in page.items], **page_fields(page))


class QuestionPage(PageOut, kw_only=True):
    items: list[QuestionOut]

    @classmethod
    def of(cls, page: Page[QuestionView]) -> QuestionPage:
        return cls(items=[QuestionOut.of(q, include_answers=True) for q in page.items], **page_fields(page))

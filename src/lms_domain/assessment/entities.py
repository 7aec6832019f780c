"""Quizzes, questions and attempts, with the rules that keep them valid."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Protocol, TypeVar
from uuid import UUID

from lms_domain.assessment.values import (
    DESCRIPTION_MAX,
    DRAW_MAX,
    LIMIT_MAX,
    LIMIT_MIN,
    ORDER_MAX,
    ORDER_MIN,
    POINTS_MAX,
    POINTS_MIN,
    POOLS_MAX,
    QUESTION_TEXT_MAX,
    TITLE_MAX,
    TRUE_FALSE_OPTIONS,
    Answer,
    QuestionType,
    Scoring,
    check_int_range,
    check_optional_int_range,
    check_percentage,
    check_text,
    check_tolerance,
    normalize_choices,
    question_type_of,
    scoring_of,
)
from lms_domain.shared.actors import Actor
from lms_domain.shared.changes import UNCHANGED, Unchanged, apply_changes
from lms_domain.shared.course_access import CourseAccess, StaffRole
from lms_domain.shared.errors import InvalidField

__all__ = [
    "GRACE",
    "TRUE_FALSE_OPTIONS",
    "Answer",
    "AnswerResult",
    "Attempt",
    "AttemptStatus",
    "BankChanges",
    "CourseRef",
    "GradingStatus",
    "HistoryEntry",
    "NewQuestion",
    "NewQuiz",
    "Pool",
    "Question",
    "QuestionBank",
    "QuestionChanges",
    "QuestionType",
    "Quiz",
    "QuizChanges",
    "RandomSource",
    "Scoring",
    "check_pools",
    "draw_questions",
]

GRACE = timedelta(seconds=60)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CourseRef:
    """What assessment knows of a course: its owner, its staff and whether it is published."""

    id: UUID
    instructor_id: UUID
    is_published: bool
    staff: tuple[tuple[UUID, StaffRole], ...] = ()

    def access(self, actor: Actor | None) -> CourseAccess:
        return CourseAccess.of(actor, owner_id=self.instructor_id, staff=self.staff)


class AttemptStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    EXPIRED = "expired"


class GradingStatus(StrEnum):
    """Of a finished attempt: scored, or waiting for a grader (an answered essay)."""

    GRADED = "graded"
    PENDING_REVIEW = "pending_review"


@dataclass(frozen=True, slots=True)
class NewQuestion:
    question_text: str
    question_type: QuestionType
    correct_answer: str | Sequence[str] | None = None
    """None only for essays (graded by hand)."""
    options: Sequence[str] | None = None
    points: int = 1
    order: int | None = None
    """None: after the last question."""
    tolerance: float | Decimal | None = None
    """numeric questions only; None: 0."""


@dataclass(frozen=True, slots=True)
class QuestionChanges:
    """A partial update (``Question.apply``): fields left ``UNCHANGED`` keep their value."""

    question_text: str | Unchanged = UNCHANGED
    question_type: QuestionType | Unchanged = UNCHANGED
    options: Sequence[str] | Unchanged | None = UNCHANGED
    correct_answer: str | Sequence[str] | Unchanged | None = UNCHANGED
    points: int | Unchanged = UNCHANGED
    order: int | Unchanged = UNCHANGED
    tolerance: float | Decimal | Unchanged | None = UNCHANGED


@dataclass(kw_only=True)
class Question:
    """A question of a quiz (``quiz_id``) or of a question bank (``bank_id``): one of the two."""

    id: UUID
    quiz_id: UUID | None
    bank_id: UUID | None = None
    question_text: str
    question_type: QuestionType
    options: list[str] = field(default_factory=list)
    correct_answer: Answer | None
    """None for essays, which have no key."""
    points: int = 1
    order: int = 1
    tolerance: Decimal | None = None
    """How far a numeric answer may be from the key and still be right (numeric questions only)."""

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        quiz_id: UUID | None,
        question_text: str,
        question_type: QuestionType,
        options: Sequence[str] | None,
        correct_answer: object,
        points: int,
        order: int,
        tolerance: object = None,
    ) -> Question:
        """A validated question (see ``normalize_choices`` for options and answers). ``tolerance``
        is for numeric questions (None: 0); any other type with one is 422."""
        kind = question_type_of(question_type)
        opts, answer = normalize_choices(kind, options, correct_answer)
        if kind is not QuestionType.NUMERIC and tolerance is not None:
            raise InvalidField("tolerance", "tolerance is only for numeric questions")
        return cls(
            id=id,
            quiz_id=quiz_id,
            question_text=check_text("question_text", question_text, low=1, high=QUESTION_TEXT_MAX),
            question_type=kind,
            options=opts,
            correct_answer=answer,
            points=check_int_range("points", points, POINTS_MIN, POINTS_MAX),
            order=check_int_range("order", order, ORDER_MIN, ORDER_MAX),
            tolerance=check_tolerance(0 if tolerance is None else tolerance)
            if kind is QuestionType.NUMERIC
            else None,
        )

    @classmethod
    def of(
        cls,
        data: NewQuestion,
        *,
        id: UUID,
        quiz_id: UUID | None,
        default_order: int,
        bank_id: UUID | None = None,
    ) -> Question:
        """A new question of a quiz or a bank; without an ``order`` it goes at ``default_order``."""
        answer = data.correct_answer
        question = cls.create(
            id=id,
            quiz_id=quiz_id,
            question_text=data.question_text,
            question_type=data.question_type,
            options=data.options,
            correct_answer=answer if answer is None or isinstance(answer, str) else list(answer),
            points=data.points,
            order=default_order if data.order is None else data.order,
            tolerance=data.tolerance,
        )
        return replace(question, bank_id=bank_id)

    def validated(self) -> Question:
        question = Question.create(
            id=self.id,
            quiz_id=self.quiz_id,
            question_text=self.question_text,
            question_type=self.question_type,
            options=self.options,
            correct_answer=self.correct_answer,
            points=self.points,
            order=self.order,
            tolerance=self.tolerance,
        )
        return replace(question, bank_id=self.bank_id)

    def apply(self, changes: QuestionChanges) -> Question:
        """``apply_changes`` for questions: when the type changes and no options are given,
        ``true_false`` gets its two options and ``short_answer`` and ``numeric`` none; the choice
        types keep the current options. A type change without a ``tolerance`` drops the tolerance
        (a question becoming numeric gets 0)."""
        if not isinstance(changes.question_type, Unchanged):
            kind = question_type_of(changes.question_type)
            if (
                kind is not self.question_type
                and isinstance(changes.options, Unchanged)
                and not kind.has_choices
            ):
                changes = replace(changes, options=None)
            if kind is not self.question_type and isinstance(changes.tolerance, Unchanged):
                changes = replace(changes, tolerance=None)
            if kind is QuestionType.ESSAY and isinstance(changes.correct_answer, Unchanged):
                changes = replace(changes, correct_answer=None)
        return apply_changes(self, changes)


@dataclass(frozen=True, slots=True)
class Pool:
    """``count`` distinct questions drawn at random from a bank for each attempt."""

    bank_id: UUID
    count: int


def check_pools(pools: Sequence[Pool]) -> tuple[Pool, ...]:
    """At most ``POOLS_MAX`` pools, each of a different bank, each drawing 1..``DRAW_MAX``."""
    if len(pools) > POOLS_MAX:
        raise InvalidField("question_pools", f"a quiz draws from at most {POOLS_MAX} banks")
    for pool in pools:
        check_int_range("question_pools", pool.count, 1, DRAW_MAX)
    if len({p.bank_id for p in pools}) != len(pools):
        raise InvalidField("question_pools", "a quiz draws from each bank once")
    return tuple(pools)


@dataclass(frozen=True, slots=True)
class NewQuiz:
    course_id: UUID
    title: str
    description: str = ""
    lesson_id: UUID | None = None
    time_limit_minutes: int | None = None
    passing_score_percentage: float = 70
    shuffle_questions: bool = False
    max_attempts: int | None = None
    scoring: Scoring = Scoring.ALL_OR_NOTHING
    questions: Sequence[NewQuestion] = ()
    question_pools: Sequence[Pool] = ()


@dataclass(frozen=True, slots=True)
class QuizChanges:
    """A partial update (``apply_changes``): fields left ``UNCHANGED`` keep their value."""

    title: str | Unchanged = UNCHANGED
    description: str | Unchanged = UNCHANGED
    lesson_id: UUID | Unchanged | None = UNCHANGED
    time_limit_minutes: int | Unchanged | None = UNCHANGED
    passing_score_percentage: float | Unchanged = UNCHANGED
    shuffle_questions: bool | Unchanged = UNCHANGED
    max_attempts: int | Unchanged | None = UNCHANGED
    is_published: bool | Unchanged = UNCHANGED
    scoring: Scoring | Unchanged = UNCHANGED
    question_pools: Sequence[Pool] | Unchanged = UNCHANGED


@dataclass(kw_only=True)
class Quiz:
    id: UUID
    course_id: UUID
    lesson_id: UUID | None = None
    title: str
    description: str = ""
    time_limit_minutes: int | None = None
    passing_score_percentage: float = 70
    shuffle_questions: bool = False
    max_attempts: int | None = None
    is_published: bool = False
    scoring: Scoring = Scoring.ALL_OR_NOTHING
    question_pools: tuple[Pool, ...] = ()
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(cls, data: NewQuiz, *, id: UUID, at: datetime) -> Quiz:
        """A new, unpublished quiz (its questions are made apart)."""
        return cls(
            id=id,
            course_id=data.course_id,
            lesson_id=data.lesson_id,
            title=data.title,
            description=data.description,
            time_limit_minutes=data.time_limit_minutes,
            passing_score_percentage=data.passing_score_percentage,
            shuffle_questions=data.shuffle_questions,
            max_attempts=data.max_attempts,
            is_published=False,
            scoring=data.scoring,
            question_pools=tuple(data.question_pools),
            created_at=at,
            updated_at=at,
        ).validated()

    def validated(self) -> Quiz:
        """Raise ``InvalidField`` for the first field out of its range; the texts come back trimmed."""
        title = check_text("title", self.title, low=1, high=TITLE_MAX)
        description = check_text("description", self.description, low=0, high=DESCRIPTION_MAX)
        check_optional_int_range("time_limit_minutes", self.time_limit_minutes, LIMIT_MIN, LIMIT_MAX)
        check_optional_int_range("max_attempts", self.max_attempts, LIMIT_MIN, LIMIT_MAX)
        check_percentage("passing_score_percentage", self.passing_score_percentage)
        if not isinstance(self.shuffle_questions, bool):
            raise InvalidField("shuffle_questions", "shuffle_questions must be a boolean")
        return replace(
            self,
            title=title,
            description=description,
            scoring=scoring_of(self.scoring),
            question_pools=check_pools(self.question_pools),
        )

    def time_limit(self) -> timedelta | None:
        return None if self.time_limit_minutes is None else timedelta(minutes=self.time_limit_minutes)


@dataclass(kw_only=True)
class AnswerResult:
    """One question of a graded attempt: what the student answered and what it earned, exactly
    (partial credit can be a fraction of a point; ``correct`` only for full points). An answered
    essay is ``pending`` (earning 0 so far) until a grader gives its points and ``feedback``."""

    question_id: UUID
    answer: Answer | None
    correct: bool
    points_earned: Fraction
    pending: bool = False
    feedback: str | None = None


@dataclass(kw_only=True)
class Attempt:
    """``questions`` is the attempt's snapshot: the questions it was given (the quiz's own and
    those drawn from its pools), in the order shown, as they were when it started. It is shown and
    graded from them; only a regrade changes them."""

    id: UUID
    quiz_id: UUID
    student_id: UUID
    started_at: datetime
    ended_at: datetime | None = None
    questions: list[Question] = field(default_factory=list)
    answers: list[AnswerResult] = field(default_factory=list)
    score: float | None = None
    passed: bool | None = None
    status: AttemptStatus = AttemptStatus.OPEN
    grading_status: GradingStatus | None = None

    @property
    def is_open(self) -> bool:
        return self.status is AttemptStatus.OPEN

    @property
    def is_submitted(self) -> bool:
        """Closed with answers by its student (not open, not expired)."""
        return self.status is AttemptStatus.SUBMITTED

    @property
    def question_order(self) -> list[UUID]:
        return [q.id for q in self.questions]

    def question(self, question_id: UUID) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def points_total(self) -> int:
        return sum(q.points for q in self.questions)

    def deadline(self, quiz: Quiz) -> datetime | None:
        """When the time limit ends (submissions get ``GRACE`` beyond it), or None without a limit."""
        limit = quiz.time_limit()
        return None if limit is None else self.started_at + limit

    def is_overdue(self, quiz: Quiz, now: datetime) -> bool:
        """True once the time limit plus the grace period has passed."""
        deadline = self.deadline(quiz)
        return deadline is not None and now > deadline + GRACE

    def submit(
        self, *, answers: Sequence[AnswerResult], score: float | None, passed: bool | None, now: datetime
    ) -> None:
        """Close with graded answers; ``score`` None while an essay awaits a grader."""
        self.answers, self.score, self.passed = list(answers), score, passed
        self.ended_at, self.status = now, AttemptStatus.SUBMITTED
        self.grading_status = GradingStatus.GRADED if score is not None else GradingStatus.PENDING_REVIEW

    def expire(self, now: datetime) -> None:
        """Close an attempt past its time limit: answers ignored, score 0, not passed."""
        self.answers, self.score, self.passed = [], 0.0, False
        self.ended_at, self.status = now, AttemptStatus.EXPIRED
        self.grading_status = GradingStatus.GRADED


@dataclass(kw_only=True)
class QuestionBank:
    """Questions of a course that quizzes draw from (``Pool``)."""

    id: UUID
    course_id: UUID
    title: str
    created_at: datetime
    updated_at: datetime

    def validated(self) -> QuestionBank:
        return replace(self, title=check_text("title", self.title, low=1, high=TITLE_MAX))


@dataclass(frozen=True, slots=True)
class BankChanges:
    title: str | Unchanged = UNCHANGED


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEntry:
    """A regrade or hand grade that changed an attempt's score (None while it was pending)."""

    id: UUID
    attempt_id: UUID
    at: datetime
    actor_id: UUID | None
    question_id: UUID
    old_score: float | None
    new_score: float | None
    reason: str


class RandomSource(Protocol):
    """Where draws and shuffles take their chance from (``random.Random`` is one; tests pass a
    seeded one)."""

    def sample(self, population: Sequence[T], k: int) -> list[T]: ...


def draw_questions(
    own: Sequence[Question],
    pools: Sequence[tuple[Pool, Sequence[Question]]],
    *,
    shuffle: bool,
    rng: RandomSource,
) -> list[Question]:
    """The questions an attempt is given: the quiz's own in order, then from each pool ``count``
    distinct questions of its bank drawn at random (all of them when the bank has fewer); the
    whole set in a fresh random order when the quiz shuffles."""
    chosen = list(own)
    for pool, bank_questions in pools:
        chosen.extend(rng.sample(list(bank_questions), min(pool.count, len(bank_questions))))
    return rng.sample(chosen, len(chosen)) if shuffle else chosen

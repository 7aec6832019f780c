"""Quizzes, questions and attempts, with the rules that keep them valid."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum, StrEnum
from typing import Final
from uuid import UUID

from lms_domain.shared.errors import InvalidField

__all__ = [
    "GRACE",
    "TRUE_FALSE_OPTIONS",
    "UNSET",
    "Answer",
    "AnswerResult",
    "Attempt",
    "AttemptStatus",
    "CourseRef",
    "Question",
    "QuestionType",
    "Quiz",
    "Unset",
    "draw_question_order",
]

TITLE_MAX = 255
DESCRIPTION_MAX = 5000
QUESTION_TEXT_MAX = 5000
OPTION_MAX = 500
OPTIONS_MAX = 20
ANSWER_MAX = 500
POINTS_MIN, POINTS_MAX = 1, 1000
LIMIT_MIN, LIMIT_MAX = 1, 10000
ORDER_MIN, ORDER_MAX = 1, 1_000_000
TRUE_FALSE_OPTIONS: Final = ("true", "false")
GRACE = timedelta(seconds=60)

Answer = str | list[str]
"""A correct answer or a student's answer: a string, or a list of option texts for multiple_select."""


class Unset(Enum):
    """Marks a field an update leaves alone (``None`` may be a value to set)."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


@dataclass(frozen=True, slots=True)
class CourseRef:
    """What assessment knows of a course: its owner and whether it is published."""

    id: UUID
    instructor_id: UUID
    is_published: bool


class QuestionType(StrEnum):
    MULTIPLE_CHOICE = "multiple_choice"
    MULTIPLE_SELECT = "multiple_select"
    TRUE_FALSE = "true_false"
    SHORT_ANSWER = "short_answer"

    @property
    def has_choices(self) -> bool:
        """Types whose answers are picked among the question's options."""
        return self in (QuestionType.MULTIPLE_CHOICE, QuestionType.MULTIPLE_SELECT)


class AttemptStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    EXPIRED = "expired"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_int_range(field_name: str, value: int, low: int, high: int) -> int:
    if not _is_int(value) or not low <= value <= high:
        raise InvalidField(field_name, f"{field_name} must be an integer from {low} to {high}")
    return value


def check_optional_int_range(field_name: str, value: int | None, low: int, high: int) -> int | None:
    return None if value is None else check_int_range(field_name, value, low, high)


def check_text(field_name: str, value: str, *, low: int, high: int) -> str:
    """Trimmed text of ``low``..``high`` characters."""
    if not isinstance(value, str):
        raise InvalidField(field_name, f"{field_name} must be a string")
    text = value.strip()
    if not low <= len(text) <= high:
        raise InvalidField(field_name, f"{field_name} must be {low}-{high} characters")
    return text


def check_percentage(field_name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidField(field_name, f"{field_name} must be a number")
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise InvalidField(field_name, f"{field_name} must be from 0 to 100")
    return value


def normalize_choices(
    question_type: QuestionType, options: Sequence[str] | None, correct_answer: object
) -> tuple[list[str], Answer]:
    """Validate a question's options and correct answer together; return them normalized.

    Options are kept as written (an answer must match one exactly); a short answer is trimmed.
    ``true_false`` options are always ``["true", "false"]``, filled in when omitted.
    """
    given = list(options) if options is not None else []
    if any(not isinstance(o, str) for o in given):
        raise InvalidField("options", "options must be strings")
    if question_type is QuestionType.TRUE_FALSE:
        if given and sorted(given) != sorted(TRUE_FALSE_OPTIONS):
            raise InvalidField("options", 'true_false options are always ["true", "false"]')
        if correct_answer not in TRUE_FALSE_OPTIONS:
            raise InvalidField("correct_answer", 'correct_answer must be "true" or "false"')
        return list(TRUE_FALSE_OPTIONS), str(correct_answer)
    if question_type is QuestionType.SHORT_ANSWER:
        if given:
            raise InvalidField("options", "short_answer questions have no options")
        if not isinstance(correct_answer, str):
            raise InvalidField("correct_answer", "correct_answer must be a string")
        return [], check_text("correct_answer", correct_answer, low=1, high=ANSWER_MAX)
    # multiple_choice and multiple_select: the answer is picked among the options.
    if not 2 <= len(given) <= OPTIONS_MAX:
        raise InvalidField("options", f"{question_type} needs 2 to {OPTIONS_MAX} options")
    if any(not o.strip() or len(o) > OPTION_MAX for o in given):
        raise InvalidField("options", f"options must be non-blank and at most {OPTION_MAX} characters")
    if len(set(given)) != len(given):
        raise InvalidField("options", "options must be distinct")
    if question_type is QuestionType.MULTIPLE_CHOICE:
        if not isinstance(correct_answer, str) or correct_answer not in given:
            raise InvalidField("correct_answer", "correct_answer must be one of the options")
        return given, correct_answer
    if (
        not isinstance(correct_answer, list | tuple)
        or not correct_answer
        or any(not isinstance(a, str) for a in correct_answer)
    ):
        raise InvalidField("correct_answer", "correct_answer must be a non-empty list of options")
    chosen = [str(a) for a in correct_answer]
    if len(set(chosen)) != len(chosen):
        raise InvalidField("correct_answer", "correct_answer must not repeat an option")
    if any(a not in given for a in chosen):
        raise InvalidField("correct_answer", "every correct answer must be one of the options")
    return given, chosen


@dataclass(kw_only=True)
class Question:
    id: UUID
    quiz_id: UUID
    question_text: str
    question_type: QuestionType
    options: list[str] = field(default_factory=list)
    correct_answer: Answer
    points: int = 1
    order: int = 1

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        quiz_id: UUID,
        question_text: str,
        question_type: QuestionType,
        options: Sequence[str] | None,
        correct_answer: object,
        points: int,
        order: int,
    ) -> Question:
        """A validated question (see ``normalize_choices`` for options and answers)."""
        kind = _question_type(question_type)
        opts, answer = normalize_choices(kind, options, correct_answer)
        return cls(
            id=id,
            quiz_id=quiz_id,
            question_text=check_text("question_text", question_text, low=1, high=QUESTION_TEXT_MAX),
            question_type=kind,
            options=opts,
            correct_answer=answer,
            points=check_int_range("points", points, POINTS_MIN, POINTS_MAX),
            order=check_int_range("order", order, ORDER_MIN, ORDER_MAX),
        )

    def revise(
        self,
        *,
        question_text: str | Unset = UNSET,
        question_type: QuestionType | Unset = UNSET,
        options: Sequence[str] | Unset | None = UNSET,
        correct_answer: object = UNSET,
        points: int | Unset = UNSET,
        order: int | Unset = UNSET,
    ) -> None:
        """Change some fields; the question as a whole is validated again before anything changes.

        When the type changes and no options are given, ``true_false`` gets its two options and
        ``short_answer`` none; the choice types keep the current options.
        """
        kind = self.question_type if isinstance(question_type, Unset) else _question_type(question_type)
        if isinstance(options, Unset):
            current: Sequence[str] | None = self.options
            if kind is not self.question_type and not kind.has_choices:
                current = None
        else:
            current = options
        answer = self.correct_answer if isinstance(correct_answer, Unset) else correct_answer
        revised = Question.create(
            id=self.id,
            quiz_id=self.quiz_id,
            question_text=self.question_text if isinstance(question_text, Unset) else question_text,
            question_type=kind,
            options=current,
            correct_answer=answer,
            points=self.points if isinstance(points, Unset) else points,
            order=self.order if isinstance(order, Unset) else order,
        )
        self.question_text, self.question_type = revised.question_text, revised.question_type
        self.options, self.correct_answer = revised.options, revised.correct_answer
        self.points, self.order = revised.points, revised.order


def _question_type(value: object) -> QuestionType:
    try:
        return QuestionType(str(value))
    except ValueError:
        raise InvalidField("question_type", "question_type is not one of the known types") from None


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
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``InvalidField`` for the first field out of its range; trims the texts."""
        self.title = check_text("title", self.title, low=1, high=TITLE_MAX)
        self.description = check_text("description", self.description, low=0, high=DESCRIPTION_MAX)
        check_optional_int_range("time_limit_minutes", self.time_limit_minutes, LIMIT_MIN, LIMIT_MAX)
        check_optional_int_range("max_attempts", self.max_attempts, LIMIT_MIN, LIMIT_MAX)
        check_percentage("passing_score_percentage", self.passing_score_percentage)
        if not isinstance(self.shuffle_questions, bool):
            raise InvalidField("shuffle_questions", "shuffle_questions must be a boolean")

    def time_limit(self) -> timedelta | None:
        return None if self.time_limit_minutes is None else timedelta(minutes=self.time_limit_minutes)


@dataclass(kw_only=True)
class AnswerResult:
    """One question of a graded attempt: what the student answered and what it earned."""

    question_id: UUID
    answer: Answer | None
    correct: bool
    points_earned: int


@dataclass(kw_only=True)
class Attempt:
    id: UUID
    quiz_id: UUID
    student_id: UUID
    started_at: datetime
    ended_at: datetime | None = None
    question_order: list[UUID] = field(default_factory=list)
    answers: list[AnswerResult] = field(default_factory=list)
    score: float | None = None
    passed: bool | None = None
    status: AttemptStatus = AttemptStatus.OPEN

    @property
    def is_open(self) -> bool:
        return self.status is AttemptStatus.OPEN

    def deadline(self, quiz: Quiz) -> datetime | None:
        """When the time limit ends (submissions get ``GRACE`` beyond it), or None without a limit."""
        limit = quiz.time_limit()
        return None if limit is None else self.started_at + limit

    def is_overdue(self, quiz: Quiz, now: datetime) -> bool:
        """True once the time limit plus the grace period has passed."""
        deadline = self.deadline(quiz)
        return deadline is not None and now > deadline + GRACE

    def submit(self, *, answers: Sequence[AnswerResult], score: float, passed: bool, now: datetime) -> None:
        self.answers, self.score, self.passed = list(answers), score, passed
        self.ended_at, self.status = now, AttemptStatus.SUBMITTED

    def expire(self, now: datetime) -> None:
        """Close an attempt past its time limit: answers ignored, score 0, not passed."""
        self.answers, self.score, self.passed = [], 0.0, False
        self.ended_at, self.status = now, AttemptStatus.EXPIRED


def draw_question_order(question_ids: Sequence[UUID], *, shuffle: bool, rng: random.Random) -> list[UUID]:
    """The order an attempt shows its questions in: as authored, or a fresh permutation."""
    return rng.sample(list(question_ids), len(question_ids)) if shuffle else list(question_ids)

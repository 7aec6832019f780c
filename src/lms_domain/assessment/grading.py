"""Grading: pure functions, no I/O.

- ``multiple_choice`` and ``true_false``: the answer must equal the correct option exactly.
- ``short_answer``: equal to the correct answer after trimming and case folding.
- ``numeric``: a decimal number (optional sign and fraction, surrounding whitespace ignored, at most
  ``DECIMAL_MAX`` characters) within the question's tolerance of the key, |answer - key| <= tolerance,
  computed exactly; anything else is wrong.
- ``multiple_select``: full points only for exactly the correct set (order and repeats do not
  matter). With partial scoring: points x max(0, (right picked - wrong picked) / right choices), where
  every picked text that is not a right choice is a wrong one and repeats count once.
- ``ordering``: full points only for the items in the key's order. With partial scoring: points x
  items in their right place / items; an answer repeating an item or naming an unknown one earns 0,
  and the places a shorter answer leaves out are wrong.
- ``essay``: graded by hand. An answered essay (a string that is not blank) is pending: it earns 0
  until a grader gives it 0..points; the attempt has no score while one is pending. An unanswered
  (or blank, or wrong-shaped) essay earns 0 and needs no review.
- An unanswered question earns 0. An answer of the wrong shape (a list for a single-answer type, a
  string for a list type) is wrong and earns 0; it is not an error. ``correct`` is true only for
  full points.
- Points earned are exact fractions; ``score`` = earned / total x 100 computed from them and rounded
  once to 2 decimals, half up; ``passed`` = score >= the quiz's passing percentage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

from lms_domain.assessment.entities import (
    Answer,
    AnswerResult,
    Attempt,
    GradingStatus,
    Question,
    QuestionType,
    Scoring,
)
from lms_domain.assessment.values import parse_decimal
from lms_domain.shared.errors import InvalidField

__all__ = [
    "Grade",
    "SubmittedAnswer",
    "grade_answer",
    "grade_by_hand",
    "grade_submission",
    "is_correct",
    "passes",
    "points_earned",
    "regrade_question",
    "rescore",
    "round_hundredths",
    "score_percentage",
    "settle",
]


@dataclass(frozen=True, slots=True)
class SubmittedAnswer:
    question_id: UUID
    answer: Answer | None


@dataclass(frozen=True, slots=True)
class Grade:
    """``score`` and ``passed`` are None while an answer is pending (an essay awaiting a grader)."""

    answers: tuple[AnswerResult, ...]
    points_earned: Fraction
    points_total: int
    score: float | None
    passed: bool | None


def _numeric_right(question: Question, answer: Answer | None) -> bool:
    given, key = parse_decimal(answer), parse_decimal(question.correct_answer)
    if given is None or key is None:
        return False
    tolerance = Fraction(question.tolerance or 0)
    return abs(Fraction(given) - Fraction(key)) <= tolerance


def _share(question: Question, answer: Answer | None, scoring: Scoring) -> Fraction:
    """The share of the question's points ``answer`` earns, from 0 to 1."""
    expected = question.correct_answer
    kind = question.question_type
    if kind in (QuestionType.MULTIPLE_SELECT, QuestionType.ORDERING):
        if not isinstance(answer, list) or not isinstance(expected, list) or not expected:
            return Fraction(0)
        if kind is QuestionType.MULTIPLE_SELECT:
            return _selection_share(expected, answer, partial=scoring is Scoring.PARTIAL)
        return _ordering_share(expected, answer, partial=scoring is Scoring.PARTIAL)
    if kind is QuestionType.NUMERIC:
        return Fraction(int(_numeric_right(question, answer)))
    if not isinstance(answer, str) or not isinstance(expected, str):
        return Fraction(0)
    if kind is QuestionType.SHORT_ANSWER:
        return Fraction(int(answer.strip().casefold() == expected.strip().casefold()))
    return Fraction(int(answer == expected))


def _selection_share(expected: list[str], answer: list[str], *, partial: bool) -> Fraction:
    picked, right = set(answer), set(expected)
    if not partial:
        return Fraction(int(picked == right))
    net = len(picked & right) - len(picked - right)
    return max(Fraction(0), Fraction(net, len(right)))


def _ordering_share(expected: list[str], answer: list[str], *, partial: bool) -> Fraction:
    if not partial:
        return Fraction(int(answer == expected))
    if len(set(answer)) != len(answer) or not set(answer) <= set(expected):
        return Fraction(0)
    in_place = sum(1 for given, key in zip(answer, expected, strict=False) if given == key)
    return Fraction(in_place, len(expected))


def points_earned(
    question: Question, answer: Answer | None, scoring: Scoring = Scoring.ALL_OR_NOTHING
) -> Fraction:
    """The exact points ``answer`` earns on ``question`` under ``scoring``."""
    return question.points * _share(question, answer, scoring)


def is_correct(question: Question, answer: Answer | None, scoring: Scoring = Scoring.ALL_OR_NOTHING) -> bool:
    """Whether ``answer`` earns the question's full points; a missing or wrong-shaped answer does not."""
    return _share(question, answer, scoring) == 1


def grade_answer(
    question: Question, answer: Answer | None, scoring: Scoring = Scoring.ALL_OR_NOTHING
) -> AnswerResult:
    if question.question_type is QuestionType.ESSAY:
        return AnswerResult(
            question_id=question.id,
            answer=list(answer) if isinstance(answer, list) else answer,
            correct=False,
            points_earned=Fraction(0),
            pending=isinstance(answer, str) and bool(answer.strip()),
        )
    share = _share(question, answer, scoring)
    return AnswerResult(
        question_id=question.id,
        answer=list(answer) if isinstance(answer, list) else answer,
        correct=share == 1,
        points_earned=question.points * share,
    )


def round_hundredths(value: Fraction | int) -> float:
    """``value`` (>= 0) rounded half up to 2 decimals, exactly (no binary drift before the rounding)."""
    scaled = Fraction(value) * 100
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    return float(Decimal(whole) / 100)


def score_percentage(earned: Fraction | int, total: int) -> float:
    """earned / total x 100 rounded half up to 2 decimals, in exact arithmetic.

    A quiz without points (``total`` 0) scores 0.
    """
    if total <= 0:
        return 0.0
    return round_hundredths(Fraction(earned) * 100 / total)


def passes(score: float, passing_score_percentage: float) -> bool:
    """score >= threshold, compared as the decimals they are written as (no binary drift)."""
    return Decimal(repr(score)) >= Decimal(repr(passing_score_percentage))


def settle(
    answers: Sequence[AnswerResult], points_total: int, passing_score_percentage: float
) -> tuple[float | None, bool | None]:
    """The score and ``passed`` of graded answers: both None while one is pending."""
    if any(a.pending for a in answers):
        return None, None
    earned = sum((a.points_earned for a in answers), Fraction(0))
    score = score_percentage(earned, points_total)
    return score, passes(score, passing_score_percentage)


def rescore(attempt: Attempt, passing_score_percentage: float) -> None:
    """Set a submitted attempt's score, ``passed`` and grading status from its answers."""
    attempt.score, attempt.passed = settle(attempt.answers, attempt.points_total, passing_score_percentage)
    attempt.grading_status = GradingStatus.PENDING_REVIEW if attempt.score is None else GradingStatus.GRADED


def grade_by_hand(
    attempt: Attempt,
    question_id: UUID,
    points: Fraction,
    feedback: str | None,
    passing_score_percentage: float,
) -> None:
    """A grader's points (0..the question's points, checked by the caller) and feedback for one
    essay answer of a submitted attempt; the attempt is scored once nothing is left pending."""
    question = attempt.question(question_id)
    assert question is not None
    results = {a.question_id: a for a in attempt.answers}
    given = results.get(question_id)
    results[question_id] = AnswerResult(
        question_id=question_id,
        answer=None if given is None else given.answer,
        correct=points == question.points,
        points_earned=points,
        feedback=feedback,
    )
    attempt.answers = [results[q.id] for q in attempt.questions if q.id in results]
    rescore(attempt, passing_score_percentage)


def regrade_question(
    attempt: Attempt, question: Question, scoring: Scoring, passing_score_percentage: float
) -> None:
    """Put ``question`` (its new key) in the attempt's snapshot and, if the attempt was submitted,
    grade its answer to it again and score the attempt again (a pending attempt stays pending).
    Expired attempts keep their answers ignored and their 0."""
    attempt.questions = [question if q.id == question.id else q for q in attempt.questions]
    if not attempt.is_submitted:
        return
    attempt.answers = [
        grade_answer(question, a.answer, scoring) if a.question_id == question.id else a
        for a in attempt.answers
    ]
    rescore(attempt, passing_score_percentage)


def grade_submission(
    questions: Sequence[Question],
    answers: Sequence[SubmittedAnswer],
    passing_score_percentage: float,
    *,
    ignored: frozenset[UUID] = frozenset(),
    scoring: Scoring = Scoring.ALL_OR_NOTHING,
) -> Grade:
    """Grade every question of ``questions`` (in that order) against the submitted answers.

    An answer to a question not in ``questions`` is 422 on ``answers``, as is answering one question
    twice; answers to question ids in ``ignored`` (questions deleted since the attempt started) are
    dropped.
    """
    by_id = {q.id: q for q in questions}
    given: dict[UUID, Answer | None] = {}
    for submitted in answers:
        if submitted.question_id in ignored and submitted.question_id not in by_id:
            continue
        if submitted.question_id not in by_id:
            raise InvalidField("answers", f"question {submitted.question_id} is not in this quiz")
        if submitted.question_id in given:
            raise InvalidField("answers", f"question {submitted.question_id} is answered more than once")
        given[submitted.question_id] = submitted.answer
    results = tuple(grade_answer(q, given.get(q.id), scoring) for q in questions)
    earned = sum((r.points_earned for r in results), Fraction(0))
    total = sum(q.points for q in questions)
    score, passed = settle(results, total, passing_score_percentage)
    return Grade(answers=results, points_earned=earned, points_total=total, score=score, passed=passed)

"""Grading: pure functions, no I/O.

- ``multiple_choice`` and ``true_false``: the answer must equal the correct option exactly.
- ``short_answer``: equal to the correct answer after trimming and case folding.
- ``multiple_select``: full points only for exactly the correct set (order and repeats do not
  matter), otherwise 0.
- An unanswered question earns 0. An answer of the wrong shape (a list for a single-answer type, a
  string for ``multiple_select``) is wrong and earns 0; it is not an error.
- ``score`` = earned / total x 100, computed from the exact integers and rounded once to 2 decimals,
  half up; ``passed`` = score >= the quiz's passing percentage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from lms_domain.assessment.entities import Answer, AnswerResult, Question, QuestionType
from lms_domain.shared.errors import InvalidField

__all__ = [
    "Grade",
    "SubmittedAnswer",
    "grade_answer",
    "grade_submission",
    "is_correct",
    "passes",
    "score_percentage",
]


@dataclass(frozen=True, slots=True)
class SubmittedAnswer:
    question_id: UUID
    answer: Answer | None


@dataclass(frozen=True, slots=True)
class Grade:
    answers: tuple[AnswerResult, ...]
    points_earned: int
    points_total: int
    score: float
    passed: bool


def is_correct(question: Question, answer: Answer | None) -> bool:
    """Whether ``answer`` is right for ``question``; a missing or wrong-shaped answer is not."""
    expected = question.correct_answer
    if question.question_type is QuestionType.MULTIPLE_SELECT:
        if not isinstance(answer, list) or not isinstance(expected, list):
            return False
        return set(answer) == set(expected)
    if not isinstance(answer, str) or not isinstance(expected, str):
        return False
    if question.question_type is QuestionType.SHORT_ANSWER:
        return answer.strip().casefold() == expected.strip().casefold()
    return answer == expected


def grade_answer(question: Question, answer: Answer | None) -> AnswerResult:
    correct = is_correct(question, answer)
    return AnswerResult(
        question_id=question.id,
        answer=list(answer) if isinstance(answer, list) else answer,
        correct=correct,
        points_earned=question.points if correct else 0,
    )


def score_percentage(earned: int, total: int) -> float:
    """earned / total x 100 rounded half up to 2 decimals, in exact integer arithmetic.

    A quiz without points (``total`` 0) scores 0.
    """
    if total <= 0:
        return 0.0
    hundredths = (earned * 10_000 * 2 + total) // (2 * total)  # round(earned / total x 10000), half up
    return float(Decimal(hundredths) / 100)


def passes(score: float, passing_score_percentage: float) -> bool:
    """score >= threshold, compared as the decimals they are written as (no binary drift)."""
    return Decimal(repr(score)) >= Decimal(repr(passing_score_percentage))


def grade_submission(
    questions: Sequence[Question],
    answers: Sequence[SubmittedAnswer],
    passing_score_percentage: float,
    *,
    ignored: frozenset[UUID] = frozenset(),
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
    results = tuple(grade_answer(q, given.get(q.id)) for q in questions)
    earned = sum(r.points_earned for r in results)
    total = sum(q.points for q in questions)
    score = score_percentage(earned, total)
    return Grade(
        answers=results,
        points_earned=earned,
        points_total=total,
        score=score,
        passed=passes(score, passing_score_percentage),
    )

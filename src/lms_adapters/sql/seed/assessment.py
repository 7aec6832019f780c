"""Seeded quizzes, their questions, and graded attempts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

from lms_adapters.sql.seed.catalog import is_published
from lms_adapters.sql.seed.identity import student_index
from lms_adapters.sql.seed.learning import enrollment_plan, enrollment_time
from lms_adapters.sql.seed.scale import ANCHOR, Scale, seed_uuid
from lms_domain.assessment.grading import passes, score_percentage

__all__ = [
    "CHOICES",
    "PASSING_SCORE",
    "QUESTION_TYPES",
    "attempt_question_rows",
    "attempt_rows",
    "question_rows",
    "question_spec",
    "quiz_max_attempts",
    "quiz_rows",
    "quizzes_per_course",
]

# Quizzes: ``quizzes_per_course`` per course (every course gets the same share), each placed
# after a lesson of its course and published with its course. Attempt ``a`` is made by the
# student of enrollment ``2a`` (distinct (student, course) pairs, so distinct (student, quiz)
# pairs), on one of that course's quizzes, submitted and graded from the known answers.

QUESTION_TYPES = ("multiple_choice", "true_false", "multiple_select", "short_answer")
PASSING_SCORE = 60.0
CHOICES = ("A first option", "A second option", "A third option", "A fourth option")


def quizzes_per_course(scale: Scale) -> int:
    return scale.quizzes // scale.courses if scale.courses else 0


def quiz_max_attempts(q: int) -> int | None:
    """One quiz in four caps attempts at 3; the others are unlimited (the benchmark takes those)."""
    return 3 if q % 4 == 3 else None


def _wrong_answer(kind: str, correct: str | list[str], n: int) -> str | list[str]:
    if kind == "multiple_choice":
        return CHOICES[(n % 4 + 1) % 4]
    if kind == "true_false":
        return "false" if correct == "true" else "true"
    if kind == "multiple_select":
        return [CHOICES[1]]
    return "a guess"


def quiz_rows(scale: Scale) -> Iterator[dict[str, Any]]:
    per = quizzes_per_course(scale)
    for q in range(scale.courses * per):
        course, k = divmod(q, per)
        position = (k + 1) * scale.lessons_per_course // (per + 1) or 1
        at = ANCHOR - timedelta(days=370) + timedelta(seconds=q * 30_000_000 // max(1, scale.quizzes))
        yield {
            "id": seed_uuid("quiz", q),
            "course_id": seed_uuid("course", course),
            "lesson_id": seed_uuid("lesson", course * scale.lessons_per_course + position - 1),
            "title": f"Check your understanding {k + 1}",
            "description": f"{scale.questions_per_quiz} questions on lessons up to {position}.",
            "time_limit_minutes": 30 if q % 2 else None,
            "passing_score_percentage": PASSING_SCORE,
            "shuffle_questions": q % 3 == 0,
            "max_attempts": quiz_max_attempts(q),
            "is_published": is_published(course),
            "created_at": at,
            "updated_at": at,
            "scoring": "all_or_nothing",
            "question_pools": [],
        }


def question_spec(q: int, p: int) -> tuple[str, list[str], str | list[str], int]:
    """(type, options, correct answer, points) of question ``p`` (0-based) of quiz ``q``."""
    kind = QUESTION_TYPES[(q + p) % len(QUESTION_TYPES)]
    points = 1 + (q + 2 * p) % 3
    if kind == "multiple_choice":
        return kind, list(CHOICES), CHOICES[(q + p) % 4], points
    if kind == "true_false":
        return kind, ["true", "false"], "true" if (q + p) % 2 else "false", points
    if kind == "multiple_select":
        return kind, list(CHOICES), [CHOICES[0], CHOICES[2 + (q + p) % 2]], points
    return kind, [], "photosynthesis", points


def _question_row(q: int, p: int, n_questions: int) -> dict[str, Any]:
    kind, options, answer, points = question_spec(q, p)
    return {
        "id": seed_uuid("question", q * n_questions + p),
        "quiz_id": seed_uuid("quiz", q),
        "question_text": f"Question {p + 1}: which answer fits best?",
        "question_type": kind,
        "options": options,
        "correct_answer": answer,
        "points": points,
        "position": p + 1,
        "tolerance": None,
    }


def question_rows(scale: Scale) -> Iterator[dict[str, Any]]:
    for q in range(scale.courses * quizzes_per_course(scale)):
        for p in range(scale.questions_per_quiz):
            yield _question_row(q, p, scale.questions_per_quiz)


def _snapshot(q: int, n_questions: int) -> list[dict[str, Any]]:
    """Quiz ``q``'s questions as an attempt's snapshot holds them."""
    snapshot = []
    for p in range(n_questions):
        row = _question_row(q, p, n_questions)
        snapshot.append({
            "id": str(row["id"]), "quiz_id": str(row["quiz_id"]), "bank_id": None,
            "question_text": row["question_text"], "question_type": row["question_type"],
            "options": row["options"], "correct_answer": row["correct_answer"],
            "points": row["points"], "order": row["position"], "tolerance": None,
        })  # fmt: skip
    return snapshot


def attempt_question_rows(scale: Scale) -> Iterator[dict[str, Any]]:
    """Which questions each seeded attempt holds (every question of its quiz)."""
    for row in attempt_rows(scale):
        for held in row["question_order"]:
            yield {"question_id": UUID(held), "attempt_id": row["id"]}


def attempt_rows(scale: Scale) -> Iterator[dict[str, Any]]:
    per = quizzes_per_course(scale)
    n_questions = scale.questions_per_quiz
    if per == 0 or n_questions == 0:
        return
    assert scale.attempts * 2 <= scale.enrollments, "attempts are made on every other enrollment"
    plan = enrollment_plan(scale)
    for a in range(scale.attempts):
        j, student, course, _done = next(plan)
        if j % 2:  # every other enrollment takes a quiz
            j, student, course, _done = next(plan)
        q = course * per + a % per
        wrong = (a * 7 + student) % (n_questions + 1)  # 0..n wrong answers
        answers, earned, total = [], 0, 0
        for p in range(n_questions):
            kind, _options, correct, points = question_spec(q, p)
            answer: str | list[str] = correct
            if p < wrong:  # a wrong answer of the question's kind
                answer = _wrong_answer(kind, correct, q + p)
            right = answer == correct
            total += points
            earned += points if right else 0
            answers.append({
                "question_id": str(seed_uuid("question", q * n_questions + p)),
                "answer": answer,
                "correct": right,
                "points_earned": points if right else 0,
            })  # fmt: skip
        score = score_percentage(earned, total)
        started = enrollment_time(j, scale) + timedelta(days=3, minutes=a % 50)
        yield {
            "id": seed_uuid("attempt", a),
            "quiz_id": seed_uuid("quiz", q),
            "student_id": seed_uuid("user", student_index(scale, student)),
            "question_order": [str(seed_uuid("question", q * n_questions + p)) for p in range(n_questions)],
            "answers": answers,
            "score": score,
            "passed": passes(score, PASSING_SCORE),
            "status": "submitted",
            "started_at": started,
            "ended_at": started + timedelta(minutes=4 + a % 20),
            "questions": _snapshot(q, n_questions),
            "grading_status": "graded",
        }

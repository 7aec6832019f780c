"""Quiz attempts in SQL.

One open attempt per student and quiz is the partial unique index ``uq_quiz_attempts_one_open``;
closing an attempt is ``UPDATE ... WHERE status = 'open'``, so two concurrent closings succeed once.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.prebuilt import built_once
from lms_adapters.sql.repositories.catalog import is_unique_violation
from lms_adapters.sql.tables import quiz_attempts
from lms_domain.assessment.entities import AnswerResult, Attempt, AttemptStatus
from lms_domain.assessment.ports import AttemptOpen

__all__ = ["SqlAttemptRepository"]

_OPEN = AttemptStatus.OPEN.value


def _points_json(points: Fraction) -> int | str:
    """Exact points as JSON: an integer, or the fraction ``"7/3"`` for partial credit."""
    return points.numerator if points.denominator == 1 else f"{points.numerator}/{points.denominator}"


def _answers_json(answers: Sequence[AnswerResult]) -> list[dict[str, Any]]:
    return [
        {
            "question_id": str(a.question_id),
            "answer": a.answer,
            "correct": a.correct,
            "points_earned": _points_json(a.points_earned),
        }
        for a in answers
    ]


def _attempt_row(attempt: Attempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "student_id": attempt.student_id,
        "question_order": [str(i) for i in attempt.question_order],
        "answers": _answers_json(attempt.answers),
        "score": attempt.score,
        "passed": attempt.passed,
        "status": attempt.status.value,
        "started_at": attempt.started_at,
        "ended_at": attempt.ended_at,
    }


def _attempt(row: Any) -> Attempt:
    return Attempt(
        id=row.id,
        quiz_id=row.quiz_id,
        student_id=row.student_id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        question_order=[UUID(i) for i in row.question_order],
        answers=[
            AnswerResult(
                question_id=UUID(a["question_id"]),
                answer=a["answer"],
                correct=a["correct"],
                points_earned=Fraction(a["points_earned"]),
            )
            for a in row.answers
        ],
        score=None if row.score is None else float(row.score),
        passed=row.passed,
        status=AttemptStatus(row.status),
    )


_ATTEMPT_BY_ID = built_once(lambda attempt_id: select(quiz_attempts).where(quiz_attempts.c.id == attempt_id))
_OPEN_ATTEMPT = built_once(
    lambda student_id, quiz_id: select(quiz_attempts).where(
        quiz_attempts.c.student_id == student_id,
        quiz_attempts.c.quiz_id == quiz_id,
        quiz_attempts.c.status == _OPEN,
    )
)
_INSERT_ATTEMPT = insert(quiz_attempts)
_FINISH_ATTEMPT = built_once(
    lambda attempt_id: (
        update(quiz_attempts)
        .where(quiz_attempts.c.id == attempt_id, quiz_attempts.c.status == _OPEN)
        .values(
            status=bindparam("new_status", type_=quiz_attempts.c.status.type),
            ended_at=bindparam("new_ended_at", type_=quiz_attempts.c.ended_at.type),
            answers=bindparam("new_answers", type_=quiz_attempts.c.answers.type),
            score=bindparam("new_score", type_=quiz_attempts.c.score.type),
            passed=bindparam("new_passed", type_=quiz_attempts.c.passed.type),
        )
    )
)


class SqlAttemptRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, attempt_id: UUID) -> Attempt | None:
        row = (await self._connection.execute(_ATTEMPT_BY_ID(), {"attempt_id": attempt_id})).first()
        return _attempt(row) if row else None

    async def get_open(self, student_id: UUID, quiz_id: UUID) -> Attempt | None:
        row = (
            await self._connection.execute(_OPEN_ATTEMPT(), {"student_id": student_id, "quiz_id": quiz_id})
        ).first()
        return _attempt(row) if row else None

    async def add(self, attempt: Attempt) -> None:
        try:
            async with self._connection.begin_nested():  # a SAVEPOINT: the transaction survives the refusal
                await self._connection.execute(_INSERT_ATTEMPT, _attempt_row(attempt))
        except IntegrityError as e:
            if is_unique_violation(e):
                raise AttemptOpen(str(attempt.quiz_id)) from e
            raise

    async def count_submitted(self, student_id: UUID, quiz_id: UUID) -> int:
        found = await self._connection.execute(
            select(func.count())
            .select_from(quiz_attempts)
            .where(
                quiz_attempts.c.student_id == student_id,
                quiz_attempts.c.quiz_id == quiz_id,
                quiz_attempts.c.status != _OPEN,
            )
        )
        return int(found.scalar_one())

    async def finish(self, attempt: Attempt) -> bool:
        result = await self._connection.execute(
            _FINISH_ATTEMPT(),
            {
                "attempt_id": attempt.id,
                "new_status": attempt.status.value,
                "new_ended_at": attempt.ended_at,
                "new_answers": _answers_json(attempt.answers),
                "new_score": attempt.score,
                "new_passed": attempt.passed,
            },
        )
        return bool(getattr(result, "rowcount", 0) == 1)

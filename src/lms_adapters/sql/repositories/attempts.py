"""Quiz attempts in SQL.

One open attempt per student and quiz is the partial unique index ``uq_quiz_attempts_one_open``;
closing an attempt is ``UPDATE ... WHERE status = 'open'``, so two concurrent closings succeed once.
An attempt's snapshot is its ``questions`` JSON; ``attempt_questions`` indexes which attempts hold
which question, for regrades.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.prebuilt import built_once
from lms_adapters.sql.tables import attempt_history, attempt_questions, quiz_attempts
from lms_domain.assessment.entities import (
    AnswerResult,
    Attempt,
    AttemptStatus,
    GradingStatus,
    HistoryEntry,
    Question,
    QuestionType,
)
from lms_domain.assessment.ports import AttemptOpen
from lms_domain.shared.pagination import PageRequest

__all__ = ["SqlAttemptRepository"]

_OPEN = AttemptStatus.OPEN.value


def _points_json(points: Fraction) -> int | str:
    """Exact points as JSON: an integer, or the fraction ``"7/3"`` for partial credit."""
    return points.numerator if points.denominator == 1 else f"{points.numerator}/{points.denominator}"


def _answers_json(answers: Sequence[AnswerResult]) -> list[dict[str, Any]]:
    """Each answer; ``pending`` and ``feedback`` only when set (older rows have neither)."""
    out = []
    for a in answers:
        item: dict[str, Any] = {
            "question_id": str(a.question_id),
            "answer": a.answer,
            "correct": a.correct,
            "points_earned": _points_json(a.points_earned),
        }
        if a.pending:
            item["pending"] = True
        if a.feedback is not None:
            item["feedback"] = a.feedback
        out.append(item)
    return out


def _snapshot_json(questions: Sequence[Question]) -> list[dict[str, Any]]:
    return [
        {
            "id": str(q.id),
            "quiz_id": None if q.quiz_id is None else str(q.quiz_id),
            "bank_id": None if q.bank_id is None else str(q.bank_id),
            "question_text": q.question_text,
            "question_type": q.question_type.value,
            "options": list(q.options),
            "correct_answer": list(q.correct_answer)
            if isinstance(q.correct_answer, list)
            else q.correct_answer,
            "points": q.points,
            "order": q.order,
            "tolerance": None if q.tolerance is None else str(q.tolerance),
        }
        for q in questions
    ]


def _snapshot(items: Sequence[dict[str, Any]]) -> list[Question]:
    return [
        Question(
            id=UUID(q["id"]),
            quiz_id=None if q["quiz_id"] is None else UUID(q["quiz_id"]),
            bank_id=None if q["bank_id"] is None else UUID(q["bank_id"]),
            question_text=q["question_text"],
            question_type=QuestionType(q["question_type"]),
            options=list(q["options"]),
            correct_answer=q["correct_answer"],
            points=q["points"],
            order=q["order"],
            tolerance=None if q["tolerance"] is None else Decimal(q["tolerance"]),
        )
        for q in items
    ]


def _attempt_row(attempt: Attempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "student_id": attempt.student_id,
        "question_order": [str(i) for i in attempt.question_order],
        "questions": _snapshot_json(attempt.questions),
        "answers": _answers_json(attempt.answers),
        "score": attempt.score,
        "passed": attempt.passed,
        "status": attempt.status.value,
        "grading_status": None if attempt.grading_status is None else attempt.grading_status.value,
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
        questions=_snapshot(row.questions),
        answers=[
            AnswerResult(
                question_id=UUID(a["question_id"]),
                answer=a["answer"],
                correct=a["correct"],
                points_earned=Fraction(a["points_earned"]),
                pending=a.get("pending", False),
                feedback=a.get("feedback"),
            )
            for a in row.answers
        ],
        score=None if row.score is None else float(row.score),
        passed=row.passed,
        status=AttemptStatus(row.status),
        grading_status=None if row.grading_status is None else GradingStatus(row.grading_status),
    )


def _history(row: Any) -> HistoryEntry:
    return HistoryEntry(
        id=row.id,
        attempt_id=row.attempt_id,
        at=row.at,
        actor_id=row.actor_id,
        question_id=row.question_id,
        old_score=None if row.old_score is None else float(row.old_score),
        new_score=None if row.new_score is None else float(row.new_score),
        reason=row.reason,
    )


_ATTEMPT_BY_ID = built_once(lambda attempt_id: select(quiz_attempts).where(quiz_attempts.c.id == attempt_id))
_ATTEMPT_FOR_UPDATE = built_once(
    lambda attempt_id: select(quiz_attempts).where(quiz_attempts.c.id == attempt_id).with_for_update()
)
_OPEN_ATTEMPT = built_once(
    lambda student_id, quiz_id: select(quiz_attempts).where(
        quiz_attempts.c.student_id == student_id,
        quiz_attempts.c.quiz_id == quiz_id,
        quiz_attempts.c.status == _OPEN,
    )
)
# ``INSERT ... ON CONFLICT (student_id, quiz_id) WHERE status = 'open' DO NOTHING RETURNING id``
_INSERT_OPEN = {
    name: dialect_insert(quiz_attempts)
    .on_conflict_do_nothing(
        index_elements=["student_id", "quiz_id"],
        index_where=text("status = 'open'"),  # the index's own
    )
    .returning(quiz_attempts.c.id)
    for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
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
            grading_status=bindparam("new_grading_status", type_=quiz_attempts.c.grading_status.type),
        )
    )
)
# executemany-friendly: the same statement for one attempt or a batch
_SAVE_GRADES = (
    update(quiz_attempts)
    .where(quiz_attempts.c.id == bindparam("attempt_id"))
    .values(
        questions=bindparam("new_questions", type_=quiz_attempts.c.questions.type),
        answers=bindparam("new_answers", type_=quiz_attempts.c.answers.type),
        score=bindparam("new_score", type_=quiz_attempts.c.score.type),
        passed=bindparam("new_passed", type_=quiz_attempts.c.passed.type),
        grading_status=bindparam("new_grading_status", type_=quiz_attempts.c.grading_status.type),
    )
)
_PENDING = GradingStatus.PENDING_REVIEW.value


def _grades(attempt: Attempt) -> dict[str, Any]:
    return {
        "attempt_id": attempt.id,
        "new_questions": _snapshot_json(attempt.questions),
        "new_answers": _answers_json(attempt.answers),
        "new_score": attempt.score,
        "new_passed": attempt.passed,
        "new_grading_status": None if attempt.grading_status is None else attempt.grading_status.value,
    }


class SqlAttemptRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, attempt_id: UUID, *, for_update: bool = False) -> Attempt | None:
        statement = _ATTEMPT_FOR_UPDATE() if for_update else _ATTEMPT_BY_ID()
        row = (await self._connection.execute(statement, {"attempt_id": attempt_id})).first()
        return _attempt(row) if row else None

    async def get_open(self, student_id: UUID, quiz_id: UUID) -> Attempt | None:
        row = (
            await self._connection.execute(_OPEN_ATTEMPT(), {"student_id": student_id, "quiz_id": quiz_id})
        ).first()
        return _attempt(row) if row else None

    async def add(self, attempt: Attempt) -> None:
        """One guarded insert: the partial unique index of open attempts is the conflict target, so
        a second open attempt inserts nothing (no error, no savepoint) and is refused here."""
        statement = _INSERT_OPEN[self._connection.dialect.name]
        inserted = (await self._connection.execute(statement, _attempt_row(attempt))).first()
        if inserted is None:
            raise AttemptOpen(str(attempt.quiz_id))
        if attempt.questions:
            await self._connection.execute(
                insert(attempt_questions),
                [{"question_id": q.id, "attempt_id": attempt.id} for q in attempt.questions],
            )

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
                "new_grading_status": None
                if attempt.grading_status is None
                else attempt.grading_status.value,
            },
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def save_grades(self, attempt: Attempt) -> None:
        await self._connection.execute(_SAVE_GRADES, _grades(attempt))

    async def save_regrades(self, attempts: Sequence[Attempt]) -> None:
        if attempts:
            await self._connection.execute(_SAVE_GRADES, [_grades(a) for a in attempts])

    async def holding(self, question_id: UUID, *, after: UUID | None, limit: int) -> Sequence[Attempt]:
        conditions = [attempt_questions.c.question_id == question_id]
        if after is not None:
            conditions.append(attempt_questions.c.attempt_id > after)
        rows = await self._connection.execute(
            select(quiz_attempts)
            .join(attempt_questions, attempt_questions.c.attempt_id == quiz_attempts.c.id)
            .where(*conditions)
            .order_by(attempt_questions.c.attempt_id)
            .limit(limit)
            .with_for_update(of=quiz_attempts)
        )
        return [_attempt(r) for r in rows]

    async def pending_review(self, quiz_id: UUID, *, page: PageRequest) -> tuple[Sequence[Attempt], int]:
        condition = (quiz_attempts.c.quiz_id == quiz_id, quiz_attempts.c.grading_status == _PENDING)
        total = (
            await self._connection.execute(select(func.count()).select_from(quiz_attempts).where(*condition))
        ).scalar_one()
        rows = await self._connection.execute(
            select(quiz_attempts)
            .where(*condition)
            .order_by(quiz_attempts.c.ended_at, quiz_attempts.c.id)
            .limit(page.page_size)
            .offset(page.offset)
        )
        return [_attempt(r) for r in rows], total

    async def history(self, attempt_id: UUID) -> Sequence[HistoryEntry]:
        rows = await self._connection.execute(
            select(attempt_history)
            .where(attempt_history.c.attempt_id == attempt_id)
            .order_by(attempt_history.c.at.desc(), attempt_history.c.id.desc())
        )
        return [_history(r) for r in rows]

    async def add_history(self, entries: Sequence[HistoryEntry]) -> None:
        if entries:
            await self._connection.execute(
                insert(attempt_history),
                [
                    {
                        "id": e.id,
                        "attempt_id": e.attempt_id,
                        "at": e.at,
                        "actor_id": e.actor_id,
                        "question_id": e.question_id,
                        "old_score": e.old_score,
                        "new_score": e.new_score,
                        "reason": e.reason,
                    }
                    for e in entries
                ],
            )

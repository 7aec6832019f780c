"""Quiz attempts in SQL.

One open attempt per student and quiz is the partial unique index ``uq_quiz_attempts_one_open``;
closing an attempt is ``UPDATE ... WHERE status = 'open'``, so two concurrent closings succeed once.
An attempt's snapshot is its ``questions`` JSON; ``attempt_questions`` indexes which attempts hold
which question, for regrades.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, exists, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.driver import rows_on_driver
from lms_adapters.sql.prebuilt import built_once
from lms_adapters.sql.repositories.assessment import QUESTIONS_OF_QUIZ, question_of, quiz_of
from lms_adapters.sql.tables import (
    attempt_history,
    attempt_questions,
    course_staff,
    courses,
    enrollments,
    quiz_attempts,
    quizzes,
)
from lms_domain.assessment.entities import (
    AnswerResult,
    Attempt,
    AttemptStatus,
    CourseRef,
    GradingStatus,
    HistoryEntry,
    Question,
    QuestionType,
    Quiz,
)
from lms_domain.assessment.ports import AttemptOpen
from lms_domain.assessment.views import AttemptStart
from lms_domain.shared.course_access import StaffRole
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
# a course as assessment knows it (``CourseRef``): one row per staff member, beside what else is read
_COURSE_COLUMNS = (
    courses.c.instructor_id.label("c_instructor_id"),
    courses.c.is_published.label("c_is_published"),
    course_staff.c.user_id.label("s_user_id"),
    course_staff.c.role.label("s_role"),
)
_OPEN_ONE = quiz_attempts.alias("open_attempt")


def _starting(quiz_id: Any, student_id: Any) -> Any:
    """The quiz locked FOR KEY SHARE (``SqlQuizRepository.get_for_attempt``'s lock), one row per
    staff member of its course (one with NULLs for none), with whether the student is enrolled,
    how many of the student's attempts of it are finished, and the student's open one (NULLs for
    none: the partial unique index keeps it to one)."""
    finished = (
        select(func.count())
        .select_from(quiz_attempts)
        .where(
            quiz_attempts.c.student_id == student_id,
            quiz_attempts.c.quiz_id == quiz_id,
            quiz_attempts.c.status != _OPEN,
        )
        .scalar_subquery()
    )
    enrolled = exists().where(
        enrollments.c.student_id == student_id, enrollments.c.course_id == quizzes.c.course_id
    )
    open_one = and_(
        _OPEN_ONE.c.quiz_id == quizzes.c.id, _OPEN_ONE.c.student_id == student_id, _OPEN_ONE.c.status == _OPEN
    )
    return (
        select(
            quizzes,
            *_COURSE_COLUMNS,
            enrolled.label("x_enrolled"),
            finished.label("x_finished"),
            *(c.label("a_" + c.name) for c in _OPEN_ONE.c),
        )
        .select_from(
            quizzes.join(courses, courses.c.id == quizzes.c.course_id)
            .outerjoin(course_staff, course_staff.c.course_id == courses.c.id)
            .outerjoin(_OPEN_ONE, open_one)
        )
        .where(quizzes.c.id == quiz_id)
        .with_for_update(read=True, key_share=True, of=quizzes)
    )


_STARTING = built_once(_starting)


def _with_quiz(attempt_id: Any) -> Any:
    """The attempt locked FOR UPDATE (as ``_ATTEMPT_FOR_UPDATE``; the lock is the attempt's alone),
    with its quiz and one row per staff member of its course (one with NULLs for none)."""
    return (
        select(quizzes, *_COURSE_COLUMNS, *(c.label("a_" + c.name) for c in quiz_attempts.c))
        .select_from(
            quiz_attempts.join(quizzes, quizzes.c.id == quiz_attempts.c.quiz_id)
            .join(courses, courses.c.id == quizzes.c.course_id)
            .outerjoin(course_staff, course_staff.c.course_id == courses.c.id)
        )
        .where(quiz_attempts.c.id == attempt_id)
        .with_for_update(of=quiz_attempts)
    )


_WITH_QUIZ = built_once(_with_quiz)


def _course_ref(rows: Sequence[Any], course_id: UUID) -> CourseRef:
    head = rows[0]
    return CourseRef(
        id=course_id,
        instructor_id=head.c_instructor_id,
        is_published=head.c_is_published,
        staff=tuple((r.s_user_id, StaffRole(r.s_role)) for r in rows if r.s_user_id is not None),
    )


def _prefixed_attempt(row: Any) -> Attempt:
    return _attempt(SimpleNamespace(**{k[2:]: v for k, v in row._mapping.items() if k.startswith("a_")}))


# ``add`` on PostgreSQL in one round trip on the driver's connection: the guarded insert of the
# attempt and the questions it holds (none when the insert met an open attempt)
_ADD_OPEN_PG = """
WITH attempt AS (
    INSERT INTO quiz_attempts (id, quiz_id, student_id, question_order, questions, answers, score,
                               passed, status, grading_status, started_at, ended_at)
    VALUES (%(id)s, %(quiz_id)s, %(student_id)s, %(question_order)s, %(questions)s, %(answers)s,
            %(score)s, %(passed)s, %(status)s, %(grading_status)s, %(started_at)s, %(ended_at)s)
    ON CONFLICT (student_id, quiz_id) WHERE status = 'open' DO NOTHING
    RETURNING id
), held AS (
    INSERT INTO attempt_questions (question_id, attempt_id)
    SELECT held.question_id, attempt.id FROM attempt, unnest(%(question_ids)s::uuid[]) AS held(question_id)
)
SELECT id FROM attempt
"""
_JSON_COLUMNS = ("question_order", "questions", "answers")
# ``finish`` on PostgreSQL, for the driver's connection: ``_FINISH_ATTEMPT`` with ``RETURNING``
_FINISH_PG = """
UPDATE quiz_attempts
SET status = %(new_status)s, ended_at = %(new_ended_at)s, answers = %(new_answers)s,
    score = %(new_score)s, passed = %(new_passed)s, grading_status = %(new_grading_status)s
WHERE id = %(attempt_id)s AND status = 'open'
RETURNING id
"""


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

    async def get_with_quiz(self, attempt_id: UUID) -> tuple[Attempt, Quiz, CourseRef] | None:
        rows = (await self._connection.execute(_WITH_QUIZ(), {"attempt_id": attempt_id})).all()
        if not rows:
            return None
        quiz = quiz_of(rows[0])
        return _prefixed_attempt(rows[0]), quiz, _course_ref(rows, quiz.course_id)

    async def starting(self, quiz_id: UUID, student_id: UUID) -> AttemptStart | None:
        rows = (
            await self._connection.execute(_STARTING(), {"quiz_id": quiz_id, "student_id": student_id})
        ).all()
        if not rows:
            return None
        head = rows[0]
        quiz = quiz_of(head)
        course = _course_ref(rows, quiz.course_id)
        open_attempt = None if head.a_id is None else _prefixed_attempt(head)
        # after the lock: a regrade that held it has committed its keys, which this statement sees
        found = await self._connection.execute(QUESTIONS_OF_QUIZ(), {"quiz_id": quiz_id})
        return AttemptStart(
            quiz=quiz,
            questions=tuple(question_of(r) for r in found),
            course=course,
            enrolled=bool(head.x_enrolled),
            open_attempt=open_attempt,
            finished_attempts=int(head.x_finished),
        )

    async def add(self, attempt: Attempt) -> None:
        """One guarded insert: the partial unique index of open attempts is the conflict target, so
        a second open attempt inserts nothing (no error, no savepoint) and is refused here. Then
        the questions it holds; on PostgreSQL both in one statement on the driver's connection."""
        if self._connection.dialect.name == "postgresql":
            row = _attempt_row(attempt)
            params = {
                **{k: json.dumps(v) if k in _JSON_COLUMNS else v for k, v in row.items()},
                "started_at": attempt.started_at.astimezone(UTC),
                "ended_at": None if attempt.ended_at is None else attempt.ended_at.astimezone(UTC),
                "question_ids": [q.id for q in attempt.questions],
            }
            if not await rows_on_driver(self._connection, _ADD_OPEN_PG, params):
                raise AttemptOpen(str(attempt.quiz_id))
            return
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
        """One ``UPDATE ... WHERE status = 'open'`` (on PostgreSQL on the driver's connection,
        ``RETURNING`` its id): True when it closed the attempt, False when it was closed already."""
        params = {
            "attempt_id": attempt.id,
            "new_status": attempt.status.value,
            "new_ended_at": attempt.ended_at,
            "new_answers": _answers_json(attempt.answers),
            "new_score": attempt.score,
            "new_passed": attempt.passed,
            "new_grading_status": None if attempt.grading_status is None else attempt.grading_status.value,
        }
        if self._connection.dialect.name == "postgresql":
            ended = attempt.ended_at
            params["new_answers"] = json.dumps(params["new_answers"])
            params["new_ended_at"] = None if ended is None else ended.astimezone(UTC)
            return bool(await rows_on_driver(self._connection, _FINISH_PG, params))
        result = await self._connection.execute(_FINISH_ATTEMPT(), params)
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

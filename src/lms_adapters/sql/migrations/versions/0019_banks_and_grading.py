"""question banks, pools, attempt snapshots, hand grading and regrade history

New tables: ``question_banks`` and their ``bank_questions`` (a bank goes with its course),
``quiz_pools`` (what a quiz draws from each bank; a bank a quiz draws from cannot be deleted: no ON
DELETE on that key), ``attempt_questions`` (which attempts hold which question) and
``attempt_history`` (each regrade or hand grade that changed an attempt's score).

``quizzes`` gains ``question_pools`` (the pools as the quiz shows them; ``quiz_pools`` holds them
for the banks' side). ``quiz_attempts`` gains ``questions``, the snapshot an attempt is shown and graded from, and
``grading_status``. Existing attempts get their snapshot from their quiz's questions as they are
now, in the attempt's order (what they showed until now), and every finished attempt is
``graded``; both are written in batches, so the upgrade's memory does not grow with the table.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from alembic import op

from lms_adapters.sql.types import UtcDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "question_banks",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name="fk_question_banks_course_id_courses", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_question_banks_course_created", "question_banks", ["course_id", "created_at"])
    op.create_table(
        "bank_questions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("bank_id", sa.Uuid(), nullable=False),
        sa.Column("question_text", sa.Text(), nullable=False),
        sa.Column("question_type", sa.String(32), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("correct_answer", sa.JSON(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tolerance", sa.String(64)),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["question_banks.id"],
            name="fk_bank_questions_bank_id_question_banks",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_bank_questions_bank_position", "bank_questions", ["bank_id", "position"])
    op.create_table(
        "quiz_pools",
        sa.Column("quiz_id", sa.Uuid(), nullable=False),
        sa.Column("bank_id", sa.Uuid(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("quiz_id", "bank_id", name="pk_quiz_pools"),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name="fk_quiz_pools_quiz_id_quizzes", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["question_banks.id"], name="fk_quiz_pools_bank_id_question_banks"
        ),
    )
    op.create_index("ix_quiz_pools_bank", "quiz_pools", ["bank_id"])
    op.create_table(
        "attempt_questions",
        sa.Column("question_id", sa.Uuid(), nullable=False),
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("question_id", "attempt_id", name="pk_attempt_questions"),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name="fk_attempt_questions_attempt_id_quiz_attempts",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_attempt_questions_attempt", "attempt_questions", ["attempt_id"])
    op.create_table(
        "attempt_history",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid()),
        sa.Column("question_id", sa.Uuid(), nullable=False),
        sa.Column("old_score", sa.Numeric(5, 2, asdecimal=False)),
        sa.Column("new_score", sa.Numeric(5, 2, asdecimal=False)),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name="fk_attempt_history_attempt_id_quiz_attempts",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_attempt_history_attempt_at", "attempt_history", ["attempt_id", "at"])
    # ADD COLUMN in place on both databases (a batch copy would cascade to what hangs on the table)
    op.add_column(
        "quizzes", sa.Column("question_pools", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
    )
    op.add_column(
        "quiz_attempts", sa.Column("questions", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
    )
    op.add_column("quiz_attempts", sa.Column("grading_status", sa.String(16)))
    op.create_index(
        "ix_quiz_attempts_pending_review",
        "quiz_attempts",
        ["quiz_id", "ended_at"],
        sqlite_where=sa.text("grading_status = 'pending_review'"),
        postgresql_where=sa.text("grading_status = 'pending_review'"),
    )
    op.execute("UPDATE quiz_attempts SET grading_status = 'graded' WHERE status <> 'open'")
    _snapshot_existing_attempts(op.get_bind())


def _snapshot_existing_attempts(connection: sa.Connection) -> None:
    attempts = sa.table(
        "quiz_attempts",
        sa.column("id", sa.Uuid()),
        sa.column("quiz_id", sa.Uuid()),
        sa.column("question_order", sa.JSON()),
        sa.column("questions", sa.JSON()),
    )
    questions = sa.table(
        "questions",
        sa.column("id", sa.Uuid()),
        sa.column("quiz_id", sa.Uuid()),
        sa.column("question_text", sa.Text()),
        sa.column("question_type", sa.String()),
        sa.column("options", sa.JSON()),
        sa.column("correct_answer", sa.JSON()),
        sa.column("points", sa.Integer()),
        sa.column("position", sa.Integer()),
        sa.column("tolerance", sa.String()),
    )
    holdings = sa.table(
        "attempt_questions", sa.column("question_id", sa.Uuid()), sa.column("attempt_id", sa.Uuid())
    )
    after = None
    while True:
        query = sa.select(attempts.c.id, attempts.c.quiz_id, attempts.c.question_order).order_by(
            attempts.c.id
        )
        if after is not None:
            query = query.where(attempts.c.id > after)
        batch = connection.execute(query.limit(_BATCH)).all()
        if not batch:
            return
        after = batch[-1].id
        quiz_ids = {row.quiz_id for row in batch}
        by_quiz: dict[Any, list[dict[str, Any]]] = {}
        for q in connection.execute(
            sa.select(questions)
            .where(questions.c.quiz_id.in_(quiz_ids))
            .order_by(questions.c.position, questions.c.id)
        ):
            by_quiz.setdefault(q.quiz_id, []).append(_snapshot(q))
        updates: list[dict[str, Any]] = []
        held: list[dict[str, Any]] = []
        for row in batch:
            shown = _in_order(by_quiz.get(row.quiz_id, []), [str(i) for i in row.question_order])
            updates.append({"attempt_id": row.id, "snapshot": shown})
            held.extend({"question_id": q["id"], "attempt_id": row.id} for q in shown)
        connection.execute(
            sa.update(attempts)
            .where(attempts.c.id == sa.bindparam("attempt_id"))
            .values(questions=sa.bindparam("snapshot", type_=sa.JSON())),
            updates,
        )
        if held:
            connection.execute(
                sa.insert(holdings),
                [{"question_id": UUID(h["question_id"]), "attempt_id": h["attempt_id"]} for h in held],
            )


def _snapshot(q: Any) -> dict[str, Any]:
    answer = q.correct_answer
    return {
        "id": str(q.id),
        "quiz_id": str(q.quiz_id),
        "bank_id": None,
        "question_text": q.question_text,
        "question_type": q.question_type,
        "options": list(q.options),
        "correct_answer": list(answer) if isinstance(answer, list) else answer,
        "points": q.points,
        "order": q.position,
        "tolerance": q.tolerance,
    }


def _in_order(questions: list[dict[str, Any]], order: list[str]) -> list[dict[str, Any]]:
    """The questions in the attempt's order; those added since it started come last (as shown)."""
    by_id = {q["id"]: q for q in questions}
    ordered = [by_id[i] for i in order if i in by_id]
    seen = set(order)
    return ordered + [q for q in questions if q["id"] not in seen]


def downgrade() -> None:
    op.drop_index("ix_quiz_attempts_pending_review", table_name="quiz_attempts")
    # the revision before has no hand grading and no finished attempt without a score: those
    # awaiting review get 0 (a downgrade loses hand grading, as it loses banks and essays)
    op.execute(
        "UPDATE quiz_attempts SET score = 0, passed = false "
        "WHERE grading_status = 'pending_review' AND score IS NULL"
    )
    op.drop_column("quiz_attempts", "grading_status")
    op.drop_column("quiz_attempts", "questions")
    op.drop_table("attempt_history")
    op.drop_table("attempt_questions")
    op.drop_table("quiz_pools")
    op.drop_table("bank_questions")
    op.drop_table("question_banks")
    op.drop_column("quizzes", "question_pools")
    op.execute("DELETE FROM questions WHERE question_type = 'essay'")

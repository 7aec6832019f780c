"""assessment: quizzes, questions, quiz attempts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms_adapters.sql.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "quizzes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("time_limit_minutes", sa.Integer(), nullable=True),
        sa.Column("passing_score_percentage", sa.Float(), nullable=False),
        sa.Column("shuffle_questions", sa.Boolean(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("created_at", lms_adapters.sql.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms_adapters.sql.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_quizzes_course_id_courses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_quizzes_lesson_id_lessons"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quizzes")),
    )
    op.create_index("ix_quizzes_course_created", "quizzes", ["course_id", "created_at"])
    op.create_index("ix_quizzes_lesson_id", "quizzes", ["lesson_id"])
    op.create_index("ix_quizzes_published_created", "quizzes", ["is_published", "created_at"])
    op.create_index("ix_quizzes_created_at", "quizzes", ["created_at"])

    op.create_table(
        "questions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quiz_id", sa.Uuid(), nullable=False),
        sa.Column("question_text", sa.Text(), nullable=False),
        sa.Column("question_type", sa.String(length=32), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("correct_answer", sa.JSON(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_questions_quiz_id_quizzes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_index("ix_questions_quiz_position", "questions", ["quiz_id", "position"])

    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quiz_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("question_order", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=2, asdecimal=False), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", lms_adapters.sql.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", lms_adapters.sql.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_attempts_quiz_id_quizzes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["users.id"], name=op.f("fk_quiz_attempts_student_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempts")),
    )
    op.create_index("ix_quiz_attempts_quiz_status", "quiz_attempts", ["quiz_id", "status"])
    op.create_index("ix_quiz_attempts_student_quiz", "quiz_attempts", ["student_id", "quiz_id"])
    op.create_index(
        "uq_quiz_attempts_one_open",
        "quiz_attempts",
        ["student_id", "quiz_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_quiz_attempts_one_open", table_name="quiz_attempts")
    op.drop_index("ix_quiz_attempts_student_quiz", table_name="quiz_attempts")
    op.drop_index("ix_quiz_attempts_quiz_status", table_name="quiz_attempts")
    op.drop_table("quiz_attempts")
    op.drop_index("ix_questions_quiz_position", table_name="questions")
    op.drop_table("questions")
    for name in (
        "ix_quizzes_created_at",
        "ix_quizzes_published_created",
        "ix_quizzes_lesson_id",
        "ix_quizzes_course_created",
    ):
        op.drop_index(name, table_name="quizzes")
    op.drop_table("quizzes")

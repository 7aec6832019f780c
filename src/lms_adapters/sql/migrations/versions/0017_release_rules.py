"""release rules and prerequisites: when a lesson opens, and what a course needs first

A lesson's rule is its rows in ``lesson_release_lessons`` (lessons to complete first, in order)
and ``lesson_release_quizzes`` (a quiz and the score to reach); a course's prerequisites are its
rows in ``course_prerequisites``. Every row goes with what it names (ON DELETE CASCADE), so a
deleted lesson, quiz or course leaves every rule and list that named it in the same statement.
New tables only: nothing existing changes, on SQLite or PostgreSQL.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lesson_release_lessons",
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("required_lesson_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name="fk_lesson_release_lessons_lesson_id_lessons",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["required_lesson_id"],
            ["lessons.id"],
            name="fk_lesson_release_lessons_required_lesson_id_lessons",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lesson_id", "required_lesson_id", name="pk_lesson_release_lessons"),
    )
    op.create_index("ix_lesson_release_lessons_required", "lesson_release_lessons", ["required_lesson_id"])

    op.create_table(
        "lesson_release_quizzes",
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("quiz_id", sa.Uuid(), nullable=False),
        sa.Column("min_score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name="fk_lesson_release_quizzes_lesson_id_lessons",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name="fk_lesson_release_quizzes_quiz_id_quizzes", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lesson_id", name="pk_lesson_release_quizzes"),
    )
    op.create_index("ix_lesson_release_quizzes_quiz", "lesson_release_quizzes", ["quiz_id"])

    op.create_table(
        "course_prerequisites",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("prerequisite_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name="fk_course_prerequisites_course_id_courses",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prerequisite_id"],
            ["courses.id"],
            name="fk_course_prerequisites_prerequisite_id_courses",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", "prerequisite_id", name="pk_course_prerequisites"),
    )
    op.create_index("ix_course_prerequisites_prerequisite", "course_prerequisites", ["prerequisite_id"])


def downgrade() -> None:
    op.drop_index("ix_course_prerequisites_prerequisite", table_name="course_prerequisites")
    op.drop_table("course_prerequisites")
    op.drop_index("ix_lesson_release_quizzes_quiz", table_name="lesson_release_quizzes")
    op.drop_table("lesson_release_quizzes")
    op.drop_index("ix_lesson_release_lessons_required", table_name="lesson_release_lessons")
    op.drop_table("lesson_release_lessons")

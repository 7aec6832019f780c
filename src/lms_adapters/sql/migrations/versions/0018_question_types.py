"""question types: numeric questions' tolerance, and a quiz's scoring

``questions.tolerance`` holds a numeric question's tolerance as the exact decimal text (NULL for the
other types); ``quizzes.scoring`` is ``all_or_nothing`` (every existing quiz) or ``partial``. The new
question types need no column: ``question_type`` is text and keys are JSON. Partial credit is stored
in the attempts' ``answers`` JSON as an exact fraction (``"7/3"``), so that column is unchanged.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "quizzes", sa.Column("scoring", sa.String(16), nullable=False, server_default="all_or_nothing")
    )
    op.add_column("questions", sa.Column("tolerance", sa.String(64)))


def downgrade() -> None:
    # the revision before knows neither type: their questions go (attempts keep their answers)
    op.execute("DELETE FROM questions WHERE question_type IN ('numeric', 'ordering')")
    # DROP COLUMN in place on both databases (SQLite >= 3.35): a batch copy of ``quizzes`` would
    # drop the table it copies and, with foreign keys on, cascade to its questions and attempts
    op.drop_column("questions", "tolerance")
    op.drop_column("quizzes", "scoring")

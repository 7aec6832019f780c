"""course staff: co-instructors and teaching assistants of a course

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lms_adapters.sql.types import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_staff",
        sa.Column(
            "course_id",
            sa.Uuid(),
            sa.ForeignKey("courses.id", ondelete="CASCADE", name="fk_course_staff_course_id_courses"),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.Uuid(),
            sa.ForeignKey("users.id", name="fk_course_staff_user_id_users"),
            nullable=False,
        ),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "user_id", name="pk_course_staff"),
    )
    op.create_index("ix_course_staff_user_course", "course_staff", ["user_id", "course_id"])


def downgrade() -> None:
    op.drop_index("ix_course_staff_user_course", table_name="course_staff")
    op.drop_table("course_staff")

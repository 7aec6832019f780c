"""indexes for analytics: users.last_login_at (active users) and a covering index of a
course's enrollments (PostgreSQL reads per-course figures from the index alone)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_users_last_login_at"), "users", ["last_login_at"], unique=False)
    op.create_index(
        "ix_enrollments_course_covering",
        "enrollments",
        ["course_id"],
        postgresql_include=["id", "student_id", "completed_at"],
    )
    op.drop_index("ix_enrollments_course_id", table_name="enrollments")


def downgrade() -> None:
    op.create_index("ix_enrollments_course_id", "enrollments", ["course_id"])
    op.drop_index("ix_enrollments_course_covering", table_name="enrollments")
    op.drop_index(op.f("ix_users_last_login_at"), table_name="users")

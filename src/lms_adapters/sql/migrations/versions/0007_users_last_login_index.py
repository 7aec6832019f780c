"""index users.last_login_at for the system report's active users

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


def downgrade() -> None:
    op.drop_index(op.f("ix_users_last_login_at"), table_name="users")

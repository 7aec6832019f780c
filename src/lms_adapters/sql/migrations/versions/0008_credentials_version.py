"""credentials version: a user's password change or deactivation ends every session opened before it

``users.credentials_version`` goes up in the transaction that changes the password or deactivates
the account; a session remembers the version it was opened with and is refused once they differ,
except the session that changed the password (``users.credentials_session_id``), which goes on.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMNs on both databases (SQLite adds a column with a constant default in place)
    for table in ("users", "auth_sessions"):
        op.add_column(
            table, sa.Column("credentials_version", sa.Integer(), nullable=False, server_default="0")
        )
    op.add_column("users", sa.Column("credentials_session_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("auth_sessions") as batch:
        batch.drop_column("credentials_version")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("credentials_session_id")
        batch.drop_column("credentials_version")

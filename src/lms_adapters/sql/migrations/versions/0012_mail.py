"""mail: messages as deliveries, email tokens, and whether a user's address is verified

A mail message is a delivery of sink ``mail`` without an event (``deliveries.event_id`` and
``event_type`` may now be empty) whose content lies in ``mail_messages``. ``email_tokens`` keeps
the SHA-256 of each verification and reset token. Accounts made before this migration start with
an unverified address (``users.email_verified`` false), like every registration from now on.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lms_adapters.sql.types import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_WAITING = "status IN ('pending', 'failed')"


def _waiting_index() -> None:
    op.create_index(
        "ix_deliveries_waiting",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text(_WAITING),
        sqlite_where=sa.text(_WAITING),
    )


def _deliveries_need_an_event(needed: bool) -> None:
    # SQLite rebuilds the table to change a column's nullability: its partial index is dropped
    # before and made again after, so the rebuild cannot lose its WHERE clause
    op.drop_index("ix_deliveries_waiting", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("event_id", existing_type=sa.Uuid(), nullable=not needed)
        batch.alter_column("event_type", existing_type=sa.String(64), nullable=not needed)
    _waiting_index()


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    _deliveries_need_an_event(False)
    op.create_table(
        "mail_messages",
        sa.Column(
            "delivery_id",
            sa.Uuid(),
            sa.ForeignKey(
                "deliveries.id", ondelete="CASCADE", name="fk_mail_messages_delivery_id_deliveries"
            ),
            primary_key=True,
        ),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text()),
    )
    op.create_table(
        "email_tokens",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Uuid(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_email_tokens_user_id_users"),
            nullable=False,
        ),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime()),
        sa.UniqueConstraint("token_hash", name="uq_email_tokens_token_hash"),
    )
    op.create_index(
        "ix_email_tokens_user_purpose_created", "email_tokens", ["user_id", "purpose", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("email_tokens")
    op.drop_table("mail_messages")
    op.execute("DELETE FROM deliveries WHERE event_id IS NULL")
    _deliveries_need_an_event(True)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_verified")

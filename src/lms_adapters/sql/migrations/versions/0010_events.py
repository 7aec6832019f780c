"""events: the outbox, webhooks with their subscriptions, and deliveries

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lms_adapters.sql.types import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_WAITING = "status IN ('pending', 'failed')"


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("description", sa.String(1000), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_webhooks_created_at", "webhooks", ["created_at"])
    op.create_table(
        "webhook_subscriptions",
        sa.Column(
            "webhook_id",
            sa.Uuid(),
            sa.ForeignKey(
                "webhooks.id", ondelete="CASCADE", name="fk_webhook_subscriptions_webhook_id_webhooks"
            ),
            primary_key=True,
        ),
        sa.Column("event_type", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_index("ix_webhook_subscriptions_event_type", "webhook_subscriptions", ["event_type"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "event_id",
            sa.Uuid(),
            sa.ForeignKey("events.id", ondelete="CASCADE", name="fk_deliveries_event_id_events"),
            nullable=False,
        ),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("sink", sa.String(16), nullable=False),
        sa.Column(
            "webhook_id",
            sa.Uuid(),
            sa.ForeignKey("webhooks.id", ondelete="CASCADE", name="fk_deliveries_webhook_id_webhooks"),
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer()),
        sa.Column("last_error", sa.String(500)),
        sa.Column("next_attempt_at", UtcDateTime()),
        sa.Column("claimed_until", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("delivered_at", UtcDateTime()),
    )
    op.create_index("ix_deliveries_event_id", "deliveries", ["event_id"])
    op.create_index("ix_deliveries_webhook_created", "deliveries", ["webhook_id", "created_at"])
    op.create_index(
        "ix_deliveries_waiting",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text(_WAITING),
        sqlite_where=sa.text(_WAITING),
    )


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("webhook_subscriptions")
    op.drop_table("webhooks")
    op.drop_table("events")

"""idempotency leases: a running request holds its key for a short, renewed lease

``idempotency_keys.lease_token`` names the request holding a pending key; while a key is pending,
``expires_at`` is its lease's end rather than 24 hours after the claim, so a key whose process was
killed is free again once the lease lapses. Rows pending from before this revision have no token:
they keep their old expiry.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("idempotency_keys", sa.Column("lease_token", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("lease_token")

"""open badges: each certificate's signed credential, its place in a revocation list, revocation

``credential`` holds the certificate's VC-JWT (empty for certificates issued before, until first
asked for); ``status_list`` and ``status_index`` its place in a ``BitstringStatusList`` (unique
together); ``revoked_at`` and ``revocation_reason`` its revocation. The partial index serves the
status lists, which read only revoked certificates.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lms_adapters.sql.types import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_REVOKED = "revoked_at IS NOT NULL"


def upgrade() -> None:
    op.add_column("certificates", sa.Column("credential", sa.Text()))
    op.add_column("certificates", sa.Column("status_list", sa.Integer()))
    op.add_column("certificates", sa.Column("status_index", sa.Integer()))
    op.add_column("certificates", sa.Column("revoked_at", UtcDateTime()))
    op.add_column("certificates", sa.Column("revocation_reason", sa.String(500)))
    op.create_index(
        "uq_certificates_status_entry", "certificates", ["status_list", "status_index"], unique=True
    )
    op.create_index(
        "ix_certificates_revoked",
        "certificates",
        ["status_list", "status_index"],
        postgresql_where=sa.text(_REVOKED),
        sqlite_where=sa.text(_REVOKED),
    )


def downgrade() -> None:
    op.drop_index("ix_certificates_revoked", table_name="certificates")
    op.drop_index("uq_certificates_status_entry", table_name="certificates")
    with op.batch_alter_table("certificates") as batch:
        for column in ("revocation_reason", "revoked_at", "status_index", "status_list", "credential"):
            batch.drop_column(column)

"""erasure: an account's personal data removed on request, its bytes deleted after the commit

``users.erased_at`` marks an erased account (its row stays: enrollments, attempts and certificates
keep pointing at it, naming no one). ``certificates.student_name`` and ``pdf_key`` become nullable:
an erased student's certificates stay verifiable without a name, and their PDFs are deleted.
``blob_deletions`` lists stored bytes (files, certificate PDFs) still to delete: written in the
erasure's transaction, worked off after it commits and retried until the storage has said yes.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lms_adapters.sql.types import UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_REVOKED = "revoked_at IS NOT NULL"


def _certificate_columns(*, nullable: bool) -> None:
    # SQLite copies the table to change a column: the partial index is dropped around the copy
    # and made again, so it keeps its WHERE clause on both databases
    op.drop_index("ix_certificates_revoked", table_name="certificates")
    with op.batch_alter_table("certificates") as batch:
        batch.alter_column("student_name", existing_type=sa.String(255), nullable=nullable)
        batch.alter_column("pdf_key", existing_type=sa.String(128), nullable=nullable)
    op.create_index(
        "ix_certificates_revoked",
        "certificates",
        ["status_list", "status_index"],
        postgresql_where=sa.text(_REVOKED),
        sqlite_where=sa.text(_REVOKED),
    )


def upgrade() -> None:
    op.add_column("users", sa.Column("erased_at", UtcDateTime()))
    _certificate_columns(nullable=True)
    op.create_table(
        "blob_deletions",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_blob_deletions_next_attempt", "blob_deletions", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_blob_deletions_next_attempt", table_name="blob_deletions")
    op.drop_table("blob_deletions")
    # erased certificates get a name and key that say so, to fit the columns again
    op.execute("UPDATE certificates SET student_name = '' WHERE student_name IS NULL")
    op.execute("UPDATE certificates SET pdf_key = '' WHERE pdf_key IS NULL")
    _certificate_columns(nullable=False)
    # a plain DROP COLUMN on both (SQLite >= 3.35): copying the users table, as a batch would, is
    # refused while other tables refer to its rows
    op.execute("ALTER TABLE users DROP COLUMN erased_at")

"""files: stored_files

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 02:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms_adapters.sql.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("stored_filename", sa.String(length=128), nullable=False),
        sa.Column("content_type", sa.String(length=127), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_at", lms_adapters.sql.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_stored_files_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
        sa.UniqueConstraint("stored_filename", name=op.f("uq_stored_files_stored_filename")),
    )
    op.create_index("ix_stored_files_owner_uploaded", "stored_files", ["owner_id", "uploaded_at"])
    op.create_index("ix_stored_files_uploaded_at", "stored_files", ["uploaded_at"])


def downgrade() -> None:
    op.drop_index("ix_stored_files_uploaded_at", table_name="stored_files")
    op.drop_index("ix_stored_files_owner_uploaded", table_name="stored_files")
    op.drop_table("stored_files")

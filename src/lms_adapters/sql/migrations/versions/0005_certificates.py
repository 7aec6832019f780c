"""credentials: certificates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms_adapters.sql.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=True),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=True),
        sa.Column("certificate_number", sa.String(length=32), nullable=False),
        sa.Column("course_title", sa.String(length=255), nullable=False),
        sa.Column("student_name", sa.String(length=255), nullable=False),
        sa.Column("issued_at", lms_adapters.sql.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("pdf_key", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_certificates_enrollment_id_enrollments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["student_id"], ["users.id"], name=op.f("fk_certificates_student_id_users")),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_certificates_course_id_courses"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("enrollment_id", name=op.f("uq_certificates_enrollment_id")),
        sa.UniqueConstraint("certificate_number", name=op.f("uq_certificates_certificate_number")),
    )
    op.create_index("ix_certificates_student_issued", "certificates", ["student_id", "issued_at"])
    op.create_index("ix_certificates_course_id", "certificates", ["course_id"])


def downgrade() -> None:
    op.drop_index("ix_certificates_course_id", table_name="certificates")
    op.drop_index("ix_certificates_student_issued", table_name="certificates")
    op.drop_table("certificates")

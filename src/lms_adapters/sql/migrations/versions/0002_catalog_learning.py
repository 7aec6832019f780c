"""catalog and learning: courses, lessons, enrollments, lesson completions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 02:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms_adapters.sql.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("instructor_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("difficulty_level", sa.String(length=16), nullable=True),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("thumbnail_url", sa.String(length=2048), nullable=True),
        sa.Column("estimated_duration_minutes", sa.Integer(), nullable=True),
        sa.Column("created_at", lms_adapters.sql.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms_adapters.sql.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["instructor_id"], ["users.id"], name=op.f("fk_courses_instructor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("slug", name=op.f("uq_courses_slug")),
    )
    op.create_index("ix_courses_published_created", "courses", ["is_published", "created_at"])
    op.create_index("ix_courses_instructor_created", "courses", ["instructor_id", "created_at"])
    op.create_index("ix_courses_created_at", "courses", ["created_at"])
    op.create_index("ix_courses_category", "courses", ["category"])
    op.create_index("ix_courses_difficulty_level", "courses", ["difficulty_level"])
    op.create_index("ix_courses_lower_title", "courses", [sa.text("lower(title)")])

    op.create_table(
        "lessons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("video_url", sa.String(length=2048), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("is_preview", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", lms_adapters.sql.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms_adapters.sql.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_lessons_course_id_courses"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lessons")),
        sa.UniqueConstraint("course_id", "position", name="uq_lessons_course_id_position"),
    )

    op.create_table(
        "enrollments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("enrolled_at", lms_adapters.sql.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", lms_adapters.sql.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_enrollments_course_id_courses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["users.id"], name=op.f("fk_enrollments_student_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
        sa.UniqueConstraint("student_id", "course_id", name="uq_enrollments_student_id_course_id"),
    )
    op.create_index("ix_enrollments_course_id", "enrollments", ["course_id"])
    op.create_index("ix_enrollments_student_enrolled", "enrollments", ["student_id", "enrolled_at"])

    op.create_table(
        "lesson_completions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("completed_at", lms_adapters.sql.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_lesson_completions_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_lesson_completions_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_completions")),
        sa.UniqueConstraint(
            "enrollment_id", "lesson_id", name="uq_lesson_completions_enrollment_id_lesson_id"
        ),
    )
    op.create_index("ix_lesson_completions_lesson_id", "lesson_completions", ["lesson_id"])


def downgrade() -> None:
    op.drop_index("ix_lesson_completions_lesson_id", table_name="lesson_completions")
    op.drop_table("lesson_completions")
    op.drop_index("ix_enrollments_student_enrolled", table_name="enrollments")
    op.drop_index("ix_enrollments_course_id", table_name="enrollments")
    op.drop_table("enrollments")
    op.drop_table("lessons")
    for name in (
        "ix_courses_lower_title",
        "ix_courses_difficulty_level",
        "ix_courses_category",
        "ix_courses_created_at",
        "ix_courses_instructor_created",
        "ix_courses_published_created",
    ):
        op.drop_index(name, table_name="courses")
    op.drop_table("courses")

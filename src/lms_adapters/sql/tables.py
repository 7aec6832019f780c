"""The schema, as SQLAlchemy Core tables. Alembic migrations (``migrations/``) create it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Uuid,
)

from lms_adapters.sql.types import UtcDateTime

__all__ = ["auth_sessions", "metadata", "stored_files", "used_totp_steps", "users"]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("full_name", String(255), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("mfa_enabled", Boolean, nullable=False),
    Column("mfa_secret", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("last_login_at", UtcDateTime),
    Index("ix_users_role_created", "role", "created_at"),
    Index("ix_users_created_at", "created_at"),
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False, index=True),  # no foreign key: a separate store
    Column("refresh_id", Uuid, nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

used_totp_steps = Table(
    "used_totp_steps",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("step", BigInteger, primary_key=True),
)

# files
stored_files = Table(
    "stored_files",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("original_filename", String(255), nullable=False),
    Column("stored_filename", String(128), nullable=False, unique=True),
    Column("content_type", String(127), nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("uploaded_at", UtcDateTime, nullable=False),
    Index("ix_stored_files_owner_uploaded", "owner_id", "uploaded_at"),
    Index("ix_stored_files_uploaded_at", "uploaded_at"),
)

"""The schema, as SQLAlchemy Core tables. Alembic migrations (``migrations/``) create it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    func,
    text,
)

from lms_adapters.sql.types import UtcDateTime

__all__ = [
    "attempt_history",
    "attempt_questions",
    "audit_log",
    "auth_sessions",
    "bank_questions",
    "certificates",
    "course_counters",
    "course_prerequisites",
    "course_staff",
    "courses",
    "deliveries",
    "email_tokens",
    "enrollments",
    "events",
    "idempotency_keys",
    "lesson_completions",
    "lesson_counters",
    "lesson_release_lessons",
    "lesson_release_quizzes",
    "lessons",
    "mail_messages",
    "metadata",
    "question_banks",
    "questions",
    "quiz_attempts",
    "quiz_counters",
    "quiz_pools",
    "quizzes",
    "stored_files",
    "system_counters",
    "used_totp_steps",
    "users",
    "webhook_subscriptions",
    "webhooks",
]

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
    # goes up with a password change or a deactivation: sessions opened before it end (0008),
    # except the one that changed the password
    Column("credentials_version", Integer, nullable=False, server_default="0"),
    Column("credentials_session_id", Uuid),
    Column("email_verified", Boolean, nullable=False, server_default=false()),
    # erased (0016): the row stays for what refers to it, its email, name and secrets replaced
    Column("erased_at", UtcDateTime),
    Index("ix_users_role_created", "role", "created_at"),
    Index("ix_users_created_at", "created_at"),
    Index("ix_users_last_login_at", "last_login_at"),  # active users: created or signed in lately
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False, index=True),  # no foreign key: a separate store
    Column("refresh_id", Uuid, nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("credentials_version", Integer, nullable=False, server_default="0"),
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

# --- catalog and learning (migration 0002) ---------------------------------------------------
# Deleting a course deletes its lessons and enrollments, and those their completions, through
# ON DELETE CASCADE foreign keys: one statement, one transaction, on both databases.

courses = Table(
    "courses",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("instructor_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("title", String(255), nullable=False),
    Column("slug", String(255), nullable=False, unique=True),
    Column("description", Text, nullable=False),
    Column("category", String(100)),
    Column("difficulty_level", String(16)),
    Column("is_published", Boolean, nullable=False),
    Column("thumbnail_url", String(2048)),
    Column("estimated_duration_minutes", Integer),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_courses_published_created", "is_published", "created_at"),
    Index("ix_courses_instructor_created", "instructor_id", "created_at"),
    Index("ix_courses_created_at", "created_at"),
    Index("ix_courses_category", "category"),
    Index("ix_courses_difficulty_level", "difficulty_level"),
)
Index("ix_courses_lower_title", func.lower(courses.c.title))  # sort=title

lessons = Table(
    "lessons",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(255), nullable=False),
    Column("content_type", String(16), nullable=False),
    Column("content", Text),
    Column("video_url", String(2048)),
    Column("duration_minutes", Integer, nullable=False),
    Column("is_preview", Boolean, nullable=False),
    Column("position", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("course_id", "position", name="uq_lessons_course_id_position"),
)

enrollments = Table(
    "enrollments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("student_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
    Column("enrolled_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
    UniqueConstraint("student_id", "course_id", name="uq_enrollments_student_id_course_id"),
    # Per-course figures (analytics, a course's roster) read only these columns: on PostgreSQL
    # they ride in the index, so a course's enrollments cost no visit to the table's pages.
    Index(
        "ix_enrollments_course_covering", "course_id", postgresql_include=["id", "student_id", "completed_at"]
    ),
    Index("ix_enrollments_student_enrolled", "student_id", "enrolled_at"),
)

lesson_completions = Table(
    "lesson_completions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("enrollment_id", Uuid, ForeignKey("enrollments.id", ondelete="CASCADE"), nullable=False),
    Column("lesson_id", Uuid, ForeignKey("lessons.id", ondelete="CASCADE"), nullable=False),
    Column("completed_at", UtcDateTime, nullable=False),
    UniqueConstraint("enrollment_id", "lesson_id", name="uq_lesson_completions_enrollment_id_lesson_id"),
    Index("ix_lesson_completions_lesson_id", "lesson_id"),
)


# --- idempotent retries (migrations 0006, 0009) -----------------------------------------------
# A row without ``status`` is a request still running: ``lease_token`` is its holder's and
# ``expires_at`` its lease's end (renewed while it runs). A row with ``status`` is the answer to
# replay until ``expires_at``.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer),
    Column("headers", Text),
    Column("body", LargeBinary),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("lease_token", String(32)),
)

# --- course staff (migration 0014) ------------------------------------------------------------
# Co-instructors and teaching assistants of a course; gone with the course. The (user_id,
# course_id) index serves "the courses I am staff of" (mine=true, drafts in lists, reports).

course_staff = Table(
    "course_staff",
    metadata,
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Index("ix_course_staff_user_course", "user_id", "course_id"),
)

# --- release rules and prerequisites (migration 0017) -------------------------------------------
# A lesson's rule is its rows in the two lesson_release_* tables (none: no rule). Each row goes
# with the lesson or quiz it names (ON DELETE CASCADE), so deleting one removes it from every rule
# in the same statement, whatever runs at the same time, and a rule left with no row is no rule.
# A course's prerequisites go the same way with the courses on either side. ``position`` keeps
# the order they were given in; the second indexes serve the cascades (and "what names this").

lesson_release_lessons = Table(
    "lesson_release_lessons",
    metadata,
    Column("lesson_id", Uuid, ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True),
    Column("required_lesson_id", Uuid, ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
    Index("ix_lesson_release_lessons_required", "required_lesson_id"),
)

lesson_release_quizzes = Table(
    "lesson_release_quizzes",
    metadata,
    Column("lesson_id", Uuid, ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True),
    Column("quiz_id", Uuid, ForeignKey("quizzes.id", ondelete="CASCADE"), nullable=False),
    Column("min_score", Float, nullable=False),
    Index("ix_lesson_release_quizzes_quiz", "quiz_id"),
)

course_prerequisites = Table(
    "course_prerequisites",
    metadata,
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("prerequisite_id", Uuid, ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
    Index("ix_course_prerequisites_prerequisite", "prerequisite_id"),
)

# --- audit log (migration 0015) -----------------------------------------------------------------
# Append-only: nothing in the code updates or deletes a row, and triggers refuse UPDATE and DELETE
# on both databases. People appear by id only (no foreign keys: entries outlive what they name).

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_id", Uuid),
    Column("action", String(64), nullable=False),
    Column("target_type", String(32), nullable=False),
    Column("target_id", Uuid),
    Column("ip", String(64)),
    Column("request_id", String(128)),
    Column("details", JSON, nullable=False),
    Index("ix_audit_log_at", "at", "id"),
    Index("ix_audit_log_actor", "actor_id", "at"),
    Index("ix_audit_log_target", "target_type", "target_id", "at"),
    Index("ix_audit_log_action", "action", "at"),
)

# --- credentials (migration 0005) -------------------------------------------------------------
# A certificate outlives its course: deleting the course (and so its enrollments) sets
# enrollment_id and course_id to NULL; the number stays taken by the row.

certificates = Table(
    "certificates",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("enrollment_id", Uuid, ForeignKey("enrollments.id", ondelete="SET NULL"), unique=True),
    Column("student_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="SET NULL")),
    Column("certificate_number", String(32), nullable=False, unique=True),
    Column("course_title", String(255), nullable=False),
    Column("student_name", String(255)),  # null once the student is erased (0016)
    Column("issued_at", UtcDateTime, nullable=False),
    Column("pdf_key", String(128)),  # null once the PDF is deleted with its erased student (0016)
    # Open Badges (migration 0013): the signed credential, its place in a revocation list (unique:
    # the database settles racing draws), and the revocation
    Column("credential", Text),
    Column("status_list", Integer),
    Column("status_index", Integer),
    Column("revoked_at", UtcDateTime),
    Column("revocation_reason", String(500)),
    Index("ix_certificates_student_issued", "student_id", "issued_at"),
    Index("ix_certificates_course_id", "course_id"),
    Index("uq_certificates_status_entry", "status_list", "status_index", unique=True),
    Index(
        "ix_certificates_revoked",
        "status_list",
        "status_index",
        postgresql_where=text("revoked_at IS NOT NULL"),
        sqlite_where=text("revoked_at IS NOT NULL"),
    ),
)

# --- erasure (migration 0016) -------------------------------------------------------------------
# Stored bytes to delete: a row is written in the transaction that erases an account, and removed
# once the storage has deleted the key (a retry later when it failed).

blob_deletions = Table(
    "blob_deletions",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Index("ix_blob_deletions_next_attempt", "next_attempt_at"),
)

# --- assessment (migration 0004) ---------------------------------------------------------------
# Deleting a course deletes its quizzes, and a quiz its questions and attempts (ON DELETE CASCADE);
# deleting a lesson only detaches its quizzes (SET NULL). At most one open attempt per student and
# quiz: a partial unique index, on both databases.

quizzes = Table(
    "quizzes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
    Column("lesson_id", Uuid, ForeignKey("lessons.id", ondelete="SET NULL")),
    Column("title", String(255), nullable=False),
    Column("description", Text, nullable=False),
    Column("time_limit_minutes", Integer),
    Column("passing_score_percentage", Float, nullable=False),
    Column("shuffle_questions", Boolean, nullable=False),
    Column("max_attempts", Integer),
    Column("is_published", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # all_or_nothing | partial (migration 0018)
    Column("scoring", String(16), nullable=False, server_default="all_or_nothing"),
    # [{bank_id, count}] (migration 0019), as ``quiz_pools`` holds them for the banks' side
    Column("question_pools", JSON, nullable=False, server_default=text("'[]'")),
    Index("ix_quizzes_course_created", "course_id", "created_at"),
    Index("ix_quizzes_lesson_id", "lesson_id"),
    Index("ix_quizzes_published_created", "is_published", "created_at"),
    Index("ix_quizzes_created_at", "created_at"),
)

questions = Table(
    "questions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("quiz_id", Uuid, ForeignKey("quizzes.id", ondelete="CASCADE"), nullable=False),
    Column("question_text", Text, nullable=False),
    Column("question_type", String(32), nullable=False),
    Column("options", JSON, nullable=False),  # a list of strings
    Column("correct_answer", JSON, nullable=False),  # a string, or a list of strings
    Column("points", Integer, nullable=False),
    Column("position", Integer, nullable=False),  # the API's ``order``; need not be unique
    # numeric questions: the exact decimal as text (migration 0018); NULL for the other types
    Column("tolerance", String(64)),
    Index("ix_questions_quiz_position", "quiz_id", "position"),
)

quiz_attempts = Table(
    "quiz_attempts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("quiz_id", Uuid, ForeignKey("quizzes.id", ondelete="CASCADE"), nullable=False),
    Column("student_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("question_order", JSON, nullable=False),  # question ids as strings
    # [{question_id, answer, correct, points_earned}]; points_earned an integer, or "n/d" when partial
    Column("answers", JSON, nullable=False),
    Column("score", Numeric(5, 2, asdecimal=False)),
    Column("passed", Boolean),
    Column("status", String(16), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    # migration 0019: the questions the attempt was given, as they were when it started (the
    # snapshot it is shown and graded from): [{id, quiz_id, bank_id, question_text, question_type,
    # options, correct_answer, points, order, tolerance}]; and, once finished, ``graded`` or
    # ``pending_review`` (an answered essay awaits a grader; ``score`` and ``passed`` are NULL)
    Column("questions", JSON, nullable=False, server_default=text("'[]'")),
    Column("grading_status", String(16)),
    Index("ix_quiz_attempts_quiz_status", "quiz_id", "status"),
    Index("ix_quiz_attempts_student_quiz", "student_id", "quiz_id"),
    Index(
        "uq_quiz_attempts_one_open",
        "student_id",
        "quiz_id",
        unique=True,
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
    Index(
        "ix_quiz_attempts_pending_review",
        "quiz_id",
        "ended_at",
        sqlite_where=text("grading_status = 'pending_review'"),
        postgresql_where=text("grading_status = 'pending_review'"),
    ),
)

# --- question banks, pools, snapshots, grading history (migration 0019) -----------------------
# A bank belongs to a course and goes with it; a bank a quiz draws from cannot be deleted (the
# pool's foreign key has no ON DELETE: the database refuses). ``attempt_questions`` indexes which
# attempts hold which question (their snapshots), so a regrade finds them without reading JSON.

question_banks = Table(
    "question_banks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("course_id", Uuid, ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(255), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_question_banks_course_created", "course_id", "created_at"),
)

bank_questions = Table(
    "bank_questions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("bank_id", Uuid, ForeignKey("question_banks.id", ondelete="CASCADE"), nullable=False),
    Column("question_text", Text, nullable=False),
    Column("question_type", String(32), nullable=False),
    Column("options", JSON, nullable=False),
    Column("correct_answer", JSON, nullable=False),
    Column("points", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("tolerance", String(64)),
    Index("ix_bank_questions_bank_position", "bank_id", "position"),
)

quiz_pools = Table(
    "quiz_pools",
    metadata,
    Column("quiz_id", Uuid, ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True),
    Column("bank_id", Uuid, ForeignKey("question_banks.id"), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Index("ix_quiz_pools_bank", "bank_id"),
)

attempt_questions = Table(
    "attempt_questions",
    metadata,
    Column("question_id", Uuid, primary_key=True),
    Column("attempt_id", Uuid, ForeignKey("quiz_attempts.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_attempt_questions_attempt", "attempt_id"),
)

attempt_history = Table(
    "attempt_history",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("attempt_id", Uuid, ForeignKey("quiz_attempts.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_id", Uuid),
    Column("question_id", Uuid, nullable=False),
    Column("old_score", Numeric(5, 2, asdecimal=False)),
    Column("new_score", Numeric(5, 2, asdecimal=False)),
    Column("reason", Text, nullable=False),
    Index("ix_attempt_history_attempt_at", "attempt_id", "at"),
)

# --- events and integrations (migration 0010) --------------------------------------------------
# ``events`` is the outbox: a use case writes its event in its own transaction. Deliveries are made
# in that same transaction, one per webhook subscribed to the event's type (``webhook_subscriptions``)
# and one for the learning record store; a try claims its delivery (``claimed_until``) so two
# processes never make the same try.

events = Table(
    "events",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("type", String(64), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("data", JSON, nullable=False),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("url", String(2048), nullable=False),
    Column("description", String(1000), nullable=False),
    Column("secret", String(128), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("webhook_id", Uuid, ForeignKey("webhooks.id", ondelete="CASCADE"), primary_key=True),
    Column("event_type", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Index("ix_webhook_subscriptions_event_type", "event_type"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_id", Uuid, ForeignKey("events.id", ondelete="CASCADE"), index=True),  # mail: none
    Column("event_type", String(64)),
    Column("sink", String(16), nullable=False),
    Column("webhook_id", Uuid, ForeignKey("webhooks.id", ondelete="CASCADE")),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_status_code", Integer),
    Column("last_error", String(500)),
    Column("next_attempt_at", UtcDateTime),
    Column("claimed_until", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    Index("ix_deliveries_webhook_created", "webhook_id", "created_at"),
    Index(
        "ix_deliveries_waiting",
        "next_attempt_at",
        postgresql_where=text("status IN ('pending', 'failed')"),
        sqlite_where=text("status IN ('pending', 'failed')"),
    ),
)

# --- mail and email tokens (migration 0012) ----------------------------------------------------
# A message is a delivery (sink ``mail``) with its content in ``mail_messages``, made in the
# transaction of the change it tells about; its content is erased once it is sent or dead. Tokens
# of verification and reset links are stored only as SHA-256 hashes.

mail_messages = Table(
    "mail_messages",
    metadata,
    Column("delivery_id", Uuid, ForeignKey("deliveries.id", ondelete="CASCADE"), primary_key=True),
    Column("to_address", String(254), nullable=False),
    Column("subject", Text, nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text),
)

email_tokens = Table(
    "email_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Index("ix_email_tokens_user_purpose_created", "user_id", "purpose", "created_at"),
)


# --- counters for the reports (migration 0020) ------------------------------------------------
# Kept by database triggers in the same transaction as the rows they count (``sql/counters.py``).
# A key's count is the SUM over its shards: on PostgreSQL a transaction writes the shard of its
# connection (``pg_backend_pid() % 16``), so concurrent writers rarely wait on one row; SQLite
# writes shard 0. ``system_counters`` names: see ``counters.SYSTEM_NAMES``. The per-course, lesson
# and quiz counters have no foreign key (a recount would otherwise lock the parents' keys while
# writers that hold a parent wait for the counters): a trigger deletes them with their parent.

system_counters = Table(
    "system_counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("shard", Integer, primary_key=True),
    Column("n", BigInteger, nullable=False),
)

course_counters = Table(
    "course_counters",
    metadata,
    Column("course_id", Uuid, primary_key=True),
    Column("shard", Integer, primary_key=True),
    Column("enrollments", BigInteger, nullable=False),
    Column("completed_enrollments", BigInteger, nullable=False),
)

lesson_counters = Table(
    "lesson_counters",
    metadata,
    Column("lesson_id", Uuid, primary_key=True),
    Column("shard", Integer, primary_key=True),
    Column("completions", BigInteger, nullable=False),
)

quiz_counters = Table(
    "quiz_counters",
    metadata,
    Column("quiz_id", Uuid, primary_key=True),
    Column("shard", Integer, primary_key=True),
    Column("graded_attempts", BigInteger, nullable=False),
    Column("score_hundredths", BigInteger, nullable=False),
    Column("passed_attempts", BigInteger, nullable=False),
)

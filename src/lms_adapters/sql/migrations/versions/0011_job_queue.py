"""job queue: procrastinate's tables and functions, on PostgreSQL

On PostgreSQL the tries of deliveries are procrastinate jobs kept in the database, shared by every
server and worker. Its schema is the one the installed procrastinate ships (the version is pinned
in pyproject.toml; a new version's own migrations come as a later revision). SQLite has no such
schema: the embedded default keeps its jobs in the process.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_OBJECTS = """
DROP TABLE IF EXISTS procrastinate_periodic_defers, procrastinate_events, procrastinate_jobs,
    procrastinate_workers, procrastinate_version CASCADE;
DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type CASCADE;
DO $$
DECLARE f record;
BEGIN
    FOR f IN SELECT oid::regprocedure AS signature FROM pg_proc
             WHERE proname LIKE 'procrastinate%' AND pronamespace = current_schema()::regnamespace
    LOOP
        EXECUTE 'DROP FUNCTION ' || f.signature || ' CASCADE';
    END LOOP;
END $$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    op.execute(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_OBJECTS)

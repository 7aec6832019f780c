"""counters for the reports, kept by triggers

New tables ``system_counters`` (name, shard, n), ``course_counters``, ``lesson_counters`` and
``quiz_counters`` (each keyed by its parent and a shard; a trigger on the parent deletes them with
it: no foreign key, so a recount locks no parent row), and row
triggers on ``users``, ``courses``, ``enrollments``, ``lesson_completions``, ``certificates`` and
``quiz_attempts`` that subtract the old row's contribution and add the new one's, in the writing
transaction. PostgreSQL: one PL/pgSQL function per counted table, an ``AFTER INSERT OR DELETE``
trigger and an ``AFTER UPDATE OF <counted columns>`` trigger that fires only when one of them
changed; a session with ``lms.counters = 'off'`` (the seed's bulk COPY) fires none. SQLite: an
insert, a delete and an update trigger per table, with UPSERT. The counters are then filled from
the rows by ``lms_adapters.sql.counters.reconcile`` (what ``lms reconcile-counters`` runs).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from typing import Any, NamedTuple

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_SHARDS = 16
# PostgreSQL: every counter write first takes this advisory lock shared (until its transaction
# ends); ``lms_adapters.sql.counters.reconcile`` takes it exclusive (the same number there)
_GATE = 7813586374254980724


class _Adds(NamedTuple):
    """One upsert: into ``table``, the key ``keys`` (column → expression of the row ``{r}``), adding
    ``values`` (column → expression), for rows where ``where`` holds."""

    table: str
    keys: tuple[tuple[str, str], ...]
    values: tuple[tuple[str, str], ...]
    where: str = "1 = 1"


def _system(name: str, where: str = "1 = 1") -> _Adds:
    return _Adds("system_counters", (("name", name),), (("n", "1"),), where)


def _exists(table: str, column: str) -> str:
    # a row deleted with its parent (ON DELETE CASCADE) leaves no counter behind
    return f"EXISTS (SELECT 1 FROM {table} WHERE id = {{r}}.{column})"  # noqa: S608  # fixed names


_GRADED = "{r}.grading_status = 'graded'"

# counted table → (its counted columns, what each of its rows adds)
_COUNTED: dict[str, tuple[tuple[str, ...], tuple[_Adds, ...]]] = {
    "users": (
        ("role", "erased_at"),
        (
            _system("'users'", "{r}.erased_at IS NULL"),
            _system("'users:' || {r}.role", "{r}.erased_at IS NULL"),
        ),
    ),
    "courses": (
        ("is_published",),
        (_system("'courses'"), _system("'published_courses'", "{r}.is_published")),
    ),
    "enrollments": (
        ("course_id", "completed_at"),
        (
            _system("'enrollments'"),
            _Adds(
                "course_counters",
                (("course_id", "{r}.course_id"),),
                (
                    ("enrollments", "1"),
                    ("completed_enrollments", "CASE WHEN {r}.completed_at IS NULL THEN 0 ELSE 1 END"),
                ),
                _exists("courses", "course_id"),
            ),
        ),
    ),
    "lesson_completions": (
        ("lesson_id",),
        (
            _Adds(
                "lesson_counters",
                (("lesson_id", "{r}.lesson_id"),),
                (("completions", "1"),),
                _exists("lessons", "lesson_id"),
            ),
        ),
    ),
    "certificates": ((), (_system("'certificates'"),)),
    "quiz_attempts": (
        ("quiz_id", "status", "grading_status", "score", "passed"),
        (
            _system("'closed_attempts'", "{r}.status <> 'open'"),
            _Adds(
                "quiz_counters",
                (("quiz_id", "{r}.quiz_id"),),
                (
                    ("graded_attempts", "1"),
                    ("score_hundredths", "CAST(COALESCE(ROUND({r}.score * 100), 0) AS BIGINT)"),
                    ("passed_attempts", "CASE WHEN {r}.passed THEN 1 ELSE 0 END"),
                ),
                f"{_GRADED} AND {_exists('quizzes', 'quiz_id')}",
            ),
        ),
    ),
}


def _upsert(adds: _Adds, row: str, sign: str, shard: str) -> str:
    keys = [k for k, _ in adds.keys]
    columns = ", ".join([*keys, "shard", *(v for v, _ in adds.values)])
    chosen = ", ".join(
        [
            *(e.format(r=row) for _, e in adds.keys),
            shard,
            *(f"{sign}({e.format(r=row)})" for _, e in adds.values),
        ]
    )
    sums = ", ".join(f"{v} = {adds.table}.{v} + excluded.{v}" for v, _ in adds.values)
    return (
        f"INSERT INTO {adds.table} ({columns}) SELECT {chosen} WHERE {adds.where.format(r=row)} "
        f"ON CONFLICT ({', '.join(keys)}, shard) DO UPDATE SET {sums};"
    )


# PostgreSQL runs the counters' triggers when the transaction commits (constraint triggers,
# deferred): a counter row is then locked only for the commit itself, not from the row's change
# through the rest of the request (an outbox insert, the application's turn, the COMMIT round trip),
# which had writers of one shard queue behind each other (quiz submissions waited on
# `transactionid` locks held by transactions idle in the application).
_AT_COMMIT = "DEFERRABLE INITIALLY DEFERRED"


def _postgres(table: str, columns: tuple[str, ...], adds: tuple[_Adds, ...]) -> list[str]:
    old = "\n    ".join(_upsert(a, "OLD", "-", "my_shard") for a in adds)
    new = "\n    ".join(_upsert(a, "NEW", "+", "my_shard") for a in adds)
    on = "current_setting('lms.counters', true) IS DISTINCT FROM 'off'"
    statements = [
        f"""CREATE FUNCTION count_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE my_shard integer := pg_backend_pid() % {_SHARDS};
BEGIN
  PERFORM pg_advisory_xact_lock_shared({_GATE});
  IF TG_OP <> 'INSERT' THEN
    {old}
  END IF;
  IF TG_OP <> 'DELETE' THEN
    {new}
  END IF;
  RETURN NULL;
END $$""",
        f"CREATE CONSTRAINT TRIGGER {table}_counters AFTER INSERT OR DELETE ON {table} "
        f"{_AT_COMMIT} FOR EACH ROW WHEN ({on}) EXECUTE FUNCTION count_{table}()",
    ]
    if columns:
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        statements.append(
            f"CREATE CONSTRAINT TRIGGER {table}_counters_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} {_AT_COMMIT} FOR EACH ROW WHEN (({changed}) AND {on}) "
            f"EXECUTE FUNCTION count_{table}()"
        )
    return statements


def _sqlite(table: str, columns: tuple[str, ...], adds: tuple[_Adds, ...]) -> list[str]:
    old = " ".join(_upsert(a, "OLD", "-", "0") for a in adds)
    new = " ".join(_upsert(a, "NEW", "+", "0") for a in adds)
    statements = [
        f"CREATE TRIGGER {table}_counters_insert AFTER INSERT ON {table} BEGIN {new} END",
        f"CREATE TRIGGER {table}_counters_delete AFTER DELETE ON {table} BEGIN {old} END",
    ]
    if columns:
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        statements.append(
            f"CREATE TRIGGER {table}_counters_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"WHEN {changed} BEGIN {old} {new} END"
        )
    return statements


def _shard() -> sa.Column[int]:
    return sa.Column("shard", sa.Integer(), primary_key=True)


def _parent(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Uuid(), primary_key=True)


# a parent's counters go with it; no foreign key (``reconcile`` would lock the parents' keys)
_PARENTS = {"courses": "course_counters", "lessons": "lesson_counters", "quizzes": "quiz_counters"}


def _forget(parent: str, counters: str, *, postgres: bool) -> list[str]:
    key = {"courses": "course_id", "lessons": "lesson_id", "quizzes": "quiz_id"}[parent]
    forget = f"DELETE FROM {counters} WHERE {key} = OLD.id;"  # noqa: S608  # fixed names
    if not postgres:
        return [f"CREATE TRIGGER {parent}_forget_counters AFTER DELETE ON {parent} BEGIN {forget} END"]
    return [
        f"CREATE FUNCTION forget_{counters}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_advisory_xact_lock_shared({_GATE}); {forget} RETURN NULL; END $$",
        f"CREATE TRIGGER {parent}_forget_counters AFTER DELETE ON {parent} "
        f"FOR EACH ROW EXECUTE FUNCTION forget_{counters}()",
    ]


def upgrade() -> None:
    from lms_adapters.sql.counters import reconcile

    op.create_table(
        "system_counters",
        sa.Column("name", sa.String(64), primary_key=True),
        _shard(),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "course_counters",
        _parent("course_id"),
        _shard(),
        sa.Column("enrollments", sa.BigInteger(), nullable=False),
        sa.Column("completed_enrollments", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "lesson_counters",
        _parent("lesson_id"),
        _shard(),
        sa.Column("completions", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "quiz_counters",
        _parent("quiz_id"),
        _shard(),
        sa.Column("graded_attempts", sa.BigInteger(), nullable=False),
        sa.Column("score_hundredths", sa.BigInteger(), nullable=False),
        sa.Column("passed_attempts", sa.BigInteger(), nullable=False),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, (columns, adds) in _COUNTED.items():
        for statement in (_postgres if postgres else _sqlite)(table, columns, adds):
            op.execute(statement)
    for parent, counters in _PARENTS.items():
        for statement in _forget(parent, counters, postgres=postgres):
            op.execute(statement)
    reconcile(op.get_bind())


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, (columns, _adds) in _COUNTED.items():
        if postgres:
            op.execute(f"DROP FUNCTION count_{table}() CASCADE")  # and its triggers
        else:
            kinds = ["insert", "delete", *(["update"] if columns else [])]
            for kind in kinds:
                op.execute(f"DROP TRIGGER {table}_counters_{kind}")
    for parent, counters in _PARENTS.items():
        if postgres:
            op.execute(f"DROP FUNCTION forget_{counters}() CASCADE")
        else:
            op.execute(f"DROP TRIGGER {parent}_forget_counters")
    for table in ("quiz_counters", "lesson_counters", "course_counters", "system_counters"):
        op.drop_table(table)

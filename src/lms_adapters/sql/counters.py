"""The reports' counters: how each one is recounted from the rows, and ``reconcile``.

Database triggers (migration 0020) keep ``system_counters``, ``course_counters``,
``lesson_counters`` and ``quiz_counters`` in the same transaction as the rows they count: every
change subtracts the old row's contribution and adds the new one's, into the shard of the writing
connection. ``RECOUNTS`` says what each counter is, as an aggregate over the rows; ``reconcile``
(``lms reconcile-counters``, the end of a PostgreSQL seed, and migration 0020's fill) replaces
every counter with that recount.

``system_counters`` names: ``users`` (accounts not erased) and ``users:<role>``, ``courses``,
``published_courses``, ``enrollments``, ``certificates`` and ``closed_attempts`` (attempts that
are not open).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    case,
    cast,
    create_engine,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.exc import DBAPIError

from lms_adapters.sql.engine import prepare_sqlite
from lms_adapters.sql.tables import (
    certificates,
    course_counters,
    courses,
    enrollments,
    lesson_completions,
    lesson_counters,
    quiz_attempts,
    quiz_counters,
    system_counters,
    users,
)
from lms_adapters.sql.urls import sync_url

__all__ = [
    "COUNTERS_GATE",
    "COUNTER_TABLES",
    "RECOUNTS",
    "SHARDS",
    "SYSTEM_NAMES",
    "USERS_BY_ROLE_PREFIX",
    "reconcile",
    "reconcile_database",
]

SHARDS = 16  # PostgreSQL: a connection writes shard ``pg_backend_pid() % SHARDS``; SQLite: 0
USERS_BY_ROLE_PREFIX = "users:"
SYSTEM_NAMES = (
    "users",
    "courses",
    "published_courses",
    "enrollments",
    "certificates",
    "closed_attempts",
)
COUNTER_TABLES = (system_counters, course_counters, lesson_counters, quiz_counters)
# PostgreSQL: the triggers take this advisory lock shared before their first counter write (held
# to the end of the writing transaction); ``reconcile`` takes it exclusive (migration 0020)
COUNTERS_GATE = 7813586374254980724

_GRADED = quiz_attempts.c.grading_status == "graded"


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _system() -> Any:
    def named(name: str, table: Table, *where: Any) -> Any:
        return select(literal(name).label("name"), func.count().label("n")).select_from(table).where(*where)

    people = users.c.erased_at.is_(None)
    return union_all(
        named("users", users, people),
        select(literal(USERS_BY_ROLE_PREFIX).concat(users.c.role), func.count())
        .where(people)
        .group_by(users.c.role),
        named("courses", courses),
        named("published_courses", courses, courses.c.is_published.is_(True)),
        named("enrollments", enrollments),
        named("certificates", certificates),
        named("closed_attempts", quiz_attempts, quiz_attempts.c.status != "open"),
    )


def _courses() -> Any:
    return select(enrollments.c.course_id, func.count(), func.count(enrollments.c.completed_at)).group_by(
        enrollments.c.course_id
    )


def _lessons() -> Any:
    return select(lesson_completions.c.lesson_id, func.count()).group_by(lesson_completions.c.lesson_id)


def _quizzes() -> Any:
    hundredths = cast(func.round(quiz_attempts.c.score * 100), Integer)
    return (
        select(
            quiz_attempts.c.quiz_id,
            func.count(),
            func.coalesce(func.sum(hundredths), 0),
            _count_if(quiz_attempts.c.passed.is_(True)),
        )
        .where(_GRADED)
        .group_by(quiz_attempts.c.quiz_id)
    )


# each counter table with its recount: a statement of rows (key columns..., value columns...) in
# the table's column order, shard left out
RECOUNTS: tuple[tuple[Table, Any], ...] = (
    (system_counters, _system()),
    (course_counters, _courses()),
    (lesson_counters, _lessons()),
    (quiz_counters, _quizzes()),
)


def _split(table: Table) -> tuple[list[Any], list[Any]]:
    keys = [c for c in table.primary_key.columns if c.name != "shard"]
    return keys, [c for c in table.c if not c.primary_key]


def _sums(conn: Connection, table: Table) -> dict[tuple[Any, ...], tuple[int, ...]]:
    keys, values = _split(table)
    rows = conn.execute(select(*keys, *(func.sum(v) for v in values)).group_by(*keys))
    return {tuple(r[: len(keys)]): tuple(int(v) for v in r[len(keys) :]) for r in rows}


def reconcile(conn: Connection) -> int:
    """Replace every counter with its recount from the rows, in ``conn``'s transaction; return how
    many counters (a key of a counter table, all shards together) differed.

    On PostgreSQL (READ COMMITTED) this first takes the counters' gate, an advisory lock every
    trigger holds shared from its first counter write to its transaction's end: taking it exclusive
    waits for every transaction that has written a counter to end, and makes every later one wait
    at its first counter write, before it holds any counter row. Each recount then reads a snapshot
    taken after the gate: it sees every committed change and replaces the deltas they wrote. A
    change not committed by then has not written its counters either (it would hold the gate): its
    rows are not in the snapshot, and its trigger adds its delta on top of the recount afterwards.
    No write is counted twice or lost. (Locking the four counter tables instead deadlocks: a writer
    may hold one table and want the next while the recount holds that one and waits for the first.)
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(COUNTERS_GATE)))
    changed = 0
    for table, recount in RECOUNTS:
        keys, values = _split(table)
        have = _sums(conn, table)
        want = {tuple(r[: len(keys)]): tuple(int(v) for v in r[len(keys) :]) for r in conn.execute(recount)}
        zero = (0,) * len(values)
        changed += sum(1 for key in have.keys() | want.keys() if have.get(key, zero) != want.get(key, zero))
        conn.execute(delete(table))
        rows = [
            {**dict(zip((k.name for k in keys), key, strict=True)), "shard": 0}
            | dict(zip((v.name for v in values), counts, strict=True))
            for key, counts in want.items()
            if counts != zero
        ]
        for start in range(0, len(rows), 5_000):
            conn.execute(insert(table), rows[start : start + 5_000])
    if conn.dialect.name == "postgresql":
        # the tables were just rewritten: without fresh statistics the planner guessed the reports'
        # joins by their old size (a course report hash-joined all of lesson_counters: 40 ms, not 1)
        conn.execute(text(f"ANALYZE {', '.join(table.name for table, _ in RECOUNTS)}"))
    return changed


_RETRIED = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure


def reconcile_database(database_url: str, *, tries: int = 3) -> int:
    """``reconcile`` in a transaction of its own on the database at ``database_url``.

    A deadlock or serialization failure (not expected: the recount waits only for the gate, and
    holds no lock a writer could hold first) runs the whole reconcile again, up to ``tries`` times.
    """
    url = sync_url(database_url)
    engine = create_engine(url)
    if url.get_backend_name() == "sqlite":
        prepare_sqlite(engine)
    try:
        for attempt in range(1, tries + 1):
            try:
                with engine.begin() as conn:
                    return reconcile(conn)
            except DBAPIError as e:
                if attempt == tries or getattr(e.orig, "sqlstate", None) not in _RETRIED:
                    raise
    finally:
        engine.dispose()
    raise AssertionError("unreachable")

"""Writing the sections: ``COPY`` on PostgreSQL, batched inserts on SQLite, a section per
transaction, each skipped when its first and last rows are there."""

from __future__ import annotations

import io
import json
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, Table, create_engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms_adapters.sql.counters import reconcile
from lms_adapters.sql.engine import prepare_sqlite
from lms_adapters.sql.seed.scale import Scale, seed_uuid
from lms_adapters.sql.seed.sections import SECTIONS, Section
from lms_adapters.sql.urls import sync_url

__all__ = ["Progress", "SeedReport", "seed"]


class Progress:
    """A one-line progress bar on stderr (no dependency)."""

    def __init__(self, label: str, total: int, *, stream: Any = None, enabled: bool = True) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.started = time.monotonic()
        self._last = 0.0

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.2 or self.done >= self.total):
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * 30)
        rate = self.done / max(now - self.started, 1e-6)
        self.stream.write(
            f"\r{self.label:<20} [{bar:<30}] {share * 100:5.1f}% "
            f"{self.done:>10,}/{self.total:,} {rate:,.0f}/s"
        )
        self.stream.flush()

    def finish(self, note: str = "") -> None:
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write(f" {note}\n")
            self.stream.flush()


@dataclass(frozen=True, slots=True)
class SeedReport:
    scale: str
    written: dict[str, int]
    skipped: list[str]
    counts: dict[str, int]


def _exists(conn: Connection, table: Table, row_id: uuid.UUID, key: str = "id") -> bool:
    column = table.c[key]
    return conn.execute(select(column).where(column == row_id).limit(1)).first() is not None


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _write_postgres(conn: Connection, table: Table, rows: Iterable[dict[str, Any]], bar: Progress) -> int:
    columns = [c.name for c in table.columns]
    as_json = {c.name for c in table.columns if isinstance(c.type, JSON)}
    raw = conn.connection.driver_connection
    assert raw is not None
    written = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for batch in _batches(rows, 20_000):
            buffer = io.StringIO()
            for row in batch:
                buffer.write(
                    "\t".join(_copy_text(json.dumps(row[c]) if c in as_json else row[c]) for c in columns)
                )
                buffer.write("\n")
            copy.write(buffer.getvalue())
            written += len(batch)
            bar.advance(len(batch))
    return written


def _write_rows(
    conn: Connection, table: Table, rows: Iterable[dict[str, Any]], bar: Progress, *, postgres: bool
) -> int:
    written = 0
    statement = (pg_insert if postgres else sqlite_insert)(table).on_conflict_do_nothing()
    for batch in _batches(rows, 5_000):
        conn.execute(statement, batch)
        written += len(batch)
        bar.advance(len(batch))
    return written


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def seed(
    database_url: str,
    scale: Scale,
    password_hash: str,
    *,
    sections: Sequence[Section] | None = None,
    progress: bool = True,
    stream: Any = None,
) -> SeedReport:
    """Write the data set for ``scale`` (a migrated database); return what was written."""
    url = sync_url(database_url)
    engine = create_engine(url)
    postgres = url.get_backend_name() == "postgresql"
    if not postgres:
        prepare_sqlite(engine)
    written: dict[str, int] = {}
    skipped: list[str] = []
    counts: dict[str, int] = {}
    try:
        for section in SECTIONS if sections is None else sections:
            with engine.connect() as conn:
                if not section.present(conn):
                    skipped.append(f"{section.name}: tables not present")
                    continue
                table, total = section.table(conn), section.count(scale)
                kind = section.kind or section.name
                last = (total if section.keys is None else section.keys(scale)) - 1
                first = total > 0 and _exists(conn, table, seed_uuid(kind, 0), section.key)
                if total == 0 or (first and _exists(conn, table, seed_uuid(kind, last), section.key)):
                    skipped.append(f"{section.name}: already seeded")
                    counts[section.name] = _count(conn, table)
                    continue
            # One transaction per section: a section is either all there or not at all.
            with engine.begin() as conn:
                if postgres:  # no trigger per copied row: the counters are recounted once, below
                    conn.exec_driver_sql("SET LOCAL lms.counters = 'off'")
                bar = Progress(section.name, total, stream=stream, enabled=progress)
                rows = section.rows(scale, password_hash)
                if postgres and not first:
                    written[section.name] = _write_postgres(conn, table, rows, bar)
                else:  # SQLite, or rows of a smaller seed already there: skip the duplicates
                    written[section.name] = _write_rows(conn, table, rows, bar, postgres=postgres)
                bar.finish()
            if postgres:
                # VACUUM sets the visibility map, so counts use index-only scans from the start
                # (without it, every count visits the table until autovacuum gets there).
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql(f"VACUUM ANALYZE {table.name}")
            with engine.connect() as conn:
                counts[section.name] = _count(conn, table)
        if postgres:  # every run, so the sections of an interrupted one are counted by the next
            with engine.begin() as conn:
                reconcile(conn)
    finally:
        engine.dispose()
    return SeedReport(scale=scale.name, written=written, skipped=skipped, counts=counts)

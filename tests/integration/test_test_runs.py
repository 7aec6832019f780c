"""How this suite runs for someone who sets one variable, or none: the README's PostgreSQL database is
made when missing, tests that need Redis skip without it, and skips are counted by reason."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import PG_URL, needs_pg

ROOT = Path(__file__).resolve().parents[2]
NO_REDIS = "LMS_TEST_REDIS_URL is not set (no Redis to test on)"
# quick files with PostgreSQL-only legs, PostgreSQL + Redis legs, Redis-only tests and plain ones
FILES = [
    "tests/contract/test_migrations_match_tables.py",
    "tests/integration/test_health_and_errors.py",
    "tests/faults/test_faults.py::test_postgres_outage_is_503_fast_and_recovers_without_restart",
    "tests/faults/test_faults.py::test_a_key_held_by_a_killed_server_is_free_once_its_lease_lapses[postgres]",
]


def pytest_run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_TEST_", "PYTEST_"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def skip_lines(output: str) -> dict[str, int]:
    return {reason: int(n) for n, reason in re.findall(r"^SKIPPED +(\d+) x (.+)$", output, flags=re.M)}


def test_skips_are_counted_by_reason_not_listed_one_by_one() -> None:
    done = pytest_run(
        {}, "tests/contract/test_migrations_match_tables.py", "tests/integration/test_health_and_errors.py"
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert not re.search(r"^SKIPPED \[", done.stdout, flags=re.M), done.stdout[-3000:]
    reasons = skip_lines(done.stdout)
    assert reasons["LMS_TEST_DATABASE_URL is not set (no PostgreSQL to test on)"] >= 10, done.stdout[-3000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert f"{sum(reasons.values())} skipped" in summary, summary


@needs_pg
def test_with_only_postgresql_the_database_is_made_and_the_redis_legs_skip() -> None:
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    assert PG_URL
    url = make_url(PG_URL).set(drivername="postgresql")
    name = f"{url.database}_only_pg_{os.getpid()}"[:63]
    own = url.set(database=name).render_as_string(hide_password=False)
    admin = url.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    try:
        done = pytest_run({"LMS_TEST_DATABASE_URL": own}, *FILES)
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-4000:]
        assert "error" not in done.stdout.splitlines()[-1], output[-4000:]
        reasons = skip_lines(done.stdout)
        assert set(reasons) == {NO_REDIS}, output[-4000:]  # nothing else is missing
        assert reasons[NO_REDIS] >= 20, output[-4000:]
        with psycopg.connect(own) as conn:  # made, and migrated by the PostgreSQL leg that ran
            assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

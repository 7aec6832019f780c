"""Units of work for use cases that only read: no transaction round trips on PostgreSQL.

``make_read_engine`` runs PostgreSQL sessions in autocommit: each statement is its own
transaction (its start is the statement's start), while the ordinary unit of work opens one
transaction with ``BEGIN`` first. SQLite keeps its transactions. Connections that went back to
the pool a moment ago are not pinged; older ones are.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text

from lms_adapters.sql import engine as engine_module
from lms_adapters.sql.engine import make_engine, make_read_engine
from lms_adapters.sql.uow import SqlUnitOfWork
from tests.conftest import needs_pg

_SAME_START = text("SELECT xact_start = query_start FROM pg_stat_activity WHERE pid = pg_backend_pid()")


@needs_pg
async def test_reads_run_without_a_transaction_and_writes_with_one(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        async with SqlUnitOfWork(make_read_engine(engine)) as uow:
            assert (await uow.connection.execute(_SAME_START)).scalar_one() is True
        async with SqlUnitOfWork(engine) as uow:
            assert (await uow.connection.execute(_SAME_START)).scalar_one() is False
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=needs_pg)])
async def test_a_read_unit_of_work_sees_committed_rows(backend: str, request: pytest.FixtureRequest) -> None:
    engine = make_engine(request.getfixturevalue("pg_url" if backend == "postgres" else "sqlite_url"))
    try:
        async with SqlUnitOfWork(make_read_engine(engine)) as uow:
            assert await uow.users.get_by_email("nobody@example.com") is None
            assert (await uow.connection.execute(text("SELECT count(*) FROM users"))).scalar_one() == 0
    finally:
        await engine.dispose()


@needs_pg
async def test_only_connections_idle_for_a_while_are_pinged(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(pg_url, pool_size=1)
    pings: list[Any] = []
    original = engine.dialect.do_ping

    def counting_ping(connection: Any) -> bool:
        pings.append(connection)
        return original(connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
    try:
        for _ in range(3):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        assert pings == []  # fresh, then returned a moment ago
        monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", -1.0)
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        assert len(pings) == 1
    finally:
        await engine.dispose()


@needs_pg
async def test_a_connection_that_fails_its_ping_is_replaced(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(pg_url, pool_size=1)
    connects: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda *_: connects.append(object()))
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", -1.0)
        monkeypatch.setattr(engine.dialect, "do_ping", lambda _c: False)
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
        assert len(connects) == 2
    finally:
        await engine.dispose()


@needs_pg
async def test_analytics_run_single_statements_alone_and_several_in_one_snapshot(pg_url: str) -> None:
    from lms_adapters.sql.analytics import SqlAnalyticsQueries

    engine = make_engine(pg_url)
    count = text("SELECT count(*) FROM users")
    try:
        reads = SqlAnalyticsQueries(engine)
        async with reads:
            assert (
                await reads.connection.execute(_SAME_START)
            ).scalar_one() is True  # no transaction around it
            await reads._snapshot()
            setting = text(
                "SELECT current_setting('transaction_isolation'), current_setting('transaction_read_only')"
            )
            assert tuple((await reads.connection.execute(setting)).one()) == ("repeatable read", "on")
            before = (await reads.connection.execute(count)).scalar_one()
            async with engine.begin() as other:  # a user committed meanwhile is not in the snapshot
                await other.execute(
                    text(
                        "INSERT INTO users (id, email, full_name, password_hash, role, is_active,"
                        " mfa_enabled, created_at, updated_at) VALUES (gen_random_uuid(),"
                        " 'snap@example.com', 'Snap', 'x', 'student', true, false, now(), now())"
                    )
                )
            assert (await reads.connection.execute(count)).scalar_one() == before
        async with engine.connect() as conn:  # the snapshot ended with the report
            assert (await conn.execute(count)).scalar_one() == before + 1
    finally:
        await engine.dispose()

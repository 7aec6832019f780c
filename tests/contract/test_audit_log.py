"""The audit log's store against memory, SQLite and PostgreSQL: entries read back with every field,
the filters, newest first, written with their unit of work (or not at all), and rows the database
itself refuses to change or delete."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from lms_adapters.sql.urls import sync_url
from lms_domain.shared.audit import AuditAction, AuditEntry, AuditQuery, AuditTarget, RequestContext
from lms_domain.shared.pagination import PageRequest
from tests.conftest import needs_pg
from tests.contract.conftest import UowFactory

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def entry(action: AuditAction, minutes: int, **kw: object) -> AuditEntry:
    return AuditEntry.of(
        action,
        at=T0 + timedelta(minutes=minutes),
        actor_id=kw.pop("actor_id", None),  # type: ignore[arg-type]
        target_id=kw.pop("target_id", None),  # type: ignore[arg-type]
        context=RequestContext(request_id=f"req-{minutes}", ip="203.0.113.7"),
        **kw,
    )


async def listed(new_uow: UowFactory, query: AuditQuery, page: PageRequest | None = None) -> list[AuditEntry]:
    async with new_uow() as uow:
        items, total = await uow.audit_entries.list(query, page=page or PageRequest(1, 100))
    if page is None:
        assert total == len(items)
    return list(items)


async def test_entries_read_back_filtered_newest_first(new_uow: UowFactory) -> None:
    admin, user, course = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    written = [
        entry(AuditAction.LOGIN_FAILED, 0, target_id=user, failure="invalid_credentials"),
        entry(AuditAction.LOGIN_SUCCEEDED, 1, target_id=user),
        entry(AuditAction.ROLE_CHANGED, 2, actor_id=admin, target_id=user, to="instructor"),
        entry(AuditAction.COURSE_PUBLISHED, 3, actor_id=user, target_id=course),
        entry(
            AuditAction.STAFF_ADDED, 4, actor_id=user, target_id=course, user_id=admin, role="co_instructor"
        ),
    ]
    async with new_uow() as uow:
        for e in written:
            await uow.audit.record(e)
        await uow.commit()
    newest_first = list(reversed(written))
    assert await listed(new_uow, AuditQuery()) == newest_first
    assert await listed(new_uow, AuditQuery(actor_id=user)) == [written[4], written[3]]
    assert await listed(new_uow, AuditQuery(action=AuditAction.LOGIN_SUCCEEDED)) == [written[1]]
    assert await listed(new_uow, AuditQuery(target_type=AuditTarget.USER)) == [
        written[2],
        written[1],
        written[0],
    ]
    assert await listed(new_uow, AuditQuery(target_type=AuditTarget.COURSE, target_id=course)) == [
        written[4],
        written[3],
    ]
    # since and until are inclusive
    window = AuditQuery(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3))
    assert await listed(new_uow, window) == [written[3], written[2], written[1]]
    assert await listed(new_uow, AuditQuery(since=T0 + timedelta(minutes=5))) == []
    # pages
    async with new_uow() as uow:
        items, total = await uow.audit_entries.list(AuditQuery(), page=PageRequest(2, 2))
    assert (list(items), total) == (newest_first[2:4], 5)
    back = written[4]
    assert (back.ip, back.request_id, back.target_type) == ("203.0.113.7", "req-4", AuditTarget.COURSE)
    assert dict(back.details) == {"user_id": str(admin), "role": "co_instructor"}


async def test_an_entry_commits_with_its_unit_or_not_at_all(new_uow: UowFactory) -> None:
    async with new_uow() as uow:
        await uow.audit.record(entry(AuditAction.COURSE_DELETED, 0, target_id=uuid.uuid4()))
        # left without commit: rolled back
    assert await listed(new_uow, AuditQuery()) == []


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=needs_pg)])
@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET action = 'auth.login_succeeded'", "DELETE FROM audit_log"]
)
def test_the_database_refuses_to_change_or_delete_an_entry(
    request: pytest.FixtureRequest, backend: str, statement: str
) -> None:
    url = request.getfixturevalue("pg_url" if backend == "postgres" else "sqlite_url")
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_log (id, at, action, target_type, details) "
                    "VALUES (:id, :at, 'auth.login_failed', 'user', '{}')"
                ),
                {"id": uuid.uuid4().hex if backend == "sqlite" else uuid.uuid4(), "at": T0},
            )
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 1
    finally:
        engine.dispose()


def test_details_hold_no_free_text() -> None:
    with pytest.raises(ValueError, match="audit details"):
        AuditEntry.of(AuditAction.LOGIN_FAILED, at=T0, actor_id=None, target_id=None, email="ann@example.com")
    with pytest.raises(ValueError, match="audit details"):
        AuditEntry.of(
            AuditAction.CERTIFICATE_REVOKED, at=T0, actor_id=None, target_id=None, reason="Ann Lee cheated"
        )
    for action in AuditAction:
        assert action.target in AuditTarget
    assert AuditAction.LOCKED_OUT.target is AuditTarget.USER
    assert AuditAction.QUESTION_REGRADED.target is AuditTarget.QUESTION

"""The erasure's ports against memory, SQLite and PostgreSQL: what ``erase`` removes and lists for
deletion, whose courses count, the blob deletions' schedule, the erased user left out of every
read of users, and the active admins."""

from __future__ import annotations

import uuid
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.tables import users
from lms_adapters.sql.uow import SqlUnitOfWork
from lms_domain.identity.entities import User
from lms_domain.shared.actors import Role
from lms_domain.shared.pagination import PageRequest
from tests.conftest import needs_pg
from tests.contract.conftest import UowFactory
from tests.contract.test_stored_file_repository import T0, stored


async def person(new_uow: UowFactory, role: Role = Role.STUDENT, *, active: bool = True) -> User:
    user = User(
        id=uuid.uuid4(),
        email=f"{uuid.uuid4().hex[:8]}@example.com",
        full_name="Pat Person",
        password_hash="x",
        role=role,
        is_active=active,
        created_at=T0,
        updated_at=T0,
    )
    async with new_uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def erase(new_uow: UowFactory, user_id: UUID) -> int:
    async with new_uow() as uow:
        user = await uow.users.get(user_id, for_update=True)
        assert user is not None
        queued = int(await uow.erasure.erase(user_id, at=T0))
        user.erase(T0)
        await uow.users.update(user)
        await uow.commit()
    return queued


async def test_erase_lists_the_files_bytes_removes_their_rows_and_hides_the_user(new_uow: UowFactory) -> None:
    user, other = await person(new_uow), await person(new_uow)
    mine, theirs = stored(user.id), stored(other.id)
    async with new_uow() as uow:
        await uow.files.add(mine)
        await uow.files.add(theirs)
        await uow.commit()
    assert await erase(new_uow, user.id) == 1
    async with new_uow() as uow:
        assert await uow.files.get(mine.id) is None
        assert await uow.files.get(theirs.id) == theirs
        assert [p.key for p in await uow.blob_deletions.due(now=T0, limit=10)] == [mine.stored_filename]
        assert await uow.users.get(user.id) is None
        assert await uow.users.get_by_email(user.email) is None
        assert await uow.users.get_by_email(f"erased:{user.id}") is None
        listed, total = await uow.users.list(page=PageRequest(1, 50))
        assert [u.id for u in listed] == [other.id] and total == 1
        assert await uow.personal_data.profile(user.id) is None
    # the address is free again
    again = await person(new_uow)
    again.email = user.email
    async with new_uow() as uow:
        again.id = uuid.uuid4()
        await uow.users.add(again)
        await uow.commit()


async def test_blob_deletions_come_due_and_go_once_done(new_uow: UowFactory) -> None:
    user = await person(new_uow)
    files = [stored(user.id) for _ in range(3)]
    async with new_uow() as uow:
        for f in files:
            await uow.files.add(f)
        await uow.commit()
    assert await erase(new_uow, user.id) == 3
    keys = sorted(f.stored_filename for f in files)
    async with new_uow() as uow:
        due = await uow.blob_deletions.due(now=T0, limit=10)
        assert sorted(p.key for p in due) == keys and {p.attempts for p in due} == {0}
        assert len(await uow.blob_deletions.due(now=T0, limit=2)) == 2
        assert await uow.blob_deletions.due(now=T0 - timedelta(seconds=1), limit=10) == []
        await uow.blob_deletions.postpone(keys[0], attempts=1, until=T0 + timedelta(minutes=1))
        await uow.blob_deletions.done(keys[1])
        await uow.commit()
    async with new_uow() as uow:
        assert [p.key for p in await uow.blob_deletions.due(now=T0, limit=10)] == [keys[2]]
        later = await uow.blob_deletions.due(now=T0 + timedelta(minutes=1), limit=10)
        assert [(p.key, p.attempts) for p in later] == [(keys[2], 0), (keys[0], 1)]  # oldest due first


async def test_a_deletion_listed_twice_is_listed_once(new_uow: UowFactory) -> None:
    first, second = await person(new_uow), await person(new_uow)
    f = stored(first.id)
    async with new_uow() as uow:
        await uow.files.add(f)
        await uow.commit()
    assert await erase(new_uow, first.id) == 1
    assert await erase(new_uow, second.id) == 0  # nothing of theirs
    async with new_uow() as uow:
        assert len(await uow.blob_deletions.due(now=T0, limit=10)) == 1


async def test_active_admins_are_the_active_unerased_admins_in_id_order(new_uow: UowFactory) -> None:
    admins = [await person(new_uow, Role.ADMIN) for _ in range(3)]
    await person(new_uow, Role.ADMIN, active=False)
    await person(new_uow, Role.INSTRUCTOR)
    await erase(new_uow, admins[0].id)
    async with new_uow() as uow:
        assert list(await uow.users.lock_active_admins()) == sorted(a.id for a in admins[1:])
        assert await uow.erasure.owns_courses(admins[1].id) is False


async def test_the_user_locked_with_the_admins_is_not_counted_among_them(new_uow: UowFactory) -> None:
    admin, student = await person(new_uow, Role.ADMIN), await person(new_uow)
    inactive = await person(new_uow, Role.ADMIN, active=False)
    async with new_uow() as uow:
        assert list(await uow.users.lock_active_admins(and_user=student.id)) == [admin.id]
        assert list(await uow.users.lock_active_admins(and_user=inactive.id)) == [admin.id]
        assert list(await uow.users.lock_active_admins(and_user=admin.id)) == [admin.id]
        assert list(await uow.users.lock_active_admins(and_user=uuid.uuid4())) == [admin.id]


@needs_pg
async def test_the_user_is_locked_in_the_admins_pass(pg_url: str) -> None:
    """On PostgreSQL the user's row is held by the pass itself (another transaction cannot take it),
    so a change that may leave no active admin takes no user row after its ordered pass."""
    engine = make_engine(pg_url)
    try:

        def new_uow() -> SqlUnitOfWork:
            return SqlUnitOfWork(engine)

        student, admin = await person(new_uow), await person(new_uow, Role.ADMIN)
        async with new_uow() as uow:
            await uow.users.lock_active_admins(and_user=student.id)
            for user_id, held in ((student.id, True), (admin.id, True), (uuid.uuid4(), False)):
                async with engine.connect() as other:
                    taking = select(users.c.id).where(users.c.id == user_id).with_for_update(nowait=True)
                    if not held:
                        await other.execute(taking)
                        continue
                    with pytest.raises(DBAPIError) as refused:
                        await other.execute(taking)
                    assert getattr(refused.value.orig, "sqlstate", None) == "55P03"  # lock not available
    finally:
        await engine.dispose()

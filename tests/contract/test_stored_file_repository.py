"""StoredFileRepository against memory, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

from lms_domain.files.entities import StoredFile
from lms_domain.identity.entities import User
from lms_domain.shared.pagination import PageRequest
from tests.contract.conftest import UowFactory

T0 = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


async def owner(new_uow: UowFactory) -> UUID:
    user = User(
        id=uuid.uuid4(),
        email=f"{uuid.uuid4().hex[:8]}@example.com",
        full_name="Owner",
        password_hash="x",
        created_at=T0,
        updated_at=T0,
    )
    async with new_uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user.id


def stored(owner_id: UUID, at: datetime = T0, name: str = 'Zoë\'s "notes".pdf') -> StoredFile:
    file_id = uuid.uuid4()
    return StoredFile(
        id=file_id,
        owner_id=owner_id,
        original_filename=name,
        stored_filename=f"{file_id.hex}.pdf",
        content_type="application/pdf",
        file_size=20 * 1024**3,  # beyond 32 bits
        uploaded_at=at,
    )


async def test_add_get_round_trips_every_field(new_uow: UowFactory) -> None:
    f = stored(await owner(new_uow))
    async with new_uow() as uow:
        await uow.files.add(f)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.files.get(f.id) == f
        assert await uow.files.get(uuid.uuid4()) is None


async def test_leaving_without_commit_rolls_back(new_uow: UowFactory) -> None:
    f = stored(await owner(new_uow))
    async with new_uow() as uow:
        await uow.files.add(f)
    async with new_uow() as uow:
        assert await uow.files.get(f.id) is None


async def test_delete_reports_whether_a_row_went(new_uow: UowFactory) -> None:
    f = stored(await owner(new_uow))
    async with new_uow() as uow:
        await uow.files.add(f)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.files.delete(f.id) is True
        assert await uow.files.delete(f.id) is False
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.files.get(f.id) is None


async def test_list_by_owner_newest_first_and_paged(new_uow: UowFactory) -> None:
    alice, bob = await owner(new_uow), await owner(new_uow)
    alices = [stored(alice, T0 + timedelta(minutes=i)) for i in range(5)]
    async with new_uow() as uow:
        for f in [*alices, stored(bob), stored(bob)]:
            await uow.files.add(f)
        await uow.commit()
    async with new_uow() as uow:
        first, total = await uow.files.list(page=PageRequest(page=1, page_size=2), owner_id=alice)
        last, _ = await uow.files.list(page=PageRequest(page=3, page_size=2), owner_id=alice)
        everyone, all_total = await uow.files.list(page=PageRequest(page=1, page_size=100))
    assert total == 5
    assert [f.id for f in first] == [alices[4].id, alices[3].id]
    assert [f.id for f in last] == [alices[0].id]
    assert all_total == 7 and len(everyone) == 7

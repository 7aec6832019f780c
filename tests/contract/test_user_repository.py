"""UserRepository on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from lms_domain.identity.entities import User
from lms_domain.identity.ports import EmailTaken
from lms_domain.shared.actors import Role
from lms_domain.shared.pagination import PageRequest
from tests.contract.conftest import UowFactory

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def user(
    email: str = "ann@example.com", role: Role = Role.STUDENT, name: str = "Ann Lee", offset: int = 0
) -> User:
    at = NOW + timedelta(seconds=offset)
    return User(
        id=uuid.uuid4(),
        email=email,
        full_name=name,
        password_hash="h",
        role=role,
        created_at=at,
        updated_at=at,
    )


async def test_add_then_get_round_trips_every_field(new_uow: UowFactory) -> None:
    u = user()
    u.last_login_at, u.mfa_secret = NOW + timedelta(hours=1), "SECRET"
    async with new_uow() as uow:
        await uow.users.add(u)
        await uow.commit()
    async with new_uow() as uow:
        got = await uow.users.get(u.id)
        by_email = await uow.users.get_by_email("ANN@example.com")
    assert got == u
    assert by_email == u
    assert got is not None and got.created_at.tzinfo is not None


async def test_leaving_without_commit_rolls_back(new_uow: UowFactory) -> None:
    u = user()
    async with new_uow() as uow:
        await uow.users.add(u)
    async with new_uow() as uow:
        assert await uow.users.get(u.id) is None


async def test_duplicate_email_raises_and_the_transaction_survives(new_uow: UowFactory) -> None:
    first, second, third = user(), user(), user("bob@example.com")
    async with new_uow() as uow:
        await uow.users.add(first)
        with pytest.raises(EmailTaken):
            await uow.users.add(second)
        await uow.users.add(third)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.users.get(third.id) is not None
        assert await uow.users.get(second.id) is None


async def test_update_changes_fields(new_uow: UowFactory) -> None:
    u = user()
    async with new_uow() as uow:
        await uow.users.add(u)
        await uow.commit()
    u.full_name, u.role, u.is_active, u.mfa_enabled = "Ann B", Role.INSTRUCTOR, False, True
    async with new_uow() as uow:
        await uow.users.update(u)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.users.get(u.id) == u


async def test_list_filters_pages_and_escapes_wildcards(new_uow: UowFactory) -> None:
    people = [user(f"s{i}@example.com", offset=i) for i in range(5)]
    people += [
        user("teach@example.com", Role.INSTRUCTOR, "Pro_Fessor", offset=10),
        user("x%y@example.com", Role.STUDENT, "Percent", offset=11),
    ]
    async with new_uow() as uow:
        for p in people:
            await uow.users.add(p)
        await uow.commit()
    async with new_uow() as uow:
        page, total = await uow.users.list(page=PageRequest(2, 2))
        assert total == 7
        assert [u.email for u in page] == ["s2@example.com", "s3@example.com"]
        instructors, n = await uow.users.list(page=PageRequest(), role=Role.INSTRUCTOR)
        assert (n, [u.email for u in instructors]) == (1, ["teach@example.com"])
        _, n = await uow.users.list(page=PageRequest(), query="%")
        assert n == 1
        _, n = await uow.users.list(page=PageRequest(), query="o_f")
        assert n == 1
        _, n = await uow.users.list(page=PageRequest(), query="PRO_F")
        assert n == 1

"""Seeded users: the three demo logins, then instructors and students with made-up names."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from lms_adapters.sql.seed.scale import ANCHOR, DEMO_LOGINS, Scale, seed_uuid

__all__ = ["instructor_index", "student_index", "user_rows"]

FIRST = [
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Ava", "Elijah", "Sophia", "Lucas", "Mia",
    "Levi", "Isabella", "Mateo", "Luna", "Ezra", "Aiko", "Hiro", "Yuki", "Chen", "Wei", "Priya",
    "Arjun", "Fatima", "Omar", "Lea", "Jonas", "Sofia", "Marco", "Ines", "Pedro", "Zoe", "Kai", "Nia",
    "Amara", "Tariq", "Elena", "Ivan", "Olga", "Mikko", "Aino", "Sven", "Freya", "Lars", "Chloe",
    "Hugo", "Camille", "Louis", "Anya", "Dmitri"
]  # fmt: skip
LAST = [
    "Smith", "Johnson", "Garcia", "Brown", "Miller", "Davis", "Martinez", "Lopez", "Wilson", "Anderson",
    "Thomas", "Moore", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Clark", "Lewis",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Nguyen", "Hill", "Green", "Adams",
    "Nakamura", "Tanaka", "Kim", "Park", "Singh", "Patel", "Khan", "Ali", "Muller", "Schmidt", "Rossi",
    "Bianchi", "Dubois", "Moreau", "Silva", "Santos", "Kowalski", "Novak", "Virtanen", "Hansen"
]  # fmt: skip


def user_rows(scale: Scale, password_hash: str) -> Iterator[dict[str, Any]]:
    rng = random.Random(1)  # noqa: S311 (made-up names, not secrets)
    index = 0
    for email, role, name in DEMO_LOGINS:
        at = ANCHOR - timedelta(days=400)
        yield _user_row(index, email=email, name=name, role=role, pw=password_hash, at=at)
        index += 1
    for n in range(scale.instructors + scale.students):
        first, last = FIRST[rng.randrange(len(FIRST))], LAST[rng.randrange(len(LAST))]
        role = "instructor" if n < scale.instructors else "student"
        at = ANCHOR - timedelta(days=390) + timedelta(seconds=n * 340_000_00 // max(1, scale.students))
        email = f"{first}.{last}.{n}@example.com".lower()
        yield _user_row(index, email=email, name=f"{first} {last}", role=role, pw=password_hash, at=at)
        index += 1


def _user_row(index: int, *, email: str, name: str, role: str, pw: str, at: datetime) -> dict[str, Any]:
    return {
        "id": seed_uuid("user", index),
        "email": email,
        "full_name": name,
        "password_hash": pw,
        "role": role,
        "is_active": True,
        "mfa_enabled": False,
        "mfa_secret": None,
        "created_at": at,
        "updated_at": at,
        "last_login_at": None,
        "credentials_version": 0,
        "credentials_session_id": None,
        "erased_at": None,
        "email_verified": True,
    }


def instructor_index(scale: Scale, n: int) -> int:
    """The user index of the ``n``-th instructor (the demo instructor is the first)."""
    n %= scale.instructors + 1
    return 1 if n == 0 else len(DEMO_LOGINS) + n - 1


def student_index(scale: Scale, n: int) -> int:
    """The user index of the ``n``-th student (the demo student is the first)."""
    n %= scale.students + 1
    return 2 if n == 0 else len(DEMO_LOGINS) + scale.instructors + n - 1

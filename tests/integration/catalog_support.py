"""Shared by the catalog and learning HTTP tests: one user of each role, and quick builders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.conftest import Api, json_body

__all__ = ["V1", "Cast", "cast", "new_course", "new_lesson", "publish"]

V1 = "/api/v1"


@dataclass
class Cast:
    """One user of each kind, with their headers (anonymous is ``{}``)."""

    owner: dict[str, str]
    other: dict[str, str]
    admin: dict[str, str]
    student: dict[str, str]
    anonymous: dict[str, str]


@pytest.fixture
async def cast(api: Api) -> Cast:
    return Cast(
        owner=api.auth(await api.user_with_role("instructor")),
        other=api.auth(await api.user_with_role("instructor")),
        admin=api.auth(await api.user_with_role("admin")),
        student=api.auth(await api.register()),
        anonymous={},
    )


async def new_course(api: Api, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"title": "Python Basics", "description": "Learn Python fundamentals", **fields}
    r = await api.client.post(f"{V1}/courses", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return json_body(r)


async def publish(api: Api, headers: dict[str, str], course_id: str) -> None:
    r = await api.client.post(f"{V1}/courses/{course_id}/publish", headers=headers)
    assert r.status_code == 200, r.text


async def new_lesson(api: Api, headers: dict[str, str], course_id: str, **fields: Any) -> dict[str, Any]:
    body = {"title": "Intro", "content_type": "text", "content": "secret words", **fields}
    r = await api.client.post(f"{V1}/courses/{course_id}/lessons", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return json_body(r)

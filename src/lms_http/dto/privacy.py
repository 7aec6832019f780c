"""The body of a personal data export, written out piece by piece."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec

from lms_domain.privacy.use_cases import PersonalData

__all__ = ["PersonalDataOut", "stream_export"]

_PARTS = ("enrollments", "attempts", "certificates", "files", "staff_roles", "audit_entries")


class PersonalDataOut(msgspec.Struct, kw_only=True):
    """Everything stored about the user but their credentials; every part but `profile` is a list,
    oldest first."""

    profile: dict[str, Any]
    enrollments: list[dict[str, Any]]
    attempts: list[dict[str, Any]]
    certificates: list[dict[str, Any]]
    files: list[dict[str, Any]]
    staff_roles: list[dict[str, Any]]
    audit_entries: list[dict[str, Any]]


async def stream_export(data: PersonalData, *, batch: int = 200) -> AsyncIterator[bytes]:
    """The export as JSON, a part and a batch of records at a time: a long history is never one
    string in memory besides the records themselves."""
    encode = msgspec.json.encode
    yield b'{"profile":' + encode(data.profile)
    for part in _PARTS:
        rows = getattr(data, part)
        yield b',"' + part.encode() + b'":['
        for start in range(0, len(rows), batch):
            chunk = b",".join(encode(row) for row in rows[start : start + batch])
            yield (b"," if start else b"") + chunk
        yield b"]"
    yield b"}"

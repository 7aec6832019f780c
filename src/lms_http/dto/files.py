"""Bodies of the file endpoints."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from lms_domain.files.entities import StoredFile
from lms_domain.shared.pagination import Page
from lms_http.dto.pages import PageOut, page_fields

__all__ = ["FileOut", "FilePage"]


class FileOut(msgspec.Struct, kw_only=True):
    id: UUID
    original_filename: str
    stored_filename: str
    file_size: int
    content_type: str
    uploaded_at: datetime

    @classmethod
    def of(cls, stored: StoredFile) -> FileOut:
        return cls(
            id=stored.id,
            original_filename=stored.original_filename,
            stored_filename=stored.stored_filename,
            file_size=stored.file_size,
            content_type=stored.content_type,
            uploaded_at=stored.uploaded_at,
        )


class FilePage(PageOut, kw_only=True):
    items: list[FileOut]

    @classmethod
    def of(cls, page: Page[StoredFile]) -> FilePage:
        return cls(
            items=[FileOut.of(f) for f in page.items],
            **page_fields(page),
        )

"""Stored-file metadata in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.tables import stored_files
from lms_domain.files.entities import StoredFile
from lms_domain.shared.pagination import PageRequest

__all__ = ["SqlStoredFileRepository"]


def _file_row(stored: StoredFile) -> dict[str, Any]:
    return {
        "id": stored.id,
        "owner_id": stored.owner_id,
        "original_filename": stored.original_filename,
        "stored_filename": stored.stored_filename,
        "content_type": stored.content_type,
        "file_size": stored.file_size,
        "uploaded_at": stored.uploaded_at,
    }


def _stored_file(row: Any) -> StoredFile:
    return StoredFile(
        id=row.id,
        owner_id=row.owner_id,
        original_filename=row.original_filename,
        stored_filename=row.stored_filename,
        content_type=row.content_type,
        file_size=row.file_size,
        uploaded_at=row.uploaded_at,
    )


class SqlStoredFileRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, file_id: UUID) -> StoredFile | None:
        row = (
            await self._connection.execute(select(stored_files).where(stored_files.c.id == file_id))
        ).first()
        return _stored_file(row) if row else None

    async def add(self, stored: StoredFile) -> None:
        await self._connection.execute(insert(stored_files).values(**_file_row(stored)))

    async def delete(self, file_id: UUID) -> bool:
        result = await self._connection.execute(delete(stored_files).where(stored_files.c.id == file_id))
        return bool(getattr(result, "rowcount", 0))

    async def list(
        self, *, page: PageRequest, owner_id: UUID | None = None
    ) -> tuple[Sequence[StoredFile], int]:
        conditions = [] if owner_id is None else [stored_files.c.owner_id == owner_id]
        total = (
            await self._connection.execute(select(func.count()).select_from(stored_files).where(*conditions))
        ).scalar_one()
        rows = (
            await self._connection.execute(
                select(stored_files)
                .where(*conditions)
                .order_by(stored_files.c.uploaded_at.desc(), stored_files.c.id.desc())
                .limit(page.page_size)
                .offset(page.offset)
            )
        ).all()
        return [_stored_file(r) for r in rows], total

"""Stored-file rows over ``MemoryState`` and blobs in a dict, for unit tests and embedders."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote
from uuid import UUID

from lms_domain.files.entities import StoredFile
from lms_domain.files.ports import BlobNotFound
from lms_domain.shared.errors import TooLarge
from lms_domain.shared.pagination import PageRequest

if TYPE_CHECKING:
    from lms_adapters.memory.uow import MemoryState

__all__ = ["MemoryBlobStorage", "MemoryStoredFileRepository"]


class MemoryStoredFileRepository:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def get(self, file_id: UUID) -> StoredFile | None:
        found = self._state.stored_files.get(file_id)
        return copy.deepcopy(found) if found else None

    async def add(self, stored: StoredFile) -> None:
        self._state.stored_files[stored.id] = copy.deepcopy(stored)

    async def delete(self, file_id: UUID) -> bool:
        return self._state.stored_files.pop(file_id, None) is not None

    async def list(
        self, *, page: PageRequest, owner_id: UUID | None = None
    ) -> tuple[Sequence[StoredFile], int]:
        found = [f for f in self._state.stored_files.values() if owner_id is None or f.owner_id == owner_id]
        found.sort(key=lambda f: (f.uploaded_at, f.id), reverse=True)
        return [copy.deepcopy(f) for f in found[page.offset : page.offset + page.page_size]], len(found)


class MemoryBlobStorage:
    def __init__(self) -> None:
        self.blobs: dict[str, tuple[bytes, str]] = {}

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str, max_bytes: int) -> int:
        data = bytearray()
        async for chunk in chunks:
            data += chunk
            if len(data) > max_bytes:
                raise TooLarge(f"The file is larger than {max_bytes} bytes")
        self.blobs[key] = (bytes(data), content_type)
        return len(data)

    async def delete(self, key: str) -> None:
        self.blobs.pop(key, None)

    async def download_url(self, key: str, *, filename: str, content_type: str, expires_in: timedelta) -> str:
        return f"memory://{quote(key)}?name={quote(filename)}&expires_in={int(expires_in.total_seconds())}"

    async def read(self, key: str) -> AsyncIterator[bytes]:
        if key not in self.blobs:
            raise BlobNotFound(key)
        yield self.blobs[key][0]

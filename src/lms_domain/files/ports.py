"""What the files area needs from the outside world."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from uuid import UUID

from lms_domain.files.entities import StoredFile
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.ports import ReadOnlyUnitOfWork, UnitOfWork

__all__ = [
    "BlobNotFound",
    "BlobStorage",
    "FilesReader",
    "FilesUnitOfWork",
    "SignedBlob",
    "SignedBlobServer",
    "StoredFileReader",
    "StoredFileRepository",
]


class BlobNotFound(Exception):
    """Raised when a key holds no blob."""


class StoredFileReader(Protocol):
    async def get(self, file_id: UUID) -> StoredFile | None: ...
    async def list(
        self, *, page: PageRequest, owner_id: UUID | None = None
    ) -> tuple[Sequence[StoredFile], int]:
        """Newest first; every owner's files when ``owner_id`` is None."""
        ...


class StoredFileRepository(StoredFileReader, Protocol):
    async def add(self, stored: StoredFile) -> None: ...
    async def delete(self, file_id: UUID) -> bool:
        """Remove the row; False if there was none."""
        ...


class FilesReader(ReadOnlyUnitOfWork, Protocol):
    @property
    def files(self) -> StoredFileReader: ...


class FilesUnitOfWork(FilesReader, UnitOfWork, Protocol):
    @property
    def files(self) -> StoredFileRepository: ...


class BlobStorage(Protocol):
    """Bytes by key. Implementations never block the event loop."""

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str, max_bytes: int) -> int:
        """Store the chunks under ``key`` and return the byte count.

        Over ``max_bytes`` raises ``TooLarge``; on that or any other error nothing is
        left under ``key`` (nor anywhere else).
        """
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob; no error if it is already gone."""
        ...

    async def download_url(self, key: str, *, filename: str, content_type: str, expires_in: timedelta) -> str:
        """A URL that serves the bytes without credentials until it expires, with
        ``content_type`` and a ``Content-Disposition`` naming ``filename``."""
        ...

    def read(self, key: str) -> AsyncIterator[bytes]:
        """The stored bytes in chunks; raises ``BlobNotFound``."""
        ...


@dataclass(frozen=True, slots=True)
class SignedBlob:
    """What a signed download URL names, as presented by whoever follows it."""

    key: str
    expires: int
    filename: str
    content_type: str
    signature: str


class SignedBlobServer(Protocol):
    """A blob store that serves its own signed URLs (local disk, through our HTTP route)."""

    def verify(self, signed: SignedBlob) -> None:
        """Raise ``Forbidden`` if the signature is wrong or expired."""
        ...

    async def size(self, key: str) -> int:
        """The blob's size; raises ``BlobNotFound``."""
        ...

    def read(self, key: str) -> AsyncIterator[bytes]: ...

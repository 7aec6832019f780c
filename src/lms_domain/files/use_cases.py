"""Files use cases: upload, list, read metadata, sign a download, delete."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from lms_domain.files.entities import StoredFile, clean_filename
from lms_domain.files.ports import (
    BlobNotFound,
    BlobStorage,
    FilesReader,
    FilesUnitOfWork,
    SignedBlob,
    SignedBlobServer,
)
from lms_domain.files.sniff import SNIFF_BYTES, FileType, TextChecker, sniff
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import NotFound, TooLarge, UnsupportedMediaType
from lms_domain.shared.pagination import Page, PageRequest
from lms_domain.shared.ports import Clock, IdGenerator

__all__ = [
    "BlobDownload",
    "CreateDownloadUrl",
    "DeleteFile",
    "FilePolicy",
    "GetFile",
    "ListFiles",
    "OpenSignedBlob",
    "UploadFile",
]

FILE_NOT_FOUND = "File not found"
UNSUPPORTED = "This type of file is not accepted"


@dataclass(frozen=True, slots=True)
class FilePolicy:
    max_upload_bytes: int = 52_428_800
    download_expiry: timedelta = timedelta(minutes=5)


async def _visible(uow: FilesReader, actor: Actor, file_id: UUID) -> StoredFile:
    stored = await uow.files.get(file_id)
    if stored is None or not stored.visible_to(actor):
        raise NotFound(FILE_NOT_FOUND)
    return stored


class UploadFile:
    """Sniff the first bytes, stream the rest into the blob store, then record the row.

    The blob is written before the unit of work opens, so a long upload holds no
    database transaction; if the row cannot be written the blob is removed.
    """

    def __init__(
        self, uow: FilesUnitOfWork, blobs: BlobStorage, clock: Clock, ids: IdGenerator, policy: FilePolicy
    ) -> None:
        self._uow, self._blobs, self._clock, self._ids, self._policy = uow, blobs, clock, ids, policy

    async def __call__(
        self, *, actor: Actor, filename: str | None, chunks: AsyncIterator[bytes]
    ) -> StoredFile:
        original = clean_filename(filename)
        head, complete = bytearray(), False
        while len(head) < SNIFF_BYTES:
            try:
                head += await anext(chunks)
            except StopAsyncIteration:
                complete = True
                break
        if len(head) > self._policy.max_upload_bytes:
            raise TooLarge(f"The file is larger than {self._policy.max_upload_bytes} bytes")
        kind = sniff(bytes(head), complete=complete, filename=original)
        if kind is None:
            raise UnsupportedMediaType(UNSUPPORTED)
        file_id = self._ids.new_id()
        stored_name = f"{file_id.hex}{kind.extension}"
        size = await self._blobs.put(
            stored_name,
            _checked(bytes(head), chunks, kind),
            content_type=kind.content_type,
            max_bytes=self._policy.max_upload_bytes,
        )
        stored = StoredFile(
            id=file_id,
            owner_id=actor.user_id,
            original_filename=original,
            stored_filename=stored_name,
            content_type=kind.content_type,
            file_size=size,
            uploaded_at=self._clock.now(),
        )
        try:
            async with self._uow as uow:
                await uow.files.add(stored)
                await uow.commit()
        except BaseException:
            await self._blobs.delete(stored_name)
            raise
        return stored


async def _checked(head: bytes, rest: AsyncIterator[bytes], kind: FileType) -> AsyncIterator[bytes]:
    """The whole stream again; text is checked to its end, not only its head."""
    checker = TextChecker() if kind.is_text else None
    if checker and not checker.feed(head):
        raise UnsupportedMediaType(UNSUPPORTED)
    yield head
    async for chunk in rest:
        if checker and not checker.feed(chunk):
            raise UnsupportedMediaType(UNSUPPORTED)
        yield chunk
    if checker and not checker.finish():
        raise UnsupportedMediaType(UNSUPPORTED)


class ListFiles:
    def __init__(self, uow: FilesReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, page: PageRequest) -> Page[StoredFile]:
        async with self._uow as uow:
            items, total = await uow.files.list(page=page, owner_id=None if actor.is_admin else actor.user_id)
        return Page.of(items, total, page)


class GetFile:
    def __init__(self, uow: FilesReader) -> None:
        self._uow = uow

    async def __call__(self, *, actor: Actor, file_id: UUID) -> StoredFile:
        async with self._uow as uow:
            return await _visible(uow, actor, file_id)


class CreateDownloadUrl:
    def __init__(self, uow: FilesReader, blobs: BlobStorage, policy: FilePolicy) -> None:
        self._uow, self._blobs, self._policy = uow, blobs, policy

    async def __call__(self, *, actor: Actor, file_id: UUID) -> str:
        async with self._uow as uow:
            stored = await _visible(uow, actor, file_id)
        return await self._blobs.download_url(
            stored.stored_filename,
            filename=stored.original_filename,
            content_type=stored.content_type,
            expires_in=self._policy.download_expiry,
        )


class DeleteFile:
    """The row goes in one transaction; the bytes after it commits (an orphaned blob is
    harmless, a row without its bytes is not)."""

    def __init__(self, uow: FilesUnitOfWork, blobs: BlobStorage) -> None:
        self._uow, self._blobs = uow, blobs

    async def __call__(self, *, actor: Actor, file_id: UUID) -> None:
        async with self._uow as uow:
            stored = await _visible(uow, actor, file_id)
            if not await uow.files.delete(file_id):
                raise NotFound(FILE_NOT_FOUND)
            await uow.commit()
        await self._blobs.delete(stored.stored_filename)


@dataclass(frozen=True, slots=True)
class BlobDownload:
    content_type: str
    filename: str
    size: int
    chunks: AsyncIterator[bytes]


class OpenSignedBlob:
    """Follow a signed URL of the local store: check it, then stream the bytes."""

    def __init__(self, server: SignedBlobServer) -> None:
        self._server = server

    async def __call__(self, *, signed: SignedBlob) -> BlobDownload:
        self._server.verify(signed)
        try:
            size = await self._server.size(signed.key)
        except BlobNotFound:
            raise NotFound(FILE_NOT_FOUND) from None
        return BlobDownload(
            content_type=signed.content_type,
            filename=signed.filename,
            size=size,
            chunks=self._server.read(signed.key),
        )

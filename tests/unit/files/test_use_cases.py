"""Files use cases on the in-memory adapters."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from lms_adapters.memory.files import MemoryBlobStorage
from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_domain.files import use_cases as uc
from lms_domain.shared.actors import Role
from lms_domain.shared.errors import NotFound, TooLarge, UnsupportedMediaType
from lms_domain.shared.pagination import PageRequest
from tests.builders import FixedClock, SequentialIds, actor

PDF = b"%PDF-1.5\n" + os.urandom(1000)


async def chunks(data: bytes, size: int = 100) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


class Harness:
    def __init__(self, max_bytes: int = 10_000) -> None:
        self.state, self.blobs, self.clock = MemoryState(), MemoryBlobStorage(), FixedClock()
        self.policy = uc.FilePolicy(max_upload_bytes=max_bytes, download_expiry=timedelta(minutes=5))
        self.upload = uc.UploadFile(self.uow(), self.blobs, self.clock, SequentialIds(), self.policy)

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.state)


async def test_upload_records_sniffed_type_generated_name_and_size() -> None:
    h, owner = Harness(), actor()
    stored = await h.upload(actor=owner, filename="../secret/report.PDF", chunks=chunks(PDF))
    assert (stored.original_filename, stored.content_type, stored.file_size) == (
        "report.PDF",
        "application/pdf",
        len(PDF),
    )
    assert stored.stored_filename == f"{stored.id.hex}.pdf"
    assert (stored.owner_id, stored.uploaded_at) == (owner.user_id, h.clock.now())
    assert h.blobs.blobs[stored.stored_filename] == (PDF, "application/pdf")
    assert h.state.stored_files[stored.id] == stored


@pytest.mark.parametrize("size", [10_001, 70_000, 200_000])
async def test_too_large_keeps_nothing(size: int) -> None:
    h = Harness()
    with pytest.raises(TooLarge):
        await h.upload(actor=actor(), filename="a.pdf", chunks=chunks(b"%PDF-" + b"x" * (size - 5), 4096))
    assert (h.blobs.blobs, h.state.stored_files) == ({}, {})


async def test_unsupported_keeps_nothing() -> None:
    h = Harness()
    with pytest.raises(UnsupportedMediaType):
        await h.upload(actor=actor(), filename="a.pdf", chunks=chunks(b"\x7fELF" + b"\x00" * 500))
    late_binary = b"text " * 20_000 + b"\x00"
    with pytest.raises(UnsupportedMediaType):
        await Harness(max_bytes=10**6).upload(
            actor=actor(), filename="a.txt", chunks=chunks(late_binary, 8192)
        )
    assert (h.blobs.blobs, h.state.stored_files) == ({}, {})


async def test_a_failed_row_insert_removes_the_blob() -> None:
    h = Harness()

    class Exploding(MemoryUnitOfWork):
        async def commit(self) -> None:
            raise RuntimeError("database went away")

    upload = uc.UploadFile(Exploding(h.state), h.blobs, h.clock, SequentialIds(), h.policy)
    with pytest.raises(RuntimeError):
        await upload(actor=actor(), filename="a.pdf", chunks=chunks(PDF))
    assert (h.blobs.blobs, h.state.stored_files) == ({}, {})


async def test_owner_and_admin_only() -> None:
    h, owner, other, admin = Harness(), actor(), actor(Role.INSTRUCTOR), actor(Role.ADMIN)
    stored = await h.upload(actor=owner, filename="a.pdf", chunks=chunks(PDF))
    for use_case in (
        uc.GetFile(h.uow()),
        uc.CreateDownloadUrl(h.uow(), h.blobs, h.policy),
        uc.DeleteFile(h.uow(), h.blobs),
    ):
        with pytest.raises(NotFound):
            await use_case(actor=other, file_id=stored.id)
    assert stored.stored_filename in h.blobs.blobs
    assert await uc.GetFile(h.uow())(actor=admin, file_id=stored.id) == stored
    url = await uc.CreateDownloadUrl(h.uow(), h.blobs, h.policy)(actor=owner, file_id=stored.id)
    assert url.endswith("&expires_in=300")
    await uc.DeleteFile(h.uow(), h.blobs)(actor=admin, file_id=stored.id)
    assert (h.blobs.blobs, h.state.stored_files) == ({}, {})
    with pytest.raises(NotFound):
        await uc.DeleteFile(h.uow(), h.blobs)(actor=owner, file_id=stored.id)


async def test_listing_own_files_and_admin_all() -> None:
    h, alice, bob, admin = Harness(), actor(), actor(), actor(Role.ADMIN)
    for who, n in ((alice, 3), (bob, 2)):
        for _ in range(n):
            await h.upload(actor=who, filename="a.pdf", chunks=chunks(PDF))
            h.clock.advance(seconds=1)
    page = await uc.ListFiles(h.uow())(actor=alice, page=PageRequest(page=1, page_size=2))
    assert (page.total, page.pages, len(page.items)) == (3, 2, 2)
    assert all(f.owner_id == alice.user_id for f in page.items)
    assert page.items[0].uploaded_at > page.items[1].uploaded_at
    everyone = await uc.ListFiles(h.uow())(actor=admin, page=PageRequest(page=1, page_size=100))
    assert everyone.total == 5

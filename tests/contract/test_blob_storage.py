"""The BlobStorage port against memory, local disk and a real S3-protocol server (moto over HTTP)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from lms_adapters.local.blobs import LocalBlobStorage
from lms_adapters.memory.files import MemoryBlobStorage
from lms_adapters.minio.blobs import MinioBlobStorage, make_minio
from lms_domain.files.ports import BlobNotFound, SignedBlob
from lms_domain.shared.errors import Forbidden, TooLarge
from tests.conftest import S3_ACCESS_KEY, S3_SECRET_KEY

SECRET = "contract-secret-" + "k" * 32


@pytest.fixture(params=["memory", "local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "memory":
        return MemoryBlobStorage()
    if request.param == "local":
        return LocalBlobStorage(tmp_path / "blobs", SECRET)
    endpoint = request.getfixturevalue("s3_endpoint")
    client = make_minio(endpoint, S3_ACCESS_KEY, S3_SECRET_KEY, secure=False, region="us-east-1")
    return MinioBlobStorage(client, f"contract-{uuid.uuid4().hex[:12]}")


async def chunks_of(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def read_all(store: Any, key: str) -> bytes:
    return b"".join([c async for c in store.read(key)])


async def left_behind(store: Any, tmp_path: Path) -> list[str]:
    """Every object or file the store holds, temporary ones included."""
    if isinstance(store, MemoryBlobStorage):
        return list(store.blobs)
    if isinstance(store, LocalBlobStorage):
        root = tmp_path / "blobs"
        return sorted(p.name for p in root.iterdir()) if root.exists() else []
    client, bucket = store._client, store._bucket
    if not client.bucket_exists(bucket):
        return []
    objects = [o.object_name for o in client.list_objects(bucket, recursive=True)]
    uploads = client._list_multipart_uploads(bucket).uploads  # an aborted upload leaves no parts
    return objects + [u.object_name for u in uploads]


async def test_put_then_read_gives_the_same_bytes(store: Any) -> None:
    data = os.urandom(300_000)
    assert await store.put("a1.bin", chunks_of(data), content_type="application/pdf", max_bytes=10**6) == len(
        data
    )
    assert await read_all(store, "a1.bin") == data


async def test_large_upload_in_several_parts(store: Any) -> None:
    data = os.urandom(11 * 1024 * 1024 + 17)  # more than two S3 parts
    size = await store.put(
        "big.bin", chunks_of(data, 1024 * 1024), content_type="video/mp4", max_bytes=len(data)
    )
    assert size == len(data)
    assert await read_all(store, "big.bin") == data


async def test_empty_blob(store: Any) -> None:
    assert await store.put("empty.txt", chunks_of(b""), content_type="text/plain", max_bytes=10) == 0
    assert await read_all(store, "empty.txt") == b""


@pytest.mark.parametrize("size", [1001, 6 * 1024 * 1024])
async def test_over_the_limit_raises_and_keeps_nothing(store: Any, tmp_path: Path, size: int) -> None:
    limit = 1000 if size == 1001 else 5 * 1024 * 1024 + 1
    with pytest.raises(TooLarge):
        await store.put("too-big.bin", chunks_of(os.urandom(size)), content_type="image/png", max_bytes=limit)
    assert await left_behind(store, tmp_path) == []
    with pytest.raises(BlobNotFound):
        await read_all(store, "too-big.bin")


async def test_exactly_the_limit_is_accepted(store: Any) -> None:
    data = os.urandom(1000)
    assert await store.put("edge.bin", chunks_of(data, 100), content_type="image/png", max_bytes=1000) == 1000


async def test_a_failing_stream_keeps_nothing(store: Any, tmp_path: Path) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"x" * 100_000
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put("broken.bin", broken(), content_type="text/plain", max_bytes=10**6)
    assert await left_behind(store, tmp_path) == []


async def test_delete_removes_and_is_idempotent(store: Any, tmp_path: Path) -> None:
    await store.put("gone.bin", chunks_of(b"abc"), content_type="text/plain", max_bytes=10)
    await store.delete("gone.bin")
    await store.delete("gone.bin")
    with pytest.raises(BlobNotFound):
        await read_all(store, "gone.bin")
    assert await left_behind(store, tmp_path) == []


async def test_reading_a_missing_key_raises(store: Any) -> None:
    with pytest.raises(BlobNotFound):
        await read_all(store, "never-written.bin")


# downloads through URLs


async def test_presigned_s3_url_serves_the_exact_bytes_over_http(s3_endpoint: str) -> None:
    store = MinioBlobStorage(
        make_minio(s3_endpoint, S3_ACCESS_KEY, S3_SECRET_KEY, secure=False, region="us-east-1"),
        "presign-test",
    )
    data = os.urandom(200_000)
    await store.put("doc.pdf", chunks_of(data), content_type="application/pdf", max_bytes=10**6)
    url = await store.download_url(
        "doc.pdf",
        filename='Zoë "report"\n../x.pdf',
        content_type="application/pdf",
        expires_in=timedelta(minutes=5),
    )
    assert url.startswith(f"http://{s3_endpoint}/presign-test/doc.pdf?")
    async with httpx.AsyncClient() as client:
        r = await client.get(url)
        assert r.status_code == 200
        assert r.content == data
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["content-disposition"] == (
            'attachment; filename="Zoe report..x.pdf"; '
            "filename*=UTF-8''Zo%C3%AB%20%22report%22%0A..%2Fx.pdf"
        )
        query = parse_qs(urlsplit(url).query)
        assert query["X-Amz-Expires"] == ["300"]
        assert "X-Amz-Signature" in query


def _signed(url: str) -> SignedBlob:
    parts = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return SignedBlob(
        key=parts.path.rsplit("/", 1)[1],
        expires=int(q["expires"]),
        filename=q["name"],
        content_type=q["type"],
        signature=q["signature"],
    )


async def test_local_signed_url_is_checked(tmp_path: Path) -> None:
    store = LocalBlobStorage(tmp_path, SECRET)
    await store.put("k.pdf", chunks_of(b"%PDF-1.4"), content_type="application/pdf", max_bytes=100)
    url = await store.download_url(
        "k.pdf", filename="naïve.pdf", content_type="application/pdf", expires_in=timedelta(minutes=5)
    )
    assert url.startswith("/api/v1/files/blobs/k.pdf?")
    signed = _signed(url)
    store.verify(signed)
    assert signed.filename == "naïve.pdf"
    for changed in (
        SignedBlob(**{**_fields(signed), "key": "other.pdf"}),
        SignedBlob(**{**_fields(signed), "expires": signed.expires + 1}),
        SignedBlob(**{**_fields(signed), "filename": "evil.pdf"}),
        SignedBlob(**{**_fields(signed), "content_type": "text/html"}),
        SignedBlob(**{**_fields(signed), "signature": "0" * 64}),
    ):
        with pytest.raises(Forbidden, match="Invalid download signature"):
            store.verify(changed)
    another_key = LocalBlobStorage(tmp_path, "another-secret-" + "z" * 32)
    with pytest.raises(Forbidden):
        another_key.verify(signed)


async def test_local_signed_url_expires(tmp_path: Path) -> None:
    import time

    past = LocalBlobStorage(tmp_path, SECRET, now=lambda: time.time() - 301)
    url = await past.download_url(
        "k.pdf", filename="a.pdf", content_type="application/pdf", expires_in=timedelta(minutes=5)
    )
    with pytest.raises(Forbidden, match="expired"):
        LocalBlobStorage(tmp_path, SECRET).verify(_signed(url))


def _fields(signed: SignedBlob) -> dict[str, Any]:
    return {f: getattr(signed, f) for f in ("key", "expires", "filename", "content_type", "signature")}


async def test_local_keys_cannot_escape_the_directory(tmp_path: Path) -> None:
    store = LocalBlobStorage(tmp_path / "blobs", SECRET)
    for key in ("../outside.txt", "a/b.txt", ".tmp-x", ""):
        with pytest.raises(BlobNotFound):
            await store.put(key, chunks_of(b"x"), content_type="text/plain", max_bytes=10)
    assert not (tmp_path / "outside.txt").exists()

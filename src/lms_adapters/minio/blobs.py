"""Blobs in an S3 bucket: streamed multipart uploads and presigned downloads."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta
from typing import Any

from minio import Minio
from minio.error import S3Error

from lms_domain.files.ports import BlobNotFound
from lms_domain.shared.errors import TooLarge
from lms_platform.disposition import attachment_disposition

__all__ = ["MinioBlobStorage", "make_minio"]

PART_SIZE = 5 * 1024 * 1024  # S3's smallest multipart part: at most this much is buffered per upload
CHUNK_SIZE = 256 * 1024


def make_minio(endpoint: str, access_key: str, secret_key: str, *, secure: bool, region: str) -> Minio:
    return Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region)


class _ChunkReader:
    """A blocking ``read(n)`` (what the client wants) over an async iterator of chunks, pulled
    from the event loop; it counts bytes and stops the upload past the limit."""

    def __init__(self, chunks: AsyncIterable[bytes], loop: asyncio.AbstractEventLoop, max_bytes: int) -> None:
        self._iterator = aiter(chunks)
        self._loop, self._max = loop, max_bytes
        self._buffer = bytearray()
        self._done = False
        self.size = 0

    def _pull(self) -> bytes | None:
        future = asyncio.run_coroutine_threadsafe(_next(self._iterator), self._loop)
        return future.result()

    def read(self, n: int = -1) -> bytes:
        while not self._done and (n < 0 or len(self._buffer) < n):
            chunk = self._pull()
            if chunk is None:
                self._done = True
                break
            self.size += len(chunk)
            if self.size > self._max:
                raise TooLarge(f"The file is larger than {self._max} bytes")
            self._buffer += chunk
        size = len(self._buffer) if n < 0 else min(n, len(self._buffer))
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


async def _next(iterator: AsyncIterator[bytes]) -> bytes | None:
    try:
        return await anext(iterator)
    except StopAsyncIteration:
        return None


class MinioBlobStorage:
    def __init__(self, client: Minio, bucket: str) -> None:
        self._client, self._bucket = client, bucket
        self._bucket_ready = False
        self._lock = threading.Lock()

    def _ensure_bucket(self) -> None:
        with self._lock:
            if self._bucket_ready:
                return
            if not self._client.bucket_exists(self._bucket):
                try:
                    self._client.make_bucket(self._bucket)
                except S3Error as e:
                    if e.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
            self._bucket_ready = True

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str, max_bytes: int) -> int:
        reader = _ChunkReader(chunks, asyncio.get_running_loop(), max_bytes)

        def upload() -> None:
            self._ensure_bucket()
            self._client.put_object(
                self._bucket,
                key,
                reader,  # type: ignore[arg-type]
                length=-1,
                part_size=PART_SIZE,
                content_type=content_type,
                num_parallel_uploads=1,
            )

        try:
            await asyncio.to_thread(upload)
        except BaseException:
            # the client aborts its multipart upload; remove a completed object too, to be sure
            await asyncio.shield(asyncio.to_thread(self._remove_quietly, key))
            raise
        return reader.size

    def _remove_quietly(self, key: str) -> None:
        with contextlib.suppress(Exception):  # best effort after a failed upload
            self._client.remove_object(self._bucket, key)

    async def delete(self, key: str) -> None:
        def remove() -> None:
            self._ensure_bucket()
            self._client.remove_object(self._bucket, key)

        await asyncio.to_thread(remove)

    async def download_url(self, key: str, *, filename: str, content_type: str, expires_in: timedelta) -> str:
        def presign() -> str:
            return self._client.presigned_get_object(
                self._bucket,
                key,
                expires=expires_in,
                response_headers={
                    "response-content-type": content_type,
                    "response-content-disposition": attachment_disposition(filename),
                },
            )

        return await asyncio.to_thread(presign)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        def fetch() -> Any:
            self._ensure_bucket()
            try:
                return self._client.get_object(self._bucket, key)
            except S3Error as e:
                if e.code in ("NoSuchKey", "NoSuchObject"):
                    raise BlobNotFound(key) from None
                raise

        response = await asyncio.to_thread(fetch)
        try:
            while chunk := await asyncio.to_thread(response.read, CHUNK_SIZE):
                yield chunk
        finally:
            response.close()
            response.release_conn()

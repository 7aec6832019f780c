"""Blobs on the local disk, downloaded through URLs this service signs and serves."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import re
import secrets
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlencode

from lms_domain.files.ports import BlobNotFound, SignedBlob
from lms_domain.shared.errors import Forbidden, TooLarge

__all__ = ["LocalBlobStorage"]

CHUNK_SIZE = 256 * 1024
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class LocalBlobStorage:
    """Files under ``root``. A blob appears under its key only once complete: chunks go to a
    temporary name in the same directory, then ``os.replace`` moves it into place."""

    def __init__(
        self,
        root: Path,
        secret_key: str,
        *,
        url_path: str = "/api/v1/files/blobs",
        now: Callable[[], float] = time.time,
    ) -> None:
        self._root = Path(root)
        self._secret = secret_key.encode()
        self._url_path = url_path.rstrip("/")
        self._now = now

    def _path(self, key: str) -> Path:
        if not _KEY.match(key) or key.startswith(".tmp-"):
            raise BlobNotFound(key)
        return self._root / key

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str, max_bytes: int) -> int:
        target = self._path(key)
        await asyncio.to_thread(self._root.mkdir, parents=True, exist_ok=True)
        temporary = self._root / f".tmp-{secrets.token_hex(8)}-{key}"
        handle: BinaryIO = await asyncio.to_thread(open, temporary, "xb")
        size = 0
        try:
            try:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"The file is larger than {max_bytes} bytes")
                    if chunk:
                        await asyncio.to_thread(handle.write, chunk)
                await asyncio.to_thread(_flush, handle)
            finally:
                await asyncio.to_thread(handle.close)
            await asyncio.to_thread(os.replace, temporary, target)
        except BaseException:
            await asyncio.to_thread(_unlink, temporary)
            raise
        return size

    async def delete(self, key: str) -> None:
        try:
            path = self._path(key)
        except BlobNotFound:
            return
        await asyncio.to_thread(_unlink, path)

    async def size(self, key: str) -> int:
        path = self._path(key)
        try:
            return (await asyncio.to_thread(path.stat)).st_size
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    async def read(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle: BinaryIO = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK_SIZE):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    # signed URLs

    def _signature(self, key: str, expires: int, filename: str, content_type: str) -> str:
        message = "\n".join((key, str(expires), filename, content_type)).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    async def download_url(self, key: str, *, filename: str, content_type: str, expires_in: timedelta) -> str:
        self._path(key)
        expires = int(self._now() + expires_in.total_seconds())
        query = urlencode(
            {
                "expires": expires,
                "name": filename,
                "type": content_type,
                "signature": self._signature(key, expires, filename, content_type),
            }
        )
        return f"{self._url_path}/{key}?{query}"

    def verify(self, signed: SignedBlob) -> None:
        expected = self._signature(signed.key, signed.expires, signed.filename, signed.content_type)
        if not hmac.compare_digest(expected.encode(), signed.signature.encode()):
            raise Forbidden("Invalid download signature")
        if signed.expires < self._now():
            raise Forbidden("The download link has expired")


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)

"""What a file is, from its first bytes (never from its name or the client's header).

Only the allow-listed kinds are recognised: documents, images, audio, video,
archives and UTF-8 plain text. Everything else (executables, unknown binaries)
is ``None``, which the upload answers with 415.
"""

from __future__ import annotations

import codecs
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = ["SNIFF_BYTES", "FileType", "TextChecker", "sniff"]

SNIFF_BYTES = 64 * 1024
"""How many leading bytes ``sniff`` wants (fewer when the file is shorter)."""


@dataclass(frozen=True, slots=True)
class FileType:
    content_type: str
    extension: str
    is_text: bool = False


PDF = FileType("application/pdf", ".pdf")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")
PPTX = FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx")
ODT = FileType("application/vnd.oasis.opendocument.text", ".odt")
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet", ".ods")
ODP = FileType("application/vnd.oasis.opendocument.presentation", ".odp")
RTF = FileType("application/rtf", ".rtf")
PNG = FileType("image/png", ".png")
JPEG = FileType("image/jpeg", ".jpg")
GIF = FileType("image/gif", ".gif")
WEBP = FileType("image/webp", ".webp")
MP3 = FileType("audio/mpeg", ".mp3")
WAV = FileType("audio/wav", ".wav")
OGG = FileType("audio/ogg", ".ogg")
FLAC = FileType("audio/flac", ".flac")
M4A = FileType("audio/mp4", ".m4a")
MP4 = FileType("video/mp4", ".mp4")
WEBM = FileType("video/webm", ".webm")
ZIP = FileType("application/zip", ".zip")
GZIP = FileType("application/gzip", ".gz")
SEVEN_Z = FileType("application/x-7z-compressed", ".7z")
TAR = FileType("application/x-tar", ".tar")
TEXT = FileType("text/plain", ".txt", is_text=True)
CSV = FileType("text/csv", ".csv", is_text=True)
MARKDOWN = FileType("text/markdown", ".md", is_text=True)

_TEXT_BY_EXTENSION = {".csv": CSV, ".md": MARKDOWN, ".markdown": MARKDOWN}
_ODF = {
    b"application/vnd.oasis.opendocument.text": ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": ODS,
    b"application/vnd.oasis.opendocument.presentation": ODP,
}
_OOXML_PARTS = ((b"word/", DOCX), (b"xl/", XLSX), (b"ppt/", PPTX))
_OOXML_TYPES = (
    (b"wordprocessingml.document.main", DOCX),
    (b"spreadsheetml.sheet.main", XLSX),
    (b"presentationml.presentation.main", PPTX),
)
_SIMPLE: tuple[tuple[bytes, FileType], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"{\\rtf", RTF),
    (b"OggS", OGG),
    (b"fLaC", FLAC),
    (b"\x1f\x8b\x08", GZIP),
    (b"7z\xbc\xaf\x27\x1c", SEVEN_Z),
)
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def sniff(head: bytes, *, complete: bool, filename: str = "") -> FileType | None:
    """The allow-listed type of a file starting with ``head``, or None.

    ``complete`` says ``head`` is the whole file. The name only chooses between the
    plain-text flavours (``.csv``, ``.md``) once the content is known to be text.
    """
    for magic, kind in _SIMPLE:
        if head.startswith(magic):
            return kind
    for check in _CHECKS:  # in this order: an MP3 frame header is the loosest signature
        if (found := check(head)) is not None:
            return found
    checker = TextChecker()
    if checker.feed(head) and (not complete or checker.finish()):
        dot = filename.rfind(".")
        return _TEXT_BY_EXTENSION.get(filename[dot:].lower(), TEXT) if dot > 0 else TEXT
    return None


def _id3(head: bytes) -> FileType | None:
    tagged = head[:3] == b"ID3" and len(head) >= 5 and head[3] in (2, 3, 4) and head[4] != 0xFF
    return MP3 if tagged else None


def _riff(head: bytes) -> FileType | None:
    if head[:4] != b"RIFF":
        return None
    return {b"WEBP": WEBP, b"WAVE": WAV}.get(head[8:12])


def _iso_media(head: bytes) -> FileType | None:
    if head[4:8] != b"ftyp":
        return None
    return M4A if head[8:12] in (b"M4A ", b"M4B ") else MP4


def _webm(head: bytes) -> FileType | None:
    return WEBM if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64] else None


def _zip(head: bytes) -> FileType | None:
    return _zip_kind(head) if head.startswith((b"PK\x03\x04", b"PK\x05\x06")) else None


def _tar(head: bytes) -> FileType | None:
    return TAR if head[257:262] == b"ustar" else None


def _mp3_frame(head: bytes) -> FileType | None:
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    return MP3 if version != 1 and layer == 1 and head[2] >> 4 not in (0, 15) else None


_CHECKS: tuple[Callable[[bytes], FileType | None], ...] = (
    _id3,
    _riff,
    _iso_media,
    _webm,
    _zip,
    _tar,
    _mp3_frame,
)


def _zip_entries(head: bytes) -> Iterator[tuple[bytes, int, bytes]]:
    """(name, compression method, data) of the local entries found in ``head``."""
    offset = 0
    while head[offset : offset + 4] == b"PK\x03\x04" and offset + 30 <= len(head):
        flags, method, _, _, _, size, _, name_len, extra_len = struct.unpack_from(
            "<HHHHIIIHH", head, offset + 6
        )
        name = head[offset + 30 : offset + 30 + name_len]
        start = offset + 30 + name_len + extra_len
        yield name, method, head[start : start + size] if size else head[start : start + 4096]
        if flags & 0x08 or not size:  # sizes follow the data: the next header cannot be found
            return
        offset = start + size


def _zip_kind(head: bytes) -> FileType:
    """Office documents are zips: OOXML has ``[Content_Types].xml``, ODF a stored ``mimetype``."""
    names: list[bytes] = []
    content_types = b""
    for name, method, data in _zip_entries(head):
        names.append(name)
        if name == b"mimetype" and method == 0:
            for mimetype, kind in _ODF.items():
                if data.startswith(mimetype):
                    return kind
        if name == b"[Content_Types].xml":
            content_types = _inflate(data) if method == 8 else data
    if content_types or b"[Content_Types].xml" in names:
        return _ooxml_kind(names, content_types)
    return ZIP


def _ooxml_kind(names: list[bytes], content_types: bytes) -> FileType:
    for prefix, kind in _OOXML_PARTS:
        if any(n.startswith(prefix) for n in names):
            return kind
    for marker, kind in _OOXML_TYPES:
        if marker in content_types:
            return kind
    return ZIP


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompressobj(-15).decompress(data, 1 << 20)
    except zlib.error:
        return b""


class TextChecker:
    """Incremental check that a stream is UTF-8 text without NUL or control characters
    (tabs, line breaks and form feeds are fine)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.ok = True

    def feed(self, chunk: bytes) -> bool:
        if self.ok:
            try:
                text = self._decoder.decode(chunk)
            except UnicodeDecodeError:
                self.ok = False
            else:
                self.ok = _CONTROL.search(text) is None
        return self.ok

    def finish(self) -> bool:
        return self.feed(b"") and self._final()

    def _final(self) -> bool:
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            self.ok = False
        return self.ok

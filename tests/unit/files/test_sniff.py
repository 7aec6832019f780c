"""Content sniffing: each allow-listed kind from its magic bytes, everything else refused."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms_domain.files.sniff import TextChecker, sniff


def zipped(entries: list[tuple[str, bytes]], *, store_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for i, (name, data) in enumerate(entries):
            z.writestr(name, data, compress_type=zipfile.ZIP_STORED if store_first and i == 0 else None)
    return buffer.getvalue()


CT = (
    b'<?xml version="1.0"?><Types>'
    b'<Override ContentType="application/vnd.openxmlformats-officedocument.%s"/></Types>'
)


def tarred() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as t:
        info = tarfile.TarInfo("hello.txt")
        info.size = 5
        t.addfile(info, io.BytesIO(b"hello"))
    return buffer.getvalue()


CASES = [
    (b"%PDF-1.7\n" + os.urandom(100), "application/pdf", ".pdf"),
    (
        zipped(
            [
                ("[Content_Types].xml", CT % b"wordprocessingml.document.main+xml"),
                ("word/document.xml", b"<w/>"),
            ]
        ),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
    ),
    (
        zipped([("[Content_Types].xml", CT % b"spreadsheetml.sheet.main+xml"), ("xl/workbook.xml", b"<x/>")]),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsx",
    ),
    (
        zipped(
            [("[Content_Types].xml", CT % b"presentationml.presentation.main+xml"), ("ppt/p.xml", b"<p/>")]
        ),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".pptx",
    ),
    (
        zipped([("[Content_Types].xml", CT % b"presentationml.presentation.main+xml")]),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".pptx",
    ),
    (
        zipped(
            [("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<o/>")],
            store_first=True,
        ),
        "application/vnd.oasis.opendocument.text",
        ".odt",
    ),
    (zipped([("notes/readme.txt", b"hi")]), "application/zip", ".zip"),
    (b"PK\x05\x06" + b"\x00" * 18, "application/zip", ".zip"),
    (b"{\\rtf1\\ansi hello}", "application/rtf", ".rtf"),
    (b"\x89PNG\r\n\x1a\n" + os.urandom(50), "image/png", ".png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF" + os.urandom(50), "image/jpeg", ".jpg"),
    (b"GIF89a" + os.urandom(20), "image/gif", ".gif"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 " + os.urandom(20), "image/webp", ".webp"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00" + os.urandom(50), "audio/mpeg", ".mp3"),
    (b"\xff\xfb\x90\x64" + os.urandom(50), "audio/mpeg", ".mp3"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt " + os.urandom(20), "audio/wav", ".wav"),
    (b"OggS\x00\x02" + os.urandom(20), "audio/ogg", ".ogg"),
    (b"fLaC\x00\x00\x00\x22" + os.urandom(20), "audio/flac", ".flac"),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" + os.urandom(20), "video/mp4", ".mp4"),
    (b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00" + os.urandom(20), "audio/mp4", ".m4a"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + os.urandom(20), "video/webm", ".webm"),
    (b"\x1f\x8b\x08\x00" + os.urandom(20), "application/gzip", ".gz"),
    (b"7z\xbc\xaf\x27\x1c\x00\x04" + os.urandom(20), "application/x-7z-compressed", ".7z"),
    (tarred(), "application/x-tar", ".tar"),
    ("Hello, wörld!\n\tTabs and\r\nCRLF\f".encode(), "text/plain", ".txt"),
    (b"", "text/plain", ".txt"),
]


@pytest.mark.parametrize(("data", "content_type", "extension"), CASES)
def test_allow_listed_kinds(data: bytes, content_type: str, extension: str) -> None:
    kind = sniff(data, complete=True, filename="whatever.bin")
    assert kind is not None
    assert (kind.content_type, kind.extension) == (content_type, extension)


@pytest.mark.parametrize(
    "data",
    [
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40,  # Linux executable
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00",  # Windows executable
        b"\xca\xfe\xba\xbe\x00\x00\x00\x34",  # Java class / Mach-O fat binary
        b"\xcf\xfa\xed\xfe\x07\x00\x00\x01",  # Mach-O
        b"hello\x00world",  # NUL
        b"bell\x07",  # control character
        b"esc \x1b[31m red",
        b"\xc3\x28 invalid UTF-8",
        "C1 control \u0085".encode(),
        b"\x1a\x45\xdf\xa3 matroska only",  # Matroska other than WebM
    ],
)
def test_everything_else_is_refused(data: bytes) -> None:
    assert sniff(data, complete=True, filename="invoice.pdf") is None


def test_text_that_starts_like_a_magic_number_stays_text() -> None:
    kind = sniff(b"ID3 looks like an MP3 tag but the version byte is a space", complete=True)
    assert kind is not None and kind.content_type == "text/plain"


def test_text_flavour_follows_the_name_only_for_text() -> None:
    def content_type(head: bytes, filename: str) -> str | None:
        kind = sniff(head, complete=True, filename=filename)
        return None if kind is None else kind.content_type

    assert content_type(b"a,b\n1,2\n", "grades.CSV") == "text/csv"
    assert content_type(b"# Title\n", "README.md") == "text/markdown"
    assert content_type(b"# Title\n", "notes.pdf") == "text/plain"
    assert content_type(b"%PDF-1.4", "a.csv") == "application/pdf"


def test_a_multibyte_character_cut_by_the_head_is_fine_unless_the_file_ends_there() -> None:
    head = "ü".encode()[:1]
    assert sniff(b"abc" + head, complete=False) is not None
    assert sniff(b"abc" + head, complete=True) is None


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=200), st.integers(1, 7))
def test_text_checker_accepts_clean_text_in_any_split(text: str, pieces: int) -> None:
    data = text.encode()
    checker = TextChecker()
    step = max(1, len(data) // pieces)
    for i in range(0, len(data), step):
        assert checker.feed(data[i : i + step])
    assert checker.finish()


@given(
    st.binary(max_size=64),
    st.sampled_from([b"\x00", b"\x01", b"\x7f", b"\xff", b"\xc2\x80"]),
    st.binary(max_size=64),
)
def test_text_checker_refuses_a_bad_byte_anywhere(before: bytes, bad: bytes, after: bytes) -> None:
    checker = TextChecker()
    for piece in (before, bad, after):
        checker.feed(piece)
    assert not checker.finish()

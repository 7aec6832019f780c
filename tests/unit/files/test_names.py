"""Original names kept as metadata, and the download header that carries them."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms_domain.files.entities import clean_filename
from lms_platform.disposition import ascii_fallback, attachment_disposition


@pytest.mark.parametrize(
    ("given_name", "kept"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("C:\\Users\\me\\cv.docx", "cv.docx"),
        ("dir/", "file"),
        ("..", "file"),
        ("", "file"),
        (None, "file"),
        ("  spaced  .txt ", "spaced  .txt"),
        ("new\nline\r.txt", "newline.txt"),
        ("rtl\u202egnp.exe", "rtlgnp.exe"),
        ("Zoë Łukasz.pdf", "Zoë Łukasz.pdf"),
        ("Zoe\u0308.pdf", "Zoë.pdf"),  # normalised to NFC
        ("a" * 300, "a" * 255),
    ],
)
def test_clean_filename(given_name: str | None, kept: str) -> None:
    assert clean_filename(given_name) == kept


@given(st.text(max_size=400))
def test_clean_filename_is_always_safe(name: str) -> None:
    cleaned = clean_filename(name)
    assert 1 <= len(cleaned) <= 255
    assert "/" not in cleaned and "\\" not in cleaned
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in cleaned)
    assert cleaned not in (".", "..")


@given(st.text(min_size=1, max_size=255))
def test_disposition_is_one_header_line_and_round_trips(name: str) -> None:
    header = attachment_disposition(name)
    assert header.isascii() and "\n" not in header and "\r" not in header
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback == ascii_fallback(name)
    assert not set(fallback) & set('"\\/')
    assert unquote(header.split("filename*=UTF-8''", 1)[1]) == name


def test_ascii_fallback_examples() -> None:
    assert ascii_fallback("Ñandú.pdf") == "Nandu.pdf"
    assert ascii_fallback('say "hi".pdf') == "say hi.pdf"
    assert ascii_fallback("李雷") == "download"

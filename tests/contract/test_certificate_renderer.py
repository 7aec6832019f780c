"""The CertificateRenderer port: a real PDF whose text says who, what, which and when, and whose
QR code (read by zbar) is the verification link."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from lms_adapters.pdf.certificates import Fpdf2CertificateRenderer
from lms_domain.credentials.ports import CertificateView
from tests.qr import barcodes

ISSUED = datetime(2026, 3, 14, 15, 9, tzinfo=UTC)


URL = "https://lms.example.com/api/v1/certificates/verify/CERT-2026-004217"
# a public URL with a long host and path: 152 characters, a QR code of version 8 (49 modules)
LONG_URL = (
    "https://certificates.continuing-education.faculty-of-engineering.example.edu"
    "/campus/online/learning-platform/api/v1/certificates/verify/CERT-2026-004217"
)


def view(name: str, course: str = "Python Basics", url: str = URL) -> CertificateView:
    return CertificateView(
        student_name=name,
        course_title=course,
        certificate_number="CERT-2026-004217",
        issued_at=ISSUED,
        verification_url=url,
    )


def text_of(pdf: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    return unicodedata.normalize("NFC", "".join(p.extract_text() for p in reader.pages)), reader


def letters(text: str) -> list[str]:
    return sorted(c for c in text if c.isalpha())


@pytest.mark.parametrize(
    ("name", "course"),
    [
        ("Zoë Łukasz", "Ñandú: Intro to Data"),
        ("李雷", "机器学习入门"),
        ("Ñandú Pérez", "Álgebra — Βασικά, Основы"),
    ],
)
async def test_left_to_right_names_appear_verbatim(name: str, course: str) -> None:
    pdf = await Fpdf2CertificateRenderer().render(view(name, course))
    assert pdf.startswith(b"%PDF-")
    text, reader = text_of(pdf)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    for expected in (name, course, "CERT-2026-004217", "2026-03-14", "certificates/verify/CERT-2026-004217"):
        assert expected in text, expected


@pytest.mark.parametrize("name", ["דוד לוי", "محمد علي"])
async def test_right_to_left_names_keep_their_letters(name: str) -> None:
    text, _ = text_of(await Fpdf2CertificateRenderer().render(view(name)))
    assert "CERT-2026-004217" in text
    line = next(
        ln for ln in text.splitlines() if any(unicodedata.bidirectional(c) in ("R", "AL") for c in ln)
    )
    shown = unicodedata.normalize("NFKC", line)  # Arabic presentation forms back to letters
    assert letters(shown) == letters(name)


async def test_the_fonts_ship_with_the_package() -> None:
    from lms_adapters.pdf.certificates import FONTS_DIR

    names = {p.name for p in FONTS_DIR.iterdir()}
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DroidSansFallbackFull.ttf"} <= names
    assert {"LICENSE-DejaVu.txt", "LICENSE-DroidSansFallback.txt", "LICENSE-Apache-2.0.txt"} <= names


@pytest.mark.parametrize(
    ("name", "course", "url"),
    [
        ("Zoë Łukasz", "Python Basics", URL),
        ("Zoë Łukasz · 李雷 · דוד לוי · محمد علي", "Ñandú: Python Basics — Άλφα, Привет", URL),
        ("李雷", "机器学习入门", LONG_URL),
        ("محمد علي", "Álgebra — Βασικά, Основы", LONG_URL),
        ("x" * 80, "y" * 120, "http://127.0.0.1:8000/api/v1/certificates/verify/CERT-2026-004217"),
    ],
)
async def test_the_qr_code_is_the_verification_url(name: str, course: str, url: str) -> None:
    pdf = await Fpdf2CertificateRenderer().render(view(name, course, url))
    assert barcodes(pdf) == [("QRCODE", url)]  # one symbol on the page, and nothing else
    text, _ = text_of(pdf)
    assert url in text  # printed whole beside it, on one line


async def test_a_url_too_long_for_one_line_wraps_and_its_qr_code_still_reads() -> None:
    url = "https://lms.example.org/" + "segment/" * 30 + "api/v1/certificates/verify/CERT-2026-004217"
    pdf = await Fpdf2CertificateRenderer().render(view("Zoë Łukasz", url=url))
    assert barcodes(pdf) == [("QRCODE", url)]  # 307 characters: version 13, 69 modules
    text, _ = text_of(pdf)
    assert url not in text and url in text.replace("\n", "")  # at 6 pt on two lines, clear of the code

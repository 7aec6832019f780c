"""The CertificateRenderer port: a real PDF whose text says who, what, which and when."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from lms_adapters.pdf.certificates import Fpdf2CertificateRenderer
from lms_domain.credentials.ports import CertificateView

ISSUED = datetime(2026, 3, 14, 15, 9, tzinfo=UTC)


def view(name: str, course: str = "Python Basics") -> CertificateView:
    return CertificateView(
        student_name=name,
        course_title=course,
        certificate_number="CERT-2026-004217",
        issued_at=ISSUED,
        verification_url="https://lms.example.com/api/v1/certificates/verify/CERT-2026-004217",
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

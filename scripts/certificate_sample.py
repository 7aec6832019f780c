"""Render a sample certificate (names in several scripts) and its first page as a PNG.

Usage: python scripts/certificate_sample.py [PDF_PATH] [PNG_PATH]
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2

from lms_adapters.pdf.certificates import Fpdf2CertificateRenderer
from lms_domain.credentials.ports import CertificateView

SAMPLE = CertificateView(
    student_name="Zoë Łukasz · 李雷 · דוד לוי · محمد علي",
    course_title="Ñandú: Python Basics — Άλφα, Привет",
    certificate_number="CERT-2026-000123",
    issued_at=datetime(2026, 11, 27, tzinfo=UTC),
    verification_url="https://lms.example.com/api/v1/certificates/verify/CERT-2026-000123",
)


def main() -> None:
    pdf_path = Path(sys.argv[1] if len(sys.argv) > 1 else "var/certificate-sample.pdf")
    png_path = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/certificate.png")
    pdf = asyncio.run(Fpdf2CertificateRenderer().render(SAMPLE))
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    pdf_path.write_bytes(pdf)
    document = pypdfium2.PdfDocument(pdf)
    document[0].render(scale=1.5).to_pil().save(png_path)
    print(f"wrote {pdf_path} and {png_path}")


if __name__ == "__main__":
    main()

"""Certificates of completion as landscape A4 PDFs.

fpdf2's core fonts are Latin-1 only, so the package ships DejaVu (Latin, Greek,
Cyrillic, Hebrew, Arabic) and Droid Sans Fallback (CJK) and never looks at the
system's fonts. Text shaping (HarfBuzz) joins Arabic letters and orders
right-to-left names; characters DejaVu lacks fall back to Droid.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import TYPE_CHECKING

from lms_domain.credentials.ports import CertificateView

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = ["FONTS_DIR", "Fpdf2CertificateRenderer"]

FONTS_DIR = Path(__file__).parent / "fonts"

_NAVY = (28, 45, 84)
_GOLD = (176, 141, 62)
_GREY = (90, 96, 110)
_LONG_NAME, _LONG_TITLE = 40, 60  # characters: longer ones are printed smaller
# The QR code of the verification link: 30 mm with its quiet zone of 4 modules (about 25 mm of
# modules, which a phone reads from a printed page), in the gold frame's bottom right corner.
_QR_SIZE, _QR_INSET, _QR_BORDER = 30.0, 17.0, 4


class Fpdf2CertificateRenderer:
    def __init__(self, *, issuer: str = "LMS") -> None:
        self._issuer = issuer

    async def render(self, view: CertificateView) -> bytes:
        return await asyncio.to_thread(self.render_sync, view)

    def render_sync(self, view: CertificateView) -> bytes:
        pdf = _document(self._issuer, view.certificate_number)
        _frame(pdf)
        _headline(pdf, view)
        _issue_details(pdf, view)
        _seal(pdf, self._issuer)
        _verification(pdf, view.verification_url)
        return bytes(pdf.output())


def _document(issuer: str, number: str) -> FPDF:
    """An empty landscape A4 page with the shipped fonts, shaping on."""
    # fpdf2 (with fontTools, Pillow and, when installed, numpy) costs 40-90 MB of memory:
    # imported on the first certificate, not in every worker at start.
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(f"Certificate {number}")
    pdf.set_author(issuer)
    pdf.set_creator(issuer)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font("DejaVu", "", str(FONTS_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVuSerif", "B", str(FONTS_DIR / "DejaVuSerif-Bold.ttf"))
    pdf.add_font("Droid", "", str(FONTS_DIR / "DroidSansFallbackFull.ttf"))
    pdf.set_fallback_fonts(["Droid"], exact_match=False)
    pdf.set_text_shaping(True)
    pdf.add_page()
    return pdf


def _frame(pdf: FPDF) -> None:
    """A navy outer border, a thin gold inner one, corner ornaments."""
    width, height = pdf.w, pdf.h
    pdf.set_fill_color(250, 248, 242)
    pdf.rect(0, 0, width, height, style="F")
    pdf.set_draw_color(*_NAVY)
    pdf.set_line_width(2.2)
    pdf.rect(9, 9, width - 18, height - 18)
    pdf.set_draw_color(*_GOLD)
    pdf.set_line_width(0.6)
    pdf.rect(14, 14, width - 28, height - 28)
    pdf.set_fill_color(*_GOLD)
    for x, y in ((14, 14), (width - 14, 14), (14, height - 14), (width - 14, height - 14)):
        pdf.circle(x=x, y=y, radius=2.6, style="F")


def _line(
    pdf: FPDF,
    text: str,
    *,
    y: float,
    size: float,
    family: str = "DejaVu",
    style: str = "",
    color: tuple[int, int, int] = _NAVY,
) -> None:
    """One centred line of text."""
    from fpdf.enums import Align, XPos, YPos

    pdf.set_font(family, style, size)
    pdf.set_text_color(*color)
    pdf.set_xy(25, y)
    pdf.cell(pdf.w - 50, size * 0.5, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _headline(pdf: FPDF, view: CertificateView) -> None:
    """The title, the student's name and the course's."""
    width = pdf.w
    _line(pdf, "CERTIFICATE", y=32, size=34, family="DejaVuSerif", style="B")
    _line(pdf, "OF COMPLETION", y=50, size=15, color=_GOLD, style="B")
    pdf.set_draw_color(*_GOLD)
    pdf.set_line_width(0.4)
    pdf.line(width / 2 - 40, 62, width / 2 + 40, 62)
    _line(pdf, "This certifies that", y=72, size=13, color=_GREY)
    name_size = 30 if len(view.student_name) <= _LONG_NAME else 22
    _line(pdf, view.student_name, y=84, size=name_size, style="B")
    pdf.set_draw_color(*_NAVY)
    pdf.set_line_width(0.3)
    pdf.line(width / 2 - 75, 103, width / 2 + 75, 103)
    _line(pdf, "has successfully completed the course", y=110, size=13, color=_GREY)
    title_size = 20 if len(view.course_title) <= _LONG_TITLE else 14
    _line(pdf, view.course_title, y=122, size=title_size, style="B")


def _issue_details(pdf: FPDF, view: CertificateView) -> None:
    """The date of issue and the certificate number, each above its label."""
    from fpdf.enums import Align

    issued = view.issued_at.strftime("%Y-%m-%d")
    pdf.set_text_color(*_GREY)
    for x, label, value in (
        (45, "Date of issue", issued),
        (pdf.w - 45 - 80, "Certificate number", view.certificate_number),
    ):
        pdf.set_font("DejaVu", "B", 12)
        pdf.set_text_color(*_NAVY)
        pdf.set_xy(x + 5, 150)  # each as wide as its line, so that the QR code below stays clear
        pdf.cell(70, 7, value, align=Align.C)
        pdf.set_draw_color(*_GOLD)
        pdf.line(x + 5, 158, x + 75, 158)
        pdf.set_font("DejaVu", "", 9)
        pdf.set_text_color(*_GREY)
        pdf.set_xy(x + 5, 160)
        pdf.cell(70, 5, label, align=Align.C)


def _seal(pdf: FPDF, issuer: str) -> None:
    from fpdf.enums import Align

    width = pdf.w
    pdf.set_fill_color(*_GOLD)
    pdf.circle(x=width / 2, y=158, radius=13, style="F")
    pdf.set_draw_color(250, 248, 242)
    pdf.set_line_width(0.5)
    pdf.circle(x=width / 2, y=158, radius=10.5, style="D")
    pdf.set_font("DejaVuSerif", "B", 9)
    pdf.set_text_color(250, 248, 242)
    pdf.set_xy(width / 2 - 12, 155.5)
    pdf.cell(24, 5, issuer, align=Align.C)


def _verification(pdf: FPDF, url: str) -> None:
    """Where to verify the certificate: the link, centred under the seal, and its QR code in the
    bottom right corner. The text keeps clear of the code: a URL too wide for its line is set
    smaller, down to 6 pt, and past that wraps."""
    from fpdf.enums import Align, WrapMode, XPos, YPos

    width, height = pdf.w, pdf.h
    qr_x, qr_y = width - _QR_INSET - _QR_SIZE, height - _QR_INSET - _QR_SIZE
    _qr_code(pdf, url, x=qr_x, y=qr_y, size=_QR_SIZE)
    left = width - qr_x + 3  # as far from the left edge as the code (and a gap) from the right
    line = width - 2 * left
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(*_GREY)
    pdf.set_xy(left, height - 30)
    pdf.cell(line, 5, "Verify this certificate at", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    room, needed = line - 2 * pdf.c_margin - 0.5, pdf.get_string_width(url)
    pdf.set_font_size(8 if needed <= room else max(6.0, 8 * room / needed))
    pdf.set_x(left)
    pdf.set_text_color(*_NAVY)
    pdf.multi_cell(line, pdf.font_size_pt * 0.45, url, align=Align.C, link=url, wrapmode=WrapMode.CHAR)


def _qr_code(pdf: FPDF, url: str, *, x: float, y: float, size: float) -> None:
    """``url`` as a QR code ``size`` mm wide at (x, y), its quiet zone of 4 modules included, and a
    link. The dark modules are one filled path of horizontal runs, so that no seam shows between
    neighbouring modules when the page is rasterised."""
    # segno (pure Python, no Pillow) is imported on the first certificate, like fpdf: see _document
    import segno
    from fpdf.drawing_primitives import DeviceRGB

    rows = list(segno.make(url, error="m", micro=False).matrix_iter(border=_QR_BORDER))
    module = size / len(rows)
    with pdf.new_path() as path:
        path.style.fill_color = DeviceRGB(*(c / 255 for c in _NAVY))
        path.style.stroke_color = None
        for r, row in enumerate(rows):
            column = 0
            for dark, run in itertools.groupby(row):
                length = len(list(run))
                if dark:
                    path.rectangle(x + column * module, y + r * module, length * module, module)
                column += length
    pdf.link(x, y, size, size, url)

"""Barcodes read back from a PDF's first page by zbar (through pyzbar), a decoder we did not write,
after pdfium rasterises the page. zbar is a system library (Debian's libzbar0, which ``.ci/run``
installs): without it the tests that read barcodes are skipped, except under CI, where they fail."""

from __future__ import annotations

import os
from typing import Any

import pypdfium2
import pytest

__all__ = ["ZBAR_MISSING", "barcodes", "require_zbar"]

ZBAR_MISSING = "zbar is not installed (apt-get install libzbar0), so QR codes are not read back"


def barcodes(pdf: bytes, *, scale: float = 2.5) -> list[tuple[str, str]]:
    """(type, data) of every barcode zbar finds on page 1, rendered at 72 x ``scale`` dpi."""
    decode = require_zbar()
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=scale).to_pil()
    return [(symbol.type, symbol.data.decode()) for symbol in decode(image)]


def require_zbar() -> Any:
    """pyzbar's ``decode`` (pyzbar loads libzbar when imported). Without libzbar the test is skipped,
    or, under CI (``CI`` set), where ``.ci/run`` installs it, fails."""
    try:
        from pyzbar.pyzbar import decode
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{ZBAR_MISSING}, yet CI is set (.ci/run installs it)")
        pytest.skip(ZBAR_MISSING)
    return decode

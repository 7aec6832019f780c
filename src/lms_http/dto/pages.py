"""What every list answer carries beside its items."""

from __future__ import annotations

from typing import Any

import msgspec

from lms_domain.shared.pagination import Page

__all__ = ["PageOut", "page_fields"]


class PageOut(msgspec.Struct, kw_only=True):
    """Base of every list response: ``{items, total, page, page_size, pages}``."""

    total: int
    page: int
    page_size: int
    pages: int


def page_fields(page: Page[Any]) -> dict[str, int]:
    return {"total": page.total, "page": page.page, "page_size": page.page_size, "pages": page.pages}

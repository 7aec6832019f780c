"""Query parameters shared by the list endpoints."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

from lms_domain.shared.pagination import MAX_PAGE_SIZE, PageRequest

__all__ = ["PageNumber", "PageSize", "page_request"]

PageNumber = Annotated[int, QueryParameter(ge=1, le=1_000_000, description="Page number, from 1")]
PageSize = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description="Items per page, 1-100")]


def page_request(page: int, page_size: int) -> PageRequest:
    return PageRequest(page=page, page_size=page_size)

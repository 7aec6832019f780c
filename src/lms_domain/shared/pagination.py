"""Pages of results."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from lms_domain.shared.errors import InvalidField

__all__ = ["MAX_PAGE_SIZE", "Page", "PageRequest"]

T = TypeVar("T")
U = TypeVar("U")
MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1
    page_size: int = 20

    def __post_init__(self) -> None:
        if self.page < 1:
            raise InvalidField("page", "page must be at least 1")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise InvalidField("page_size", f"page_size must be between 1 and {MAX_PAGE_SIZE}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return (self.total + self.page_size - 1) // self.page_size

    @classmethod
    def of(cls, items: Sequence[T], total: int, request: PageRequest) -> Page[T]:
        return cls(items=items, total=total, page=request.page, page_size=request.page_size)

    def map(self, fn: Callable[[T], U]) -> Page[U]:
        return Page(
            items=[fn(i) for i in self.items], total=self.total, page=self.page, page_size=self.page_size
        )

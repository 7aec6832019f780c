"""The catalog's copies for signed-in reads: what every caller sees alike, kept per worker.

``ListCourses`` and ``GetCourse`` keep pages of published courses, course outlines (a course with
its lessons, without their material) and who may see drafts here (``CatalogCopies``), each with
the catalog's stamp as read when its request started, exactly like the anonymous answers of
``lms_http.public_cache``: a copy is used only while the stamp is unchanged, and every catalog
write renews the stamp before it answers. So a read that starts after a write has answered never
uses a copy made before it, on any worker sharing the stamp (Redis). What depends on the caller
(their enrollment and progress) is never kept: the use cases read it.

Copies live at most ``MAX_AGE_SECONDS`` (a staff member's new name, changes made outside the use
cases), and at most ``MAX_WEIGHT`` courses and lessons are kept, least recently used out first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from uuid import UUID

from lms_domain.catalog.entities import Course
from lms_domain.catalog.ports import CatalogShelf, CourseOutline, CourseQuery
from lms_domain.shared.pagination import PageRequest
from lms_http.names import CATALOG_STAMP
from lms_platform.stamps import Stamps

__all__ = ["MAX_AGE_SECONDS", "MAX_WEIGHT", "StampedCatalogCopies"]

MAX_AGE_SECONDS = 60.0
MAX_WEIGHT = 16_384
"""Courses and lessons kept per worker, all copies together (about 0.5 KB each)."""

_DRAFT_READERS = "draft readers"


@dataclass(frozen=True, slots=True)
class _Copy:
    stamp: str
    stored_at: float
    value: object
    weight: int


class StampedCatalogCopies:
    """``CatalogCopies`` checked against the catalog's stamp (``stamps``' ``CATALOG_STAMP``)."""

    def __init__(
        self,
        stamps: Stamps,
        *,
        max_weight: int = MAX_WEIGHT,
        max_age: float = MAX_AGE_SECONDS,
        name: str = CATALOG_STAMP,
    ) -> None:
        self._stamps, self._name = stamps, name
        self._max_weight, self._max_age = max_weight, max_age
        self._copies: OrderedDict[Hashable, _Copy] = OrderedDict()
        self._weight = 0
        self._last_stamp: str | None = None

    async def shelf(self) -> CatalogShelf | None:
        """Raises ``Unavailable`` when the stamp's store is busy (as the anonymous cache does)."""
        stamp = await self._stamps.current(self._name)
        if stamp is None:
            return None
        if stamp != self._last_stamp:  # the catalog changed: nothing kept can be used again
            self._last_stamp = stamp
            self.clear()
        return _Shelf(self, stamp)

    def find(self, key: Hashable, stamp: str) -> object | None:
        found = self._copies.get(key)
        if found is None:
            return None
        if found.stamp != stamp or time.monotonic() - found.stored_at > self._max_age:
            self._drop(key)
            return None
        self._copies.move_to_end(key)
        return found.value

    def keep(self, key: Hashable, stamp: str, value: object, weight: int) -> None:
        if stamp != self._last_stamp:  # read under a stamp already replaced: of no use to anyone
            return
        self._drop(key)
        self._copies[key] = _Copy(stamp, time.monotonic(), value, weight)
        self._weight += weight
        while self._weight > self._max_weight:
            self._drop(next(iter(self._copies)))

    def _drop(self, key: Hashable) -> None:
        found = self._copies.pop(key, None)
        if found is not None:
            self._weight -= found.weight

    def clear(self) -> None:
        self._copies.clear()
        self._weight = 0

    def __len__(self) -> int:
        return len(self._copies)


class _Shelf:
    """The copies under one reading of the stamp."""

    def __init__(self, copies: StampedCatalogCopies, stamp: str) -> None:
        self._copies, self._stamp = copies, stamp

    def courses(self, query: CourseQuery, page: PageRequest) -> tuple[Sequence[Course], int] | None:
        found = self._copies.find(("courses", query, page), self._stamp)
        return found if isinstance(found, tuple) else None

    def keep_courses(
        self, query: CourseQuery, page: PageRequest, found: tuple[Sequence[Course], int]
    ) -> None:
        items, total = found
        self._copies.keep(("courses", query, page), self._stamp, (tuple(items), total), 1 + len(items))

    def outline(self, course_id: UUID) -> CourseOutline | None:
        found = self._copies.find(("outline", course_id), self._stamp)
        return found if isinstance(found, CourseOutline) else None

    def keep_outline(self, outline: CourseOutline) -> None:
        weight = 1 + len(outline.lessons)
        self._copies.keep(("outline", outline.course.id), self._stamp, outline, weight)

    def draft_readers(self) -> frozenset[UUID] | None:
        found = self._copies.find(_DRAFT_READERS, self._stamp)
        return found if isinstance(found, frozenset) else None

    def keep_draft_readers(self, readers: frozenset[UUID]) -> None:
        self._copies.keep(_DRAFT_READERS, self._stamp, readers, 1 + len(readers) // 16)

"""The catalog's copies for signed-in reads: used only under the stamp they were read under, never
kept when read under a stamp already replaced, bounded and aged like the anonymous answers."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest

from lms_adapters.local.stamps import InProcessStamps
from lms_domain.catalog.entities import ContentType, Course, Lesson
from lms_domain.catalog.ports import CourseOutline, CourseQuery
from lms_domain.shared.pagination import PageRequest
from lms_http.catalog_copies import StampedCatalogCopies
from lms_http.names import CATALOG_STAMP

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def outline(lessons: int = 1) -> CourseOutline:
    course = Course(
        id=uuid.uuid4(), instructor_id=uuid.uuid4(), title="C", slug="c", created_at=NOW, updated_at=NOW
    )
    return CourseOutline(
        course=course,
        lessons=tuple(
            Lesson(
                id=uuid.uuid4(),
                course_id=course.id,
                title=f"L{n}",
                content_type=ContentType.TEXT,
                order=n,
                created_at=NOW,
                updated_at=NOW,
            )
            for n in range(1, lessons + 1)
        ),
    )


async def test_a_copy_is_found_under_its_stamp_only() -> None:
    stamps = InProcessStamps()
    copies, kept = StampedCatalogCopies(stamps), outline()
    shelf = await copies.shelf()
    assert shelf is not None and shelf.outline(kept.course.id) is None
    shelf.keep_outline(kept)
    query, page = CourseQuery(category="data"), PageRequest(2, 5)
    shelf.keep_courses(query, page, ([kept.course], 6))
    shelf.keep_draft_readers(frozenset({kept.course.instructor_id}))
    again = await copies.shelf()
    assert again is not None and again.outline(kept.course.id) is kept
    assert again.courses(query, page) == ((kept.course,), 6)
    assert again.courses(CourseQuery(category="other"), page) is None
    assert again.draft_readers() == frozenset({kept.course.instructor_id})

    await stamps.renew(CATALOG_STAMP)  # a catalog write
    fresh = await copies.shelf()
    assert fresh is not None
    assert (fresh.outline(kept.course.id), fresh.courses(query, page), fresh.draft_readers()) == (None,) * 3
    assert len(copies) == 0


async def test_what_was_read_under_a_replaced_stamp_is_not_kept() -> None:
    stamps = InProcessStamps()
    copies, kept = StampedCatalogCopies(stamps), outline()
    before = await copies.shelf()  # a read starts
    await stamps.renew(CATALOG_STAMP)  # a write answers meanwhile
    after = await copies.shelf()  # a read that starts after it
    assert before is not None and after is not None
    before.keep_outline(kept)  # what the first read found may be older than the write
    assert after.outline(kept.course.id) is None and before.outline(kept.course.id) is None


async def test_no_stamp_no_shelf() -> None:
    class Down(InProcessStamps):
        async def current(self, name: str) -> str | None:
            return None

    assert await StampedCatalogCopies(Down()).shelf() is None


async def test_copies_are_bounded_and_aged(monkeypatch: pytest.MonkeyPatch) -> None:
    copies = StampedCatalogCopies(InProcessStamps(), max_weight=10, max_age=60)
    first, second, third = outline(4), outline(4), outline(4)  # 5 each: two fit
    shelf = await copies.shelf()
    assert shelf is not None
    shelf.keep_outline(first)
    shelf.keep_outline(second)
    assert shelf.outline(first.course.id) is first  # now the most recently used
    shelf.keep_outline(third)
    assert shelf.outline(second.course.id) is None
    assert shelf.outline(first.course.id) is first and shelf.outline(third.course.id) is third
    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert shelf.outline(first.course.id) is None

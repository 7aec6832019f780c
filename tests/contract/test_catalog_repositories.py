"""CourseRepository and LessonRepository on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from lms_domain.catalog.entities import ContentType, DifficultyLevel
from lms_domain.catalog.ports import CourseQuery, CourseSort, LessonOrderTaken, OwnerGone, SlugTaken
from lms_domain.shared.course_access import StaffRole
from lms_domain.shared.pagination import PageRequest
from tests.contract.catalog_data import NOW, completion, course, enrollment, full_course, lesson, user
from tests.contract.conftest import UowFactory


async def owner_in(new_uow: UowFactory) -> uuid.UUID:
    u = user()
    async with new_uow() as uow:
        await uow.users.add(u)
        await uow.commit()
    return u.id


async def test_course_round_trips_every_field(new_uow: UowFactory) -> None:
    c = full_course(await owner_in(new_uow))
    async with new_uow() as uow:
        await uow.courses.add(c)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.courses.get(c.id) == c
        assert await uow.courses.get(c.id, for_update=True) == c
        assert await uow.courses.get(uuid.uuid4()) is None


async def test_an_inactive_or_erased_owner_gets_no_course(new_uow: UowFactory) -> None:
    inactive, erased = user(), user()
    inactive.is_active = False
    async with new_uow() as uow:
        await uow.users.add(inactive)
        await uow.users.add(erased)
        erased.erase(erased.created_at)
        await uow.users.update(erased)
        await uow.commit()
    active = await owner_in(new_uow)
    for owner_id in (inactive.id, erased.id):
        async with new_uow() as uow:
            with pytest.raises(OwnerGone):
                await uow.courses.add(course(owner_id))
            await uow.courses.add(course(active, title=f"Still fine {owner_id}"))
            await uow.commit()  # the transaction goes on


async def test_leaving_without_commit_rolls_back(new_uow: UowFactory) -> None:
    c = course(await owner_in(new_uow))
    async with new_uow() as uow:
        await uow.courses.add(c)
    async with new_uow() as uow:
        assert await uow.courses.get(c.id) is None


async def test_a_taken_slug_raises_and_the_transaction_survives(new_uow: UowFactory) -> None:
    owner = await owner_in(new_uow)
    first, clash, other = (
        course(owner, slug="python"),
        course(owner, slug="python"),
        course(owner, slug="python-2"),
    )
    async with new_uow() as uow:
        await uow.courses.add(first)
        with pytest.raises(SlugTaken):
            await uow.courses.add(clash)
        await uow.courses.add(other)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.courses.get(clash.id) is None
        assert await uow.courses.get(other.id) is not None
        assert await uow.courses.taken_slugs("python") == {"python", "python-2"}
        assert await uow.courses.taken_slugs("pyth") == set()
        assert await uow.courses.taken_slugs("java") == set()


async def test_update_saves_fields(new_uow: UowFactory) -> None:
    c = course(await owner_in(new_uow))
    async with new_uow() as uow:
        await uow.courses.add(c)
        await uow.commit()
    c.title, c.category, c.difficulty_level, c.is_published = "New", "Cat", DifficultyLevel.ADVANCED, True
    c.thumbnail_url, c.estimated_duration_minutes = "http://x.io/a.png", 5
    async with new_uow() as uow:
        await uow.courses.update(c)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.courses.get(c.id) == c


async def test_list_visibility_filters_search_sort_and_pages(new_uow: UowFactory) -> None:
    owner, other = await owner_in(new_uow), await owner_in(new_uow)
    made = [
        course(
            owner,
            "Beta python",
            1,
            is_published=True,
            category="Prog",
            difficulty_level=DifficultyLevel.BEGINNER,
        ),
        course(owner, "alpha draft", 2, description="100% fun"),
        course(other, "Gamma", 3, is_published=True, description="about PYTHON"),
        course(other, "delta draft", 4, description="snake_case"),
    ]
    async with new_uow() as uow:
        for c in made:
            await uow.courses.add(c)
        await uow.commit()

    async def titles(page: PageRequest | None = None, **kw: Any) -> tuple[list[str], int]:
        async with new_uow() as uow:
            items, total = await uow.courses.list(query=CourseQuery(**kw), page=page or PageRequest())
        return [c.title for c in items], total

    assert await titles() == (["Gamma", "Beta python"], 2)
    assert await titles(viewer_id=owner) == (["Gamma", "alpha draft", "Beta python"], 3)
    assert (await titles(include_unpublished=True))[1] == 4
    assert await titles(include_unpublished=True, sort=CourseSort.TITLE) == (
        ["alpha draft", "Beta python", "delta draft", "Gamma"],
        4,
    )
    assert (await titles(include_unpublished=True, sort=CourseSort.CREATED_AT))[0] == [c.title for c in made]
    assert await titles(viewer_id=owner, instructor_id=owner) == (["alpha draft", "Beta python"], 2)
    assert await titles(category="Prog") == (["Beta python"], 1)
    assert await titles(difficulty_level=DifficultyLevel.BEGINNER) == (["Beta python"], 1)
    assert await titles(search="python") == (["Gamma", "Beta python"], 2)
    assert await titles(include_unpublished=True, search="%") == (["alpha draft"], 1)
    assert await titles(include_unpublished=True, search="_") == (["delta draft"], 1)
    page = PageRequest(page=2, page_size=3)
    assert await titles(page, include_unpublished=True, sort=CourseSort.TITLE) == (["Gamma"], 4)
    # the total rides on the page's rows; a page past the end and an empty list still count right
    assert await titles(PageRequest(page=3, page_size=3), include_unpublished=True) == ([], 4)
    assert await titles(PageRequest(page=2, page_size=3), category="none") == ([], 0)
    assert await titles(category="none") == ([], 0)


async def test_remove_cascades_to_lessons_enrollments_and_completions(new_uow: UowFactory) -> None:
    owner, learner = await owner_in(new_uow), await owner_in(new_uow)
    doomed, kept = course(owner), course(owner)
    lessons = [lesson(doomed.id, 1), lesson(kept.id, 1)]
    enrollments = [enrollment(learner, doomed.id), enrollment(learner, kept.id)]
    async with new_uow() as uow:
        for c in (doomed, kept):
            await uow.courses.add(c)
        for v in lessons:
            await uow.lessons.add(v)
        for e in enrollments:
            await uow.enrollments.add(e)
        await uow.completions.add(completion(enrollments[0].id, lessons[0].id))
        await uow.completions.add(completion(enrollments[1].id, lessons[1].id))
        await uow.commit()
    async with new_uow() as uow:
        await uow.courses.remove(doomed.id)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.courses.get(doomed.id) is None
        assert await uow.lessons.get(lessons[0].id) is None
        assert await uow.enrollments.get(enrollments[0].id) is None
        assert await uow.completions.get(enrollments[0].id, lessons[0].id) is None
        assert await uow.lessons.get(lessons[1].id) is not None
        assert await uow.completions.get(enrollments[1].id, lessons[1].id) is not None


async def test_lessons_round_trip_in_order_with_pages(new_uow: UowFactory) -> None:
    c = course(await owner_in(new_uow))
    first = lesson(c.id, 1, content="words", video_url="https://v.io/1", duration_minutes=7, is_preview=True)
    first.content_type = ContentType.VIDEO
    rest = [lesson(c.id, n) for n in (3, 2)]
    async with new_uow() as uow:
        await uow.courses.add(c)
        assert await uow.lessons.next_order(c.id) == 1
        for v in (first, *rest):
            await uow.lessons.add(v)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.lessons.get(first.id) == first
        items, total = await uow.lessons.list_for_course(c.id)
        assert ([v.order for v in items], total) == ([1, 2, 3], 3)
        items, total = await uow.lessons.list_for_course(c.id, page=PageRequest(page=2, page_size=2))
        assert ([v.title for v in items], total) == (["L3"], 3)
        items, total = await uow.lessons.list_for_course(c.id, page=PageRequest(page=3, page_size=2))
        assert (items, total) == ([], 3)
        assert await uow.lessons.next_order(c.id) == 4
        assert await uow.lessons.list_for_course(uuid.uuid4()) == ([], 0)


async def test_a_taken_position_raises_and_the_transaction_survives(new_uow: UowFactory) -> None:
    c = course(await owner_in(new_uow))
    one, clash, two = lesson(c.id, 1), lesson(c.id, 1), lesson(c.id, 2)
    async with new_uow() as uow:
        await uow.courses.add(c)
        await uow.lessons.add(one)
        with pytest.raises(LessonOrderTaken):
            await uow.lessons.add(clash)
        await uow.lessons.add(two)
        await uow.commit()
    async with new_uow() as uow:
        assert [v.id for v in (await uow.lessons.list_for_course(c.id))[0]] == [one.id, two.id]


async def test_update_never_moves_a_lesson(new_uow: UowFactory) -> None:
    c = course(await owner_in(new_uow))
    v = lesson(c.id, 1)
    async with new_uow() as uow:
        await uow.courses.add(c)
        await uow.lessons.add(v)
        await uow.commit()
    v.title, v.order, v.content, v.is_preview = "Renamed", 5, "text", True
    async with new_uow() as uow:
        await uow.lessons.update(v)
        await uow.commit()
    async with new_uow() as uow:
        got = await uow.lessons.get(v.id)
    assert got is not None
    assert (got.title, got.order, got.content, got.is_preview) == ("Renamed", 1, "text", True)


async def test_set_order_renumbers_and_remove_drops_completions(new_uow: UowFactory) -> None:
    owner = await owner_in(new_uow)
    c = course(owner)
    lessons = [lesson(c.id, n) for n in (1, 2, 3, 4)]
    e = enrollment(owner, c.id)
    async with new_uow() as uow:
        await uow.courses.add(c)
        for v in lessons:
            await uow.lessons.add(v)
        await uow.enrollments.add(e)
        await uow.completions.add(completion(e.id, lessons[0].id))
        await uow.commit()
    wanted = [lessons[3].id, lessons[1].id, lessons[0].id, lessons[2].id]
    async with new_uow() as uow:
        await uow.lessons.set_order(c.id, wanted)
        await uow.lessons.set_order(c.id, wanted)  # twice: still no clash with itself
        await uow.commit()
    async with new_uow() as uow:
        items, _ = await uow.lessons.list_for_course(c.id)
        assert [(v.id, v.order) for v in items] == [(i, n) for n, i in enumerate(wanted, start=1)]
        await uow.lessons.remove(lessons[0].id)
        rest = [i for i in wanted if i != lessons[0].id]
        await uow.lessons.set_order(c.id, rest)
        await uow.commit()
    async with new_uow() as uow:
        items, _ = await uow.lessons.list_for_course(c.id)
        assert [(v.id, v.order) for v in items] == [(i, n) for n, i in enumerate(rest, start=1)]
        assert await uow.completions.get(e.id, lessons[0].id) is None
        assert await uow.completions.counts(e.id) == (0, 3)


async def test_draft_readers_are_the_owners_and_staff_of_unpublished_courses(new_uow: UowFactory) -> None:
    published_owner, draft_owner = await owner_in(new_uow), await owner_in(new_uow)
    ta, co, published_ta = await owner_in(new_uow), await owner_in(new_uow), await owner_in(new_uow)
    draft, published = course(draft_owner), course(published_owner, is_published=True)
    async with new_uow() as uow:
        assert await uow.courses.draft_readers() == frozenset()
        for c in (draft, published):
            await uow.courses.add(c)
        await uow.course_staff.add(draft.id, ta, StaffRole.TEACHING_ASSISTANT, at=NOW)
        await uow.course_staff.add(draft.id, co, StaffRole.CO_INSTRUCTOR, at=NOW)
        await uow.course_staff.add(published.id, published_ta, StaffRole.TEACHING_ASSISTANT, at=NOW)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.courses.draft_readers() == {draft_owner, ta, co}
        draft.is_published = True
        await uow.courses.update(draft)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.courses.draft_readers() == frozenset()

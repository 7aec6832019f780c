"""Lesson use cases on in-memory adapters: order, reorder validation, gating."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_domain.catalog import use_cases as cat
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import Forbidden, InvalidRequest, NotFound
from lms_domain.shared.pagination import PageRequest
from tests.unit.catalog.harness import Catalog, admin, instructor, student


async def test_new_lessons_go_last_and_deletes_close_gaps() -> None:
    catalog, owner = Catalog(), instructor()
    course = await catalog.course(owner)
    lessons = [await catalog.lesson(owner, course.id, f"L{n}") for n in range(4)]
    assert [v.order for v in lessons] == [1, 2, 3, 4]
    await catalog.delete_lesson(actor=owner, lesson_id=lessons[0].id)
    listed = await catalog.list_lessons(actor=owner, course_id=course.id, page=PageRequest())
    assert [(v.title, v.order) for v in listed.items] == [("L1", 1), ("L2", 2), ("L3", 3)]
    assert (await catalog.lesson(owner, course.id, "L4")).order == 4


async def test_reorder_takes_a_permutation() -> None:
    catalog, owner = Catalog(), instructor()
    course = await catalog.course(owner)
    a, b, c = [(await catalog.lesson(owner, course.id, t)).id for t in "abc"]
    page = await catalog.reorder_lessons(actor=owner, course_id=course.id, lesson_ids=[b, c, a])
    assert [(v.id, v.order) for v in page.items] == [(b, 1), (c, 2), (a, 3)]
    assert (page.page, page.pages, page.total) == (1, 1, 3)


@pytest.mark.parametrize("case", ["missing", "extra", "foreign", "duplicate", "empty"])
async def test_reorder_refuses_anything_but_a_permutation(case: str) -> None:
    catalog, owner = Catalog(), instructor()
    course, other = await catalog.course(owner), await catalog.course(owner, "Other")
    a, b = [(await catalog.lesson(owner, course.id, t)).id for t in "ab"]
    foreign = (await catalog.lesson(owner, other.id)).id
    ids = {
        "missing": [a],
        "extra": [a, b, uuid.uuid4()],
        "foreign": [a, foreign],
        "duplicate": [a, b, b],
        "empty": [],
    }[case]
    with pytest.raises(InvalidRequest):
        await catalog.reorder_lessons(actor=owner, course_id=course.id, lesson_ids=ids)
    assert [catalog.state.lessons[i].order for i in (a, b)] == [1, 2]


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=8).flatmap(lambda n: st.permutations(list(range(n)))))
async def test_any_permutation_gives_orders_one_to_n(perm: list[int]) -> None:
    catalog, owner = Catalog(), instructor()
    course = await catalog.course(owner)
    ids = [(await catalog.lesson(owner, course.id, f"L{n}")).id for n in range(len(perm))]
    page = await catalog.reorder_lessons(actor=owner, course_id=course.id, lesson_ids=[ids[i] for i in perm])
    assert [v.id for v in page.items] == [ids[i] for i in perm]
    assert [v.order for v in page.items] == list(range(1, len(perm) + 1))


@pytest.mark.parametrize("published", [False, True])
async def test_lesson_writes_by_others(published: bool) -> None:
    catalog, owner = Catalog(), instructor()
    course = await catalog.course(owner, published=published)
    lesson = await catalog.lesson(owner, course.id)
    expected = Forbidden if published else NotFound
    for intruder in (instructor(), student()):
        with pytest.raises(expected):
            await catalog.update_lesson(
                actor=intruder, lesson_id=lesson.id, changes=cat.LessonChanges(title="X")
            )
        with pytest.raises(expected):
            await catalog.delete_lesson(actor=intruder, lesson_id=lesson.id)
        with pytest.raises(expected):
            await catalog.reorder_lessons(actor=intruder, course_id=course.id, lesson_ids=[lesson.id])
        with pytest.raises(expected):
            await catalog.create_lesson(
                actor=intruder,
                course_id=course.id,
                data=cat.NewLesson(title="x", content_type=lesson.content_type),
            )
    updated = await catalog.update_lesson(
        actor=admin(), lesson_id=lesson.id, changes=cat.LessonChanges(title="Y")
    )
    assert updated.title == "Y"


async def test_material_is_shown_to_enrolled_owner_admin_and_for_previews() -> None:
    catalog, owner = Catalog(), instructor()
    course = await catalog.course(owner, published=True)
    locked = await catalog.lesson(owner, course.id, "Locked", video_url="https://v.example/1")
    preview = await catalog.lesson(owner, course.id, "Preview", is_preview=True)
    learner = student()
    await catalog.enroll(actor=learner, course_id=course.id)

    async def material(who: Actor | None) -> list[tuple[str | None, str | None]]:
        listed = await catalog.list_lessons(actor=who, course_id=course.id, page=PageRequest())
        single = [await catalog.get_lesson(actor=who, lesson_id=v.id) for v in (locked, preview)]
        assert [(v.content, v.video_url) for v in listed.items] == [(v.content, v.video_url) for v in single]
        return [(v.content, v.video_url) for v in listed.items]

    entitled: tuple[Actor | None, ...] = (owner, admin(), learner)
    for who in entitled:
        assert await material(who) == [("body", "https://v.example/1"), ("body", None)]
    for who in (None, student(), instructor()):
        assert await material(who) == [(None, None), ("body", None)]
    assert catalog.state.lessons[locked.id].content == "body"  # redaction never reaches storage


async def test_lessons_of_a_draft_are_hidden() -> None:
    catalog, owner = Catalog(), instructor()
    course = await catalog.course(owner)
    lesson = await catalog.lesson(owner, course.id)
    for who in (None, student(), instructor()):
        with pytest.raises(NotFound):
            await catalog.get_lesson(actor=who, lesson_id=lesson.id)
        with pytest.raises(NotFound):
            await catalog.list_lessons(actor=who, course_id=course.id, page=PageRequest())

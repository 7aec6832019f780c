"""Course use cases on in-memory adapters: roles, visibility, slugs and validation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms_domain.catalog import use_cases as cat
from lms_domain.catalog.entities import DifficultyLevel
from lms_domain.catalog.ports import CourseSort
from lms_domain.catalog.values import slug_candidate, slugify
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import Forbidden, InvalidField, NotFound, Unauthorized
from lms_domain.shared.pagination import PageRequest
from tests.unit.catalog.harness import Catalog, admin, instructor, student


async def test_students_cannot_create_courses() -> None:
    catalog = Catalog()
    with pytest.raises(Forbidden):
        await catalog.create_course(actor=student(), data=cat.NewCourse(title="Mine"))
    assert catalog.state.courses == {}


async def test_a_new_course_is_an_unpublished_draft_of_its_creator() -> None:
    catalog, owner = Catalog(), instructor()
    course = await catalog.course(owner, "  Python Basics ")
    stored = catalog.state.courses[course.id]
    assert (stored.title, stored.slug, stored.instructor_id, stored.is_published) == (
        "Python Basics",
        "python-basics",
        owner.user_id,
        False,
    )


@pytest.mark.parametrize("who", ["owner", "admin"])
async def test_owner_and_admin_see_drafts(who: str) -> None:
    catalog, owner = Catalog(), instructor()
    course = await catalog.course(owner)
    detail = await catalog.get_course(actor=owner if who == "owner" else admin(), course_id=course.id)
    assert detail.course.id == course.id


@pytest.mark.parametrize("who", [None, "student", "instructor"])
async def test_others_get_404_on_drafts_and_see_published(who: str | None) -> None:
    catalog, owner = Catalog(), instructor()
    viewer = {None: None, "student": student(), "instructor": instructor()}[who]
    course = await catalog.course(owner)
    with pytest.raises(NotFound):
        await catalog.get_course(actor=viewer, course_id=course.id)
    await catalog.publish_course(actor=owner, course_id=course.id)
    assert (await catalog.get_course(actor=viewer, course_id=course.id)).course.is_published


@pytest.mark.parametrize("published", [False, True])
async def test_writes_by_others_are_404_hidden_or_403_visible(published: bool) -> None:
    catalog, owner = Catalog(), instructor()
    course = await catalog.course(owner, published=published)
    expected = Forbidden if published else NotFound
    for intruder in (instructor(), student()):
        with pytest.raises(expected):
            await catalog.update_course(
                actor=intruder, course_id=course.id, changes=cat.CourseChanges(title="X")
            )
        with pytest.raises(expected):
            await catalog.publish_course(actor=intruder, course_id=course.id)
        with pytest.raises(expected):
            await catalog.delete_course(actor=intruder, course_id=course.id)
    assert catalog.state.courses[course.id].title == "Python Basics"
    assert catalog.state.courses[course.id].is_published is published


async def test_update_keeps_left_out_fields_and_clears_given_nones() -> None:
    catalog, owner = Catalog(), instructor()
    course = await catalog.create_course(
        actor=owner, data=cat.NewCourse(title="T", category="Cat", thumbnail_url="https://x.io/a.png")
    )
    catalog.clock.advance(minutes=1)
    updated = await catalog.update_course(
        actor=owner, course_id=course.id, changes=cat.CourseChanges(thumbnail_url=None, description="New")
    )
    assert (updated.category, updated.thumbnail_url, updated.description) == ("Cat", None, "New")
    assert updated.updated_at > course.updated_at
    assert updated.slug == course.slug


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (cat.NewCourse(title=""), "title"),
        (cat.NewCourse(title="x" * 256), "title"),
        (cat.NewCourse(title="T", thumbnail_url="javascript:alert(1)"), "thumbnail_url"),
        (cat.NewCourse(title="T", thumbnail_url="https://"), "thumbnail_url"),
        (cat.NewCourse(title="T", estimated_duration_minutes=-1), "estimated_duration_minutes"),
        (cat.NewCourse(title="T", description="x" * 10_001), "description"),
        (cat.NewCourse(title="T", category="x" * 101), "category"),
    ],
)
async def test_invalid_fields_name_the_field(data: cat.NewCourse, field: str) -> None:
    with pytest.raises(InvalidField) as raised:
        await Catalog().create_course(actor=instructor(), data=data)
    assert raised.value.field == field


async def test_slugs_count_up_per_title() -> None:
    catalog, owner = Catalog(), instructor()
    slugs = [
        (await catalog.course(owner, title)).slug
        for title in ("Python Basics", "python basics", "PYTHON-basics!")
    ]
    assert slugs == ["python-basics", "python-basics-2", "python-basics-3"]
    assert (await catalog.course(owner, "Python Basics 2")).slug == "python-basics-2-2"
    assert (await catalog.course(owner, "Ünïcödé Çourse")).slug == "unicode-course"
    assert (await catalog.course(owner, "???")).slug == "course"


@given(st.text(max_size=300))
def test_slugify_gives_url_safe_text(title: str) -> None:
    slug = slugify(title)
    assert slug
    assert len(slug) <= 200
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
    assert not slug.startswith("-") and not slug.endswith("-")
    assert slug == slug.lower()


@given(st.sets(st.integers(min_value=1, max_value=30)))
def test_slug_candidate_is_never_taken_and_the_smallest_free(numbers: set[int]) -> None:
    taken = {"base" if n == 1 else f"base-{n}" for n in numbers}
    chosen = slug_candidate("base", taken)
    assert chosen not in taken
    smallest = next(n for n in range(1, 40) if n not in numbers)
    assert chosen == ("base" if smallest == 1 else f"base-{smallest}")


async def test_list_visibility_and_mine() -> None:
    catalog, owner, other = Catalog(), instructor(), instructor()
    await catalog.course(owner, "Published", published=True)
    await catalog.course(owner, "Owner draft")
    await catalog.course(other, "Other draft")
    page = PageRequest()

    async def titles(who: Actor | None, **kw: Any) -> set[str]:
        listed = await catalog.list_courses(actor=who, page=page, **kw)
        return {c.title for c in listed.items}

    assert await titles(None) == {"Published"}
    assert await titles(student()) == {"Published"}
    assert await titles(owner) == {"Published", "Owner draft"}
    assert await titles(admin()) == {"Published", "Owner draft", "Other draft"}
    assert await titles(other, mine=True) == {"Other draft"}
    with pytest.raises(Forbidden):  # a student on no course's staff has no courses of their own
        await catalog.list_courses(actor=student(), page=page, mine=True)
    with pytest.raises(Unauthorized):
        await catalog.list_courses(actor=None, page=page, mine=True)


async def test_list_filters_and_sorts() -> None:
    catalog, owner = Catalog(), instructor()
    for title, level in (
        ("b Two", DifficultyLevel.ADVANCED),
        ("A One", DifficultyLevel.BEGINNER),
        ("c 100%", None),
    ):
        course = await catalog.create_course(
            actor=owner, data=cat.NewCourse(title=title, difficulty_level=level)
        )
        await catalog.publish_course(actor=owner, course_id=course.id)
        catalog.clock.advance(seconds=1)
    page = PageRequest()
    by_title = await catalog.list_courses(actor=None, page=page, sort=CourseSort.TITLE)
    assert [c.title for c in by_title.items] == ["A One", "b Two", "c 100%"]
    newest = await catalog.list_courses(actor=None, page=page)
    assert [c.title for c in newest.items] == ["c 100%", "A One", "b Two"]
    advanced = await catalog.list_courses(actor=None, page=page, difficulty_level=DifficultyLevel.ADVANCED)
    assert [c.title for c in advanced.items] == ["b Two"]
    found = await catalog.list_courses(actor=None, page=page, search="100%")
    assert [c.title for c in found.items] == ["c 100%"]


async def test_delete_course_cascades_in_memory_too() -> None:
    catalog, owner, learner = Catalog(), instructor(), student()
    course = await catalog.course(owner, published=True)
    lesson = await catalog.lesson(owner, course.id)
    enrollment = await catalog.enroll(actor=learner, course_id=course.id)
    await catalog.complete_lesson(actor=learner, enrollment_id=enrollment.id, lesson_id=lesson.id)
    await catalog.delete_course(actor=owner, course_id=course.id)
    assert (catalog.state.courses, catalog.state.lessons) == ({}, {})
    assert (catalog.state.enrollments, catalog.state.lesson_completions) == ({}, {})


async def test_missing_course_is_404() -> None:
    with pytest.raises(NotFound):
        await Catalog().get_course(actor=admin(), course_id=uuid.uuid4())

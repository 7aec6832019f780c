"""``apply_changes``: the fields a change sets, validated as a whole, the original left alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from lms_domain.catalog.entities import Course, CourseChanges, NewCourse
from lms_domain.shared.changes import UNCHANGED, apply_changes, changed_fields
from lms_domain.shared.errors import InvalidField

AT = datetime(2026, 1, 1, tzinfo=UTC)


def course() -> Course:
    data = NewCourse(title="  Python Basics  ", category="Programming")
    return Course.create(data, id=uuid.uuid4(), instructor_id=uuid.uuid4(), at=AT)


def test_a_factory_validates_and_normalizes() -> None:
    assert course().title == "Python Basics"
    with pytest.raises(InvalidField) as caught:
        Course.create(NewCourse(title="   "), id=uuid.uuid4(), instructor_id=uuid.uuid4(), at=AT)
    assert caught.value.field == "title"


def test_only_the_fields_a_change_sets_change() -> None:
    before = course()
    changes = CourseChanges(title=" Renamed ", category=None)
    assert changed_fields(changes) == {"title": " Renamed ", "category": None}
    later = datetime(2026, 2, 1, tzinfo=UTC)
    after = apply_changes(before, changes, updated_at=later)
    assert (after.title, after.category, after.updated_at) == ("Renamed", None, later)
    assert after.description == before.description and after.slug == before.slug
    assert (before.title, before.category) == ("Python Basics", "Programming")  # left as it was
    assert changed_fields(CourseChanges()) == {} and CourseChanges().title is UNCHANGED


def test_a_change_that_breaks_a_rule_applies_nothing() -> None:
    before = course()
    with pytest.raises(InvalidField) as caught:
        apply_changes(before, CourseChanges(title="Fine", thumbnail_url="ftp://example.com/x.png"))
    assert caught.value.field == "thumbnail_url"
    assert before.title == "Python Basics"

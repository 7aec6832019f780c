"""The seed's enrollment plan: no student enrolled twice in a course, drafts never enrolled,
exactly the planned number of completions, and complete enrollments exactly when every lesson is done."""

from __future__ import annotations

import pytest

from lms_adapters.sql.seed import (
    SCALES,
    Scale,
    _enrollment_plan,
    _is_published,
    instructor_index,
    student_index,
)

MEDIUM = Scale(
    "medium", instructors=20, students=2_000, courses=300, lessons_per_course=8, enrollments=20_000,
    completions=75_000,
)  # fmt: skip


@pytest.mark.parametrize("scale", [SCALES["small"], MEDIUM], ids=["small", "medium"])
def test_plan_is_consistent(scale: Scale) -> None:
    plan = list(_enrollment_plan(scale))
    pairs = {(student, course) for _, student, course, _ in plan}
    assert len(plan) == scale.enrollments == len(pairs)
    assert all(_is_published(course) for _, _, course, _ in plan)
    assert sum(done for *_, done in plan) == scale.completions
    assert all(0 <= done <= scale.lessons_per_course for *_, done in plan)
    assert {done for *_, done in plan} == set(range(scale.lessons_per_course + 1))


def test_people_indexes_do_not_overlap() -> None:
    scale = MEDIUM
    instructors = {instructor_index(scale, n) for n in range(scale.instructors + 1)}
    students = {student_index(scale, n) for n in range(scale.students + 1)}
    assert len(instructors) == scale.instructors + 1 and len(students) == scale.students + 1
    assert not instructors & students and 0 not in instructors | students  # 0 is the admin
    assert max(students) == 3 + scale.instructors + scale.students - 1

"""Seeded enrollments and lesson completions, from one deterministic plan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from lms_adapters.sql.seed.catalog import published_courses
from lms_adapters.sql.seed.identity import student_index
from lms_adapters.sql.seed.scale import ANCHOR, Scale, seed_uuid

__all__ = ["completion_rows", "enrollment_plan", "enrollment_rows", "enrollment_time"]


def enrollment_plan(scale: Scale) -> Iterator[tuple[int, int, int, int]]:
    """(enrollment index, student index, course index, lessons done), deterministic.

    Student ``s`` takes courses ``(s*7919 + k*1009) mod P`` of the published ones: distinct
    for each student while k < P. Lessons done cycle through 0..L, and the last enrollments
    absorb the difference so the total is exactly ``scale.completions``.
    """
    published = published_courses(scale)
    lessons = scale.lessons_per_course
    n_students = scale.students + 1  # with the demo student
    step = 7 if (lessons + 1) % 7 else 5  # coprime with lessons + 1: every amount of progress occurs
    done_total = 0
    for j in range(scale.enrollments):
        student, k = j % n_students, j // n_students
        course = published[(student * 7919 + k * 1009) % len(published)]
        done = (j * step) % (lessons + 1)
        remaining_after = scale.enrollments - j - 1
        left = scale.completions - done_total
        done = max(min(done, left), left - remaining_after * lessons)
        done = min(max(done, 0), lessons)
        done_total += done
        yield j, student, course, done


def enrollment_time(j: int, scale: Scale) -> datetime:
    return ANCHOR - timedelta(days=365) + timedelta(seconds=(j * 31_000_000) // scale.enrollments)


def enrollment_rows(scale: Scale) -> Iterator[dict[str, Any]]:
    for j, student, course, done in enrollment_plan(scale):
        at = enrollment_time(j, scale)
        yield {
            "id": seed_uuid("enrollment", j),
            "student_id": seed_uuid("user", student_index(scale, student)),
            "course_id": seed_uuid("course", course),
            "enrolled_at": at,
            "completed_at": at + timedelta(days=done * 2) if done == scale.lessons_per_course else None,
        }


def completion_rows(scale: Scale) -> Iterator[dict[str, Any]]:
    n = 0
    for j, _student, course, done in enrollment_plan(scale):
        at = enrollment_time(j, scale)
        for p in range(1, done + 1):
            yield {
                "id": seed_uuid("completion", n),
                "enrollment_id": seed_uuid("enrollment", j),
                "lesson_id": seed_uuid("lesson", course * scale.lessons_per_course + p - 1),
                "completed_at": at + timedelta(days=p * 2 - 1),
            }
            n += 1

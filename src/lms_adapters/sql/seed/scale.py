"""The seed's scales, its fixed dates and logins, and the ids of its rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["ANCHOR", "DEMO_LOGINS", "DEMO_PASSWORD", "SCALES", "SEED_END", "Scale", "seed_uuid"]

DEMO_PASSWORD = "demo-lms-2024!"  # printed at the end of the seed; every seeded user has it
ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)  # seeded timestamps lie in the year before it
SEED_END = ANCHOR + timedelta(days=31)  # every seeded timestamp is earlier; later rows are not the seed's


@dataclass(frozen=True, slots=True)
class Scale:
    name: str
    instructors: int
    students: int
    courses: int
    lessons_per_course: int
    enrollments: int
    completions: int
    quizzes: int = 0
    questions_per_quiz: int = 0
    attempts: int = 0


SCALES = {
    "small": Scale("small", instructors=3, students=40, courses=12, lessons_per_course=6, enrollments=120,
                   completions=300, quizzes=24, questions_per_quiz=5, attempts=50),
    "large": Scale("large", instructors=1_000, students=99_000, courses=10_000, lessons_per_course=10,
                   enrollments=1_000_000, completions=5_000_000, quizzes=20_000, questions_per_quiz=10,
                   attempts=500_000),
}  # fmt: skip

# The three known logins (besides every generated user, who shares the same password).
DEMO_LOGINS = (
    ("admin@demo.lms", "admin", "Ada Admin"),
    ("instructor@demo.lms", "instructor", "Ines Instructor"),
    ("student@demo.lms", "student", "Sam Student"),
)

_KINDS = {
    "user": 1, "course": 2, "lesson": 3, "enrollment": 4, "completion": 5,
    "quiz": 6, "question": 7, "attempt": 8,
}  # fmt: skip


def seed_uuid(kind: str, index: int) -> uuid.UUID:
    """The id of the ``index``-th seeded row of a kind: stable across runs, version-4 shaped."""
    value = (0x5EED << 112) | (_KINDS[kind] << 96) | index
    return uuid.UUID(int=value, version=4)

"""Entities for the catalog and learning contract suites."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from lms_domain.catalog.entities import ContentType, Course, DifficultyLevel, Lesson
from lms_domain.identity.entities import User
from lms_domain.learning.entities import Enrollment, LessonCompletion
from lms_domain.shared.actors import Role

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return NOW + timedelta(seconds=seconds)


def user(role: Role = Role.INSTRUCTOR) -> User:
    uid = uuid.uuid4()
    return User(
        id=uid,
        email=f"{uid.hex}@example.com",
        full_name="U",
        password_hash="h",
        role=role,
        created_at=NOW,
        updated_at=NOW,
    )


def course(instructor_id: uuid.UUID, title: str = "Python Basics", offset: int = 0, **kw: Any) -> Course:
    fields: dict[str, Any] = {"slug": f"{title.lower().replace(' ', '-')}-{uuid.uuid4().hex[:6]}", **kw}
    return Course(
        id=uuid.uuid4(),
        instructor_id=instructor_id,
        title=title,
        created_at=at(offset),
        updated_at=at(offset),
        **fields,
    )


def full_course(instructor_id: uuid.UUID) -> Course:
    return course(
        instructor_id,
        description="All about it",
        category="Programming",
        difficulty_level=DifficultyLevel.INTERMEDIATE,
        is_published=True,
        thumbnail_url="https://example.com/t.png",
        estimated_duration_minutes=90,
    )


def lesson(course_id: uuid.UUID, order: int, title: str | None = None, **kw: Any) -> Lesson:
    return Lesson(
        id=uuid.uuid4(),
        course_id=course_id,
        title=title or f"L{order}",
        content_type=ContentType.TEXT,
        order=order,
        created_at=at(order),
        updated_at=at(order),
        **kw,
    )


def enrollment(student_id: uuid.UUID, course_id: uuid.UUID, offset: int = 0) -> Enrollment:
    return Enrollment(id=uuid.uuid4(), student_id=student_id, course_id=course_id, enrolled_at=at(offset))


def completion(enrollment_id: uuid.UUID, lesson_id: uuid.UUID, offset: int = 0) -> LessonCompletion:
    return LessonCompletion(
        id=uuid.uuid4(), enrollment_id=enrollment_id, lesson_id=lesson_id, completed_at=at(offset)
    )

"""Courses and lessons, with the rules of who may see and change them and of their fields."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from lms_domain.catalog.values import (
    CATEGORY_MAX,
    CONTENT_MAX,
    DESCRIPTION_MAX,
    check_duration,
    check_text,
    check_title,
    check_url,
)
from lms_domain.shared.actors import Actor
from lms_domain.shared.changes import UNCHANGED, Unchanged
from lms_domain.shared.course_access import CourseAccess, StaffMember
from lms_domain.shared.errors import Forbidden, InvalidField, NotFound
from lms_domain.shared.release import ReleaseRule

__all__ = [
    "MAX_PREREQUISITES",
    "ContentType",
    "Course",
    "CourseChanges",
    "DifficultyLevel",
    "Lesson",
    "LessonChanges",
    "NewCourse",
    "NewLesson",
]


MAX_PREREQUISITES = 100
"""At most this many prerequisites per course (as many as a page of courses)."""


class DifficultyLevel(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class ContentType(StrEnum):
    VIDEO = "video"
    TEXT = "text"
    PDF = "pdf"
    QUIZ = "quiz"


@dataclass(frozen=True, slots=True)
class NewCourse:
    title: str
    description: str = ""
    category: str | None = None
    difficulty_level: DifficultyLevel | None = None
    thumbnail_url: str | None = None
    estimated_duration_minutes: int | None = None
    prerequisite_course_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True, slots=True)
class CourseChanges:
    """A partial update (``apply_changes``): fields left ``UNCHANGED`` keep their value."""

    title: str | Unchanged = UNCHANGED
    description: str | Unchanged = UNCHANGED
    category: str | Unchanged | None = UNCHANGED
    difficulty_level: DifficultyLevel | Unchanged | None = UNCHANGED
    thumbnail_url: str | Unchanged | None = UNCHANGED
    estimated_duration_minutes: int | Unchanged | None = UNCHANGED
    prerequisite_course_ids: tuple[UUID, ...] | Unchanged = UNCHANGED


@dataclass(kw_only=True)
class Course:
    id: UUID
    instructor_id: UUID
    title: str
    slug: str
    description: str = ""
    category: str | None = None
    difficulty_level: DifficultyLevel | None = None
    is_published: bool = False
    thumbnail_url: str | None = None
    estimated_duration_minutes: int | None = None
    created_at: datetime
    updated_at: datetime
    staff: tuple[StaffMember, ...] = ()
    """Its co-instructors and teaching assistants (read with the course, never written with it)."""
    prerequisite_course_ids: tuple[UUID, ...] = ()
    """Courses a student must have completed to enroll, in the order given (read with the course;
    written by ``CourseRepository.set_prerequisites``)."""

    @classmethod
    def create(cls, data: NewCourse, *, id: UUID, instructor_id: UUID, at: datetime) -> Course:
        """A new, unpublished course; its slug is chosen when it is stored."""
        return cls(
            id=id,
            instructor_id=instructor_id,
            title=data.title,
            slug="",
            description=data.description,
            category=data.category,
            difficulty_level=data.difficulty_level,
            is_published=False,
            thumbnail_url=data.thumbnail_url,
            estimated_duration_minutes=data.estimated_duration_minutes,
            created_at=at,
            updated_at=at,
            prerequisite_course_ids=tuple(data.prerequisite_course_ids),
        ).validated()

    def validated(self) -> Course:
        title = check_title(self.title)
        check_text(self.description, "description", DESCRIPTION_MAX)
        check_text(self.category, "category", CATEGORY_MAX)
        check_url(self.thumbnail_url, "thumbnail_url")
        check_duration(self.estimated_duration_minutes, "estimated_duration_minutes")
        self._check_prerequisites()
        return dataclasses.replace(self, title=title)

    def _check_prerequisites(self) -> None:
        """Only what needs no store: that each names a course the caller may see, and that no
        courses need each other, the use cases check."""
        ids, field = self.prerequisite_course_ids, "prerequisite_course_ids"
        if len(ids) > MAX_PREREQUISITES:
            raise InvalidField(
                field, f"{field} may name at most {MAX_PREREQUISITES} courses", "value_error.length"
            )
        if len(set(ids)) != len(ids):
            raise InvalidField(field, f"{field} names a course more than once")
        if self.id in ids:
            raise InvalidField(field, "A course cannot be its own prerequisite")

    def access(self, actor: Actor | None) -> CourseAccess:
        return CourseAccess.of(
            actor, owner_id=self.instructor_id, staff=((m.user_id, m.role) for m in self.staff)
        )

    def is_managed_by(self, actor: Actor | None) -> bool:
        """Course editors (the owner, co-instructors, admins) change a course."""
        return self.access(actor).edits

    def is_visible_to(self, actor: Actor | None) -> bool:
        """Published courses to everyone; unpublished ones to editors and teaching assistants."""
        return self.is_published or self.access(actor).reads_all

    def ensure_visible(self, actor: Actor | None) -> None:
        """404 for an unpublished course of someone else: its existence is not told."""
        if not self.is_visible_to(actor):
            raise NotFound("Course not found")

    def ensure_manageable(self, actor: Actor | None) -> None:
        """403 to those who may see the course but not change it; 404 to those who may not see it."""
        if self.is_managed_by(actor):
            return
        self.ensure_visible(actor)
        raise Forbidden("Only the course's instructors or an admin can do this")

    def ensure_owned(self, actor: Actor | None) -> None:
        """The owner and admins (deleting the course, managing its staff): others who may see the
        course 403, the rest 404."""
        if self.access(actor).manages:
            return
        self.ensure_visible(actor)
        raise Forbidden("Only the course owner or an admin can do this")

    def publish(self, *, actor: Actor, now: datetime) -> None:
        self.ensure_manageable(actor)
        if not self.is_published:
            self.is_published, self.updated_at = True, now


@dataclass(frozen=True, slots=True)
class NewLesson:
    title: str
    content_type: ContentType
    content: str | None = None
    video_url: str | None = None
    duration_minutes: int = 0
    is_preview: bool = False
    release_rule: ReleaseRule | None = None


@dataclass(frozen=True, slots=True)
class LessonChanges:
    """A partial update (``apply_changes``): fields left ``UNCHANGED`` keep their value."""

    title: str | Unchanged = UNCHANGED
    content_type: ContentType | Unchanged = UNCHANGED
    content: str | Unchanged | None = UNCHANGED
    video_url: str | Unchanged | None = UNCHANGED
    duration_minutes: int | Unchanged = UNCHANGED
    is_preview: bool | Unchanged = UNCHANGED
    release_rule: ReleaseRule | Unchanged | None = UNCHANGED


@dataclass(kw_only=True)
class Lesson:
    id: UUID
    course_id: UUID
    title: str
    content_type: ContentType
    content: str | None = None
    video_url: str | None = None
    duration_minutes: int = 0
    is_preview: bool = False
    order: int
    created_at: datetime
    updated_at: datetime
    release_rule: ReleaseRule | None = None
    """When the lesson opens to enrolled students (read with the lesson; written by
    ``LessonRepository.set_release_rule``)."""
    locked: bool = False
    """For the caller who asked: an enrolled student whose rule is not met (never stored)."""

    @classmethod
    def create(cls, data: NewLesson, *, id: UUID, course_id: UUID, order: int, at: datetime) -> Lesson:
        return cls(
            id=id,
            course_id=course_id,
            title=data.title,
            content_type=data.content_type,
            content=data.content,
            video_url=data.video_url,
            duration_minutes=data.duration_minutes,
            is_preview=data.is_preview,
            order=order,
            created_at=at,
            updated_at=at,
            release_rule=data.release_rule,
        ).validated()

    def validated(self) -> Lesson:
        title = check_title(self.title)
        check_text(self.content, "content", CONTENT_MAX)
        check_url(self.video_url, "video_url")
        check_duration(self.duration_minutes, "duration_minutes")
        rule = None if self.release_rule is None else self.release_rule.validated(self.id)
        return dataclasses.replace(self, title=title, release_rule=rule)

    def redacted(self) -> Lesson:
        """The lesson as shown to someone without access to its material."""
        return dataclasses.replace(self, content=None, video_url=None)

    def as_locked(self) -> Lesson:
        """The lesson as shown to an enrolled student whose rule is not met (even a preview)."""
        return dataclasses.replace(self, content=None, video_url=None, locked=True)

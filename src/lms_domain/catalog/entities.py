"""Courses and lessons, with the rules of who may see and change them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import Forbidden, NotFound

__all__ = ["ContentType", "Course", "DifficultyLevel", "Lesson"]


class DifficultyLevel(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class ContentType(StrEnum):
    VIDEO = "video"
    TEXT = "text"
    PDF = "pdf"
    QUIZ = "quiz"


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

    def is_managed_by(self, actor: Actor | None) -> bool:
        """The owner and admins manage a course (and see it unpublished)."""
        return actor is not None and actor.owns_or_admin(self.instructor_id)

    def is_visible_to(self, actor: Actor | None) -> bool:
        return self.is_published or self.is_managed_by(actor)

    def ensure_visible(self, actor: Actor | None) -> None:
        """404 for an unpublished course of someone else: its existence is not told."""
        if not self.is_visible_to(actor):
            raise NotFound("Course not found")

    def ensure_manageable(self, actor: Actor | None) -> None:
        """403 to those who may see the course but not change it; 404 to those who may not see it."""
        if self.is_managed_by(actor):
            return
        if self.is_published:
            raise Forbidden("Only the course owner or an admin can do this")
        raise NotFound("Course not found")

    def publish(self, *, actor: Actor, now: datetime) -> None:
        self.ensure_manageable(actor)
        if not self.is_published:
            self.is_published, self.updated_at = True, now


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

    def redacted(self) -> Lesson:
        """The lesson as shown to someone without access to its material."""
        return dataclasses.replace(self, content=None, video_url=None)

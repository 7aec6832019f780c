"""Bodies of the course and lesson endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeVar
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from lms_domain.catalog import use_cases as uc
from lms_domain.catalog.entities import MAX_PREREQUISITES, ContentType, Course, DifficultyLevel, Lesson
from lms_domain.catalog.values import (
    CATEGORY_MAX,
    CONTENT_MAX,
    DESCRIPTION_MAX,
    DURATION_MAX,
    TITLE_MAX,
    URL_MAX,
)
from lms_domain.shared.changes import UNCHANGED, Unchanged
from lms_domain.shared.course_access import StaffMember, StaffRole
from lms_domain.shared.pagination import Page
from lms_domain.shared.release import MAX_AFTER_LESSONS, QuizRequirement, ReleaseRule
from lms_http.dto.pages import PageOut, page_fields
from lms_http.dto.partial import unchanged_if_unset

__all__ = [
    "AfterQuizIn",
    "AfterQuizOut",
    "CourseCreate",
    "CourseDetailOut",
    "CourseOut",
    "CoursePage",
    "CourseUpdate",
    "LessonCreate",
    "LessonOut",
    "LessonOutlineOut",
    "LessonPage",
    "LessonUpdate",
    "ReleaseRuleIn",
    "ReleaseRuleOut",
    "ReorderIn",
    "StaffIn",
    "StaffOut",
    "StaffOutlineOut",
    "StaffPage",
]

T = TypeVar("T")

Title = Annotated[str, Meta(min_length=1, max_length=TITLE_MAX)]
Description = Annotated[str, Meta(max_length=DESCRIPTION_MAX)]
Category = Annotated[str, Meta(max_length=CATEGORY_MAX)]
# an http(s) URI by RFC 3986's grammar: ASCII only, no spaces or control characters, one host
_PCT = "%[0-9A-Fa-f]{2}"
_SUB = "A-Za-z0-9\\-._~!$&'()*+,;="  # unreserved and sub-delims
_PCHAR = f"(?:[{_SUB}:@]|{_PCT})"
_URI = (
    "^[Hh][Tt][Tt][Pp][Ss]?://"
    f"(?:(?:[{_SUB}:]|{_PCT})*@)?"  # userinfo
    f"(?:\\[[0-9A-Fa-f:.]+\\]|(?:[{_SUB}]|{_PCT})+)"  # host: [IPv6] or a name
    "(?::[0-9]{0,5})?"  # port
    f"(?:/{_PCHAR}*)*"  # path
    f"(?:\\?(?:{_PCHAR}|[/?])*)?"  # query
    f"(?:#(?:{_PCHAR}|[/?])*)?$"  # fragment
)
Url = Annotated[str, Meta(max_length=URL_MAX, pattern=_URI, description="An http(s) URL")]
Minutes = Annotated[int, Meta(ge=0, le=DURATION_MAX)]
Content = Annotated[str, Meta(max_length=CONTENT_MAX)]
Prerequisites = Annotated[
    list[UUID],
    Meta(
        max_length=MAX_PREREQUISITES,
        description="Courses to complete before enrolling (each once; not the course itself; no cycles)",
    ),
]
AfterLessons = Annotated[
    list[UUID],
    Meta(
        max_length=MAX_AFTER_LESSONS,
        description="Lessons of the same course to complete first (each once; not the lesson itself)",
    ),
]
MinScore = Annotated[float, Meta(ge=0, le=100, description="The score (0-100) a graded attempt must reach")]


class AfterQuizIn(msgspec.Struct, kw_only=True):
    quiz_id: UUID
    min_score: MinScore


class ReleaseRuleIn(msgspec.Struct, kw_only=True):
    """What opens a lesson to enrolled students; both parts must be met when both are given. A
    rule that names nothing is no rule."""

    after_lessons: AfterLessons = msgspec.field(default_factory=list)
    after_quiz: AfterQuizIn | None = None

    def to_domain(self) -> ReleaseRule:
        quiz = self.after_quiz
        return ReleaseRule(
            after_lessons=tuple(self.after_lessons),
            after_quiz=None
            if quiz is None
            else QuizRequirement(quiz_id=quiz.quiz_id, min_score=quiz.min_score),
        )


def _rule_change(value: ReleaseRuleIn | UnsetType | None) -> ReleaseRule | Unchanged | None:
    if isinstance(value, UnsetType):
        return UNCHANGED
    return None if value is None else value.to_domain()


class AfterQuizOut(msgspec.Struct, kw_only=True):
    quiz_id: UUID
    min_score: float


class ReleaseRuleOut(msgspec.Struct, kw_only=True):
    after_lessons: list[UUID]
    after_quiz: AfterQuizOut | None

    @classmethod
    def of(cls, rule: ReleaseRule | None) -> ReleaseRuleOut | None:
        if rule is None:
            return None
        quiz = rule.after_quiz
        return cls(
            after_lessons=list(rule.after_lessons),
            after_quiz=None if quiz is None else AfterQuizOut(quiz_id=quiz.quiz_id, min_score=quiz.min_score),
        )


class CourseCreate(msgspec.Struct, kw_only=True):
    title: Title
    description: Description = ""
    category: Category | None = None
    difficulty_level: DifficultyLevel | None = None
    thumbnail_url: Url | None = None
    estimated_duration_minutes: Minutes | None = None
    prerequisite_course_ids: Prerequisites = msgspec.field(default_factory=list)

    def to_domain(self) -> uc.NewCourse:
        return uc.NewCourse(
            title=self.title,
            description=self.description,
            category=self.category,
            difficulty_level=self.difficulty_level,
            thumbnail_url=self.thumbnail_url,
            estimated_duration_minutes=self.estimated_duration_minutes,
            prerequisite_course_ids=tuple(self.prerequisite_course_ids),
        )


class CourseUpdate(msgspec.Struct, kw_only=True):
    """Fields left out keep their value; ``is_published`` is not taken (use publish)."""

    title: Title | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    category: Category | UnsetType | None = UNSET
    difficulty_level: DifficultyLevel | UnsetType | None = UNSET
    thumbnail_url: Url | UnsetType | None = UNSET
    estimated_duration_minutes: Minutes | UnsetType | None = UNSET
    prerequisite_course_ids: Prerequisites | UnsetType = UNSET

    def to_domain(self) -> uc.CourseChanges:
        return uc.CourseChanges(
            title=unchanged_if_unset(self.title),
            description=unchanged_if_unset(self.description),
            category=unchanged_if_unset(self.category),
            difficulty_level=unchanged_if_unset(self.difficulty_level),
            thumbnail_url=unchanged_if_unset(self.thumbnail_url),
            estimated_duration_minutes=unchanged_if_unset(self.estimated_duration_minutes),
            prerequisite_course_ids=UNCHANGED
            if isinstance(self.prerequisite_course_ids, UnsetType)
            else tuple(self.prerequisite_course_ids),
        )


class CourseOut(msgspec.Struct, kw_only=True):
    id: UUID
    title: str
    slug: str
    description: str
    category: str | None
    difficulty_level: DifficultyLevel | None
    is_published: bool
    thumbnail_url: str | None
    estimated_duration_minutes: int | None
    instructor_id: UUID
    prerequisite_course_ids: list[UUID]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, course: Course) -> CourseOut:
        return cls(
            id=course.id,
            title=course.title,
            slug=course.slug,
            description=course.description,
            category=course.category,
            difficulty_level=course.difficulty_level,
            is_published=course.is_published,
            thumbnail_url=course.thumbnail_url,
            estimated_duration_minutes=course.estimated_duration_minutes,
            instructor_id=course.instructor_id,
            prerequisite_course_ids=list(course.prerequisite_course_ids),
            created_at=course.created_at,
            updated_at=course.updated_at,
        )


class LessonOutlineOut(msgspec.Struct, kw_only=True):
    """A lesson as the course page lists it; ``locked`` for an enrolled student whose release rule
    is not met."""

    id: UUID
    title: str
    order: int
    duration_minutes: int
    locked: bool


class StaffOutlineOut(msgspec.Struct, kw_only=True):
    """A staff member as the course page shows them (no email)."""

    user_id: UUID
    full_name: str
    role: StaffRole


class CourseDetailOut(CourseOut, kw_only=True):
    lessons: list[LessonOutlineOut]
    staff: list[StaffOutlineOut]

    @classmethod
    def of_detail(cls, detail: uc.CourseDetail) -> CourseDetailOut:
        base = CourseOut.of(detail.course)
        return cls(
            **{f: getattr(base, f) for f in CourseOut.__struct_fields__},
            lessons=[
                LessonOutlineOut(
                    id=v.id,
                    title=v.title,
                    order=v.order,
                    duration_minutes=v.duration_minutes,
                    locked=v.locked,
                )
                for v in detail.lessons
            ],
            staff=[
                StaffOutlineOut(user_id=m.user_id, full_name=m.full_name, role=m.role)
                for m in detail.course.staff
            ],
        )


class StaffIn(msgspec.Struct, kw_only=True):
    user_id: UUID
    role: StaffRole


class StaffOut(msgspec.Struct, kw_only=True):
    user_id: UUID
    full_name: str
    email: str
    role: StaffRole
    added_at: datetime

    @classmethod
    def of(cls, member: StaffMember) -> StaffOut:
        return cls(
            user_id=member.user_id,
            full_name=member.full_name,
            email=member.email,
            role=member.role,
            added_at=member.added_at,
        )


class StaffPage(PageOut, kw_only=True):
    items: list[StaffOut]

    @classmethod
    def of(cls, page: Page[StaffMember]) -> StaffPage:
        return cls(items=[StaffOut.of(m) for m in page.items], **page_fields(page))


class CoursePage(PageOut, kw_only=True):
    items: list[CourseOut]

    @classmethod
    def of(cls, page: Page[Course]) -> CoursePage:
        return cls(
            items=[CourseOut.of(c) for c in page.items],
            **page_fields(page),
        )


class LessonCreate(msgspec.Struct, kw_only=True):
    title: Title
    content_type: ContentType
    content: Content | None = None
    video_url: Url | None = None
    duration_minutes: Minutes = 0
    is_preview: bool = False
    release_rule: ReleaseRuleIn | None = None

    def to_domain(self) -> uc.NewLesson:
        return uc.NewLesson(
            title=self.title,
            content_type=self.content_type,
            content=self.content,
            video_url=self.video_url,
            duration_minutes=self.duration_minutes,
            is_preview=self.is_preview,
            release_rule=None if self.release_rule is None else self.release_rule.to_domain(),
        )


class LessonUpdate(msgspec.Struct, kw_only=True):
    """Fields left out keep their value; ``order`` changes only through reorder; a
    ``release_rule`` of null removes the rule."""

    title: Title | UnsetType = UNSET
    content_type: ContentType | UnsetType = UNSET
    content: Content | UnsetType | None = UNSET
    video_url: Url | UnsetType | None = UNSET
    duration_minutes: Minutes | UnsetType = UNSET
    is_preview: bool | UnsetType = UNSET
    release_rule: ReleaseRuleIn | UnsetType | None = UNSET

    def to_domain(self) -> uc.LessonChanges:
        return uc.LessonChanges(
            title=unchanged_if_unset(self.title),
            content_type=unchanged_if_unset(self.content_type),
            content=unchanged_if_unset(self.content),
            video_url=unchanged_if_unset(self.video_url),
            duration_minutes=unchanged_if_unset(self.duration_minutes),
            is_preview=unchanged_if_unset(self.is_preview),
            release_rule=_rule_change(self.release_rule),
        )


class LessonOut(msgspec.Struct, kw_only=True):
    """``content`` and ``video_url`` are null for callers without access to the material, and for
    an enrolled student whose release rule is not met (``locked``)."""

    id: UUID
    course_id: UUID
    title: str
    content_type: ContentType
    content: str | None
    video_url: str | None
    duration_minutes: int
    is_preview: bool
    order: int
    release_rule: ReleaseRuleOut | None
    locked: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, lesson: Lesson) -> LessonOut:
        return cls(
            id=lesson.id,
            course_id=lesson.course_id,
            title=lesson.title,
            content_type=lesson.content_type,
            content=lesson.content,
            video_url=lesson.video_url,
            duration_minutes=lesson.duration_minutes,
            is_preview=lesson.is_preview,
            order=lesson.order,
            release_rule=ReleaseRuleOut.of(lesson.release_rule),
            locked=lesson.locked,
            created_at=lesson.created_at,
            updated_at=lesson.updated_at,
        )


class LessonPage(PageOut, kw_only=True):
    items: list[LessonOut]

    @classmethod
    def of(cls, page: Page[Lesson]) -> LessonPage:
        return cls(
            items=[LessonOut.of(v) for v in page.items],
            **page_fields(page),
        )


class ReorderIn(msgspec.Struct, kw_only=True):
    course_id: UUID
    lesson_ids: Annotated[list[UUID], Meta(max_length=10_000)]

"""Courses and lessons in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import case, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.paging import page_with_total
from lms_adapters.sql.prebuilt import built_once
from lms_adapters.sql.repositories.identity import escape_like
from lms_adapters.sql.tables import course_staff, courses, lessons, users
from lms_domain.catalog.entities import ContentType, Course, DifficultyLevel, Lesson
from lms_domain.catalog.ports import CourseQuery, CourseSort, LessonOrderTaken, SlugTaken, StaffExists
from lms_domain.shared.course_access import StaffMember, StaffRole
from lms_domain.shared.pagination import PageRequest

__all__ = [
    "SqlCourseRepository",
    "SqlCourseStaffRepository",
    "SqlLessonRepository",
    "course_from_row",
    "is_unique_violation",
    "on_staff",
]


# The course with its staff in one statement: a row per staff member (one with NULLs when it has
# none), by the time they were added.
_WITH_STAFF = courses.outerjoin(course_staff, course_staff.c.course_id == courses.c.id).outerjoin(
    users, users.c.id == course_staff.c.user_id
)


def _course_with_staff(course_id: Any) -> Any:
    return (
        select(
            courses,
            course_staff.c.user_id.label("staff_user_id"),
            course_staff.c.role.label("staff_role"),
            course_staff.c.added_at.label("staff_added_at"),
            users.c.full_name.label("staff_full_name"),
            users.c.email.label("staff_email"),
        )
        .select_from(_WITH_STAFF)
        .where(courses.c.id == course_id)
        .order_by(course_staff.c.added_at, course_staff.c.user_id)
    )


_COURSE_BY_ID = built_once(_course_with_staff)
# FOR NO KEY UPDATE OF courses: writers of the course and its lessons queue; rows that merely refer
# to it (a new enrollment, a quiz) go on; the staff rows joined in are not locked
_COURSE_FOR_UPDATE = built_once(
    lambda course_id: _course_with_staff(course_id).with_for_update(of=courses, key_share=True)
)
_LESSON_BY_ID = built_once(lambda lesson_id: select(lessons).where(lessons.c.id == lesson_id))


def is_unique_violation(error: IntegrityError) -> bool:
    """A unique constraint failed (not a foreign key or NOT NULL), on PostgreSQL or SQLite."""
    orig = error.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code is not None:
        return str(code) == "23505"
    return "UNIQUE constraint failed" in str(orig)


def _course_row(course: Course) -> dict[str, Any]:
    return {
        "id": course.id,
        "instructor_id": course.instructor_id,
        "title": course.title,
        "slug": course.slug,
        "description": course.description,
        "category": course.category,
        "difficulty_level": course.difficulty_level.value if course.difficulty_level else None,
        "is_published": course.is_published,
        "thumbnail_url": course.thumbnail_url,
        "estimated_duration_minutes": course.estimated_duration_minutes,
        "created_at": course.created_at,
        "updated_at": course.updated_at,
    }


def _member(row: Any) -> StaffMember:
    return StaffMember(
        user_id=row.staff_user_id,
        role=StaffRole(row.staff_role),
        full_name=row.staff_full_name,
        email=row.staff_email,
        added_at=row.staff_added_at,
    )


def on_staff(course_id: Any, user_id: Any) -> Any:
    """Whether ``user_id`` is on the staff of ``course_id`` (columns or values): an EXISTS."""
    return (
        select(course_staff.c.user_id)
        .where(course_staff.c.course_id == course_id, course_staff.c.user_id == user_id)
        .exists()
    )


def course_from_row(row: Any, prefix: str = "", *, staff: tuple[StaffMember, ...] = ()) -> Course:
    """A course from a row; ``prefix`` names labelled columns (``c_title``) in joins."""
    m = row._mapping
    level = m[prefix + "difficulty_level"]
    return Course(
        id=m[prefix + "id"],
        instructor_id=m[prefix + "instructor_id"],
        title=m[prefix + "title"],
        slug=m[prefix + "slug"],
        description=m[prefix + "description"],
        category=m[prefix + "category"],
        difficulty_level=DifficultyLevel(level) if level else None,
        is_published=m[prefix + "is_published"],
        thumbnail_url=m[prefix + "thumbnail_url"],
        estimated_duration_minutes=m[prefix + "estimated_duration_minutes"],
        created_at=m[prefix + "created_at"],
        updated_at=m[prefix + "updated_at"],
        staff=staff,
    )


def _lesson_row(lesson: Lesson) -> dict[str, Any]:
    return {
        "id": lesson.id,
        "course_id": lesson.course_id,
        "title": lesson.title,
        "content_type": lesson.content_type.value,
        "content": lesson.content,
        "video_url": lesson.video_url,
        "duration_minutes": lesson.duration_minutes,
        "is_preview": lesson.is_preview,
        "position": lesson.order,
        "created_at": lesson.created_at,
        "updated_at": lesson.updated_at,
    }


def _lesson(row: Any) -> Lesson:
    return Lesson(
        id=row.id,
        course_id=row.course_id,
        title=row.title,
        content_type=ContentType(row.content_type),
        content=row.content,
        video_url=row.video_url,
        duration_minutes=row.duration_minutes,
        is_preview=row.is_preview,
        order=row.position,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


_SORTS = {
    CourseSort.CREATED_AT: (courses.c.created_at, courses.c.id),
    CourseSort.NEWEST: (courses.c.created_at.desc(), courses.c.id.desc()),
    CourseSort.TITLE: (func.lower(courses.c.title), courses.c.id),
}


class SqlCourseRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, course_id: UUID, *, for_update: bool = False) -> Course | None:
        # PostgreSQL locks the row; SQLite's BEGIN IMMEDIATE already serialises writers
        statement = _COURSE_FOR_UPDATE() if for_update else _COURSE_BY_ID()
        rows = (await self._connection.execute(statement, {"course_id": course_id})).all()
        if not rows:
            return None
        staff = tuple(_member(r) for r in rows if r.staff_user_id is not None)
        return course_from_row(rows[0], staff=staff)

    async def taken_slugs(self, base: str) -> set[str]:
        rows = await self._connection.execute(
            select(courses.c.slug).where(
                or_(courses.c.slug == base, courses.c.slug.like(escape_like(base) + "-%", escape="\\"))
            )
        )
        return set(rows.scalars())

    async def add(self, course: Course) -> None:
        try:
            async with self._connection.begin_nested():  # a SAVEPOINT: the transaction survives a taken slug
                await self._connection.execute(insert(courses).values(**_course_row(course)))
        except IntegrityError as e:
            if is_unique_violation(e):
                raise SlugTaken(course.slug) from e
            raise

    async def update(self, course: Course) -> None:
        row = _course_row(course)
        del row["id"], row["created_at"]
        await self._connection.execute(update(courses).where(courses.c.id == course.id).values(**row))

    async def remove(self, course_id: UUID) -> None:
        await self._connection.execute(delete(courses).where(courses.c.id == course_id))

    async def list(self, *, query: CourseQuery, page: PageRequest) -> tuple[Sequence[Course], int]:
        conditions: list[Any] = []
        if not query.include_unpublished:
            visible: list[Any] = [courses.c.is_published.is_(True)]
            if query.viewer_id is not None:
                visible.append(courses.c.instructor_id == query.viewer_id)
                visible.append(on_staff(courses.c.id, query.viewer_id))
            conditions.append(or_(*visible))
        if query.instructor_id is not None:
            conditions.append(
                or_(
                    courses.c.instructor_id == query.instructor_id,
                    on_staff(courses.c.id, query.instructor_id),
                )
            )
        if query.category is not None:
            conditions.append(courses.c.category == query.category)
        if query.difficulty_level is not None:
            conditions.append(courses.c.difficulty_level == query.difficulty_level.value)
        if query.search:
            pattern = f"%{escape_like(query.search.lower())}%"
            conditions.append(
                or_(
                    func.lower(courses.c.title).like(pattern, escape="\\"),
                    func.lower(courses.c.description).like(pattern, escape="\\"),
                )
            )
        rows, total = await page_with_total(
            self._connection,
            select(courses).where(*conditions).order_by(*_SORTS[query.sort]),
            select(func.count()).select_from(courses).where(*conditions),
            page,
        )
        return [course_from_row(r) for r in rows], total


class SqlCourseStaffRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, course_id: UUID, user_id: UUID, role: StaffRole, *, at: Any) -> StaffMember | None:
        person = (
            await self._connection.execute(
                # FOR SHARE: a deactivation or erasure of the user that is under way finishes first,
                # and this read sees its outcome (an erased user's staff roles never come back)
                select(users.c.full_name, users.c.email)
                .where(users.c.id == user_id, users.c.is_active.is_(True))
                .with_for_update(read=True)
            )
        ).first()
        if person is None:
            return None
        try:
            async with self._connection.begin_nested():  # a SAVEPOINT: the transaction survives a duplicate
                await self._connection.execute(
                    insert(course_staff).values(
                        course_id=course_id, user_id=user_id, role=role.value, added_at=at
                    )
                )
        except IntegrityError as e:
            if is_unique_violation(e):
                raise StaffExists(user_id) from e
            raise
        return StaffMember(
            user_id=user_id, role=role, full_name=person.full_name, email=person.email, added_at=at
        )

    async def remove(self, course_id: UUID, user_id: UUID) -> bool:
        result = await self._connection.execute(
            delete(course_staff).where(
                course_staff.c.course_id == course_id, course_staff.c.user_id == user_id
            )
        )
        return bool(result.rowcount)


class SqlLessonRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, lesson_id: UUID) -> Lesson | None:
        row = (await self._connection.execute(_LESSON_BY_ID(), {"lesson_id": lesson_id})).first()
        return _lesson(row) if row else None

    async def list_for_course(
        self, course_id: UUID, *, page: PageRequest | None = None
    ) -> tuple[Sequence[Lesson], int]:
        statement = select(lessons).where(lessons.c.course_id == course_id).order_by(lessons.c.position)
        if page is None:
            found = [_lesson(r) for r in await self._connection.execute(statement)]
            return found, len(found)
        rows, total = await page_with_total(
            self._connection,
            statement,
            select(func.count()).select_from(lessons).where(lessons.c.course_id == course_id),
            page,
        )
        return [_lesson(r) for r in rows], total

    async def next_order(self, course_id: UUID) -> int:
        last = (
            await self._connection.execute(
                select(func.coalesce(func.max(lessons.c.position), 0)).where(lessons.c.course_id == course_id)
            )
        ).scalar_one()
        return int(last) + 1

    async def add(self, lesson: Lesson) -> None:
        try:
            async with self._connection.begin_nested():
                await self._connection.execute(insert(lessons).values(**_lesson_row(lesson)))
        except IntegrityError as e:
            if is_unique_violation(e):
                raise LessonOrderTaken(lesson.order) from e
            raise

    async def update(self, lesson: Lesson) -> None:
        row = _lesson_row(lesson)
        del row["id"], row["course_id"], row["position"], row["created_at"]
        await self._connection.execute(update(lessons).where(lessons.c.id == lesson.id).values(**row))

    async def remove(self, lesson_id: UUID) -> None:
        await self._connection.execute(delete(lessons).where(lessons.c.id == lesson_id))

    async def set_order(self, course_id: UUID, lesson_ids: Sequence[UUID]) -> None:
        """Two statements that never break the unique (course_id, position) on the way.

        First every position of the course turns negative (distinct, and clear of 1..n),
        then each lesson gets its new position from one CASE.
        """
        if not lesson_ids:
            return
        of_course = lessons.c.course_id == course_id
        await self._connection.execute(update(lessons).where(of_course).values(position=-lessons.c.position))
        await self._connection.execute(
            update(lessons)
            .where(of_course, lessons.c.id.in_(lesson_ids))
            .values(
                position=case(
                    {lesson_id: n for n, lesson_id in enumerate(lesson_ids, start=1)}, value=lessons.c.id
                )
            )
        )

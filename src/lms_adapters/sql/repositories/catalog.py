"""Courses and lessons in SQL."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from sqlalchemy import case, delete, func, insert, or_, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.paging import page_with_total
from lms_adapters.sql.prebuilt import built_once
from lms_adapters.sql.repositories.identity import escape_like
from lms_adapters.sql.tables import (
    course_prerequisites,
    course_staff,
    courses,
    lesson_release_lessons,
    lesson_release_quizzes,
    lessons,
    quizzes,
    users,
)
from lms_domain.catalog.entities import ContentType, Course, DifficultyLevel, Lesson
from lms_domain.catalog.ports import (
    CourseQuery,
    CourseSort,
    LessonOrderTaken,
    OwnerGone,
    PrerequisiteCycle,
    PrerequisiteGone,
    QuizPlacement,
    ReleaseTargetGone,
    SlugTaken,
    StaffExists,
)
from lms_domain.shared.course_access import StaffMember, StaffRole
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import QuizRequirement, ReleaseRule

__all__ = [
    "SqlCourseRepository",
    "SqlCourseStaffRepository",
    "SqlLessonRepository",
    "SqlQuizPlacements",
    "course_from_row",
    "is_unique_violation",
    "lesson_from_rows",
    "lesson_with_rule",
    "on_staff",
    "release_rule_of",
]

# Whether a course has prerequisites, a lesson lessons in its rule: a column of the statement that
# reads them, so the list of them costs a second statement only when there is one to read.
_HAS_PREREQUISITES = (
    select(course_prerequisites.c.course_id).where(course_prerequisites.c.course_id == courses.c.id).exists()
)
_HAS_AFTER_LESSONS = (
    select(lesson_release_lessons.c.lesson_id)
    .where(lesson_release_lessons.c.lesson_id == lessons.c.id)
    .exists()
)
# A lesson's quiz requirement rides along (one row at most per lesson)
_WITH_QUIZ_RULE = lessons.outerjoin(
    lesson_release_quizzes, lesson_release_quizzes.c.lesson_id == lessons.c.id
)
_QUIZ_RULE_COLUMNS = (
    lesson_release_quizzes.c.quiz_id.label("rule_quiz_id"),
    lesson_release_quizzes.c.min_score.label("rule_min_score"),
)
# Only PostgreSQL needs it (SQLite runs one writer at a time): the key of the advisory lock that
# takes changes of prerequisites one at a time, so that two of them cannot make a cycle together.
_PREREQUISITES_LOCK = 0x6C6D735F707265  # "lms_pre"


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
            _HAS_PREREQUISITES.label("has_prerequisites"),
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
# The lesson with its rule: a row per lesson in the rule (one with NULLs when there is none)
_LESSON_BY_ID = built_once(
    lambda lesson_id: (
        select(
            lessons, *_QUIZ_RULE_COLUMNS, lesson_release_lessons.c.required_lesson_id.label("rule_lesson_id")
        )
        .select_from(
            _WITH_QUIZ_RULE.outerjoin(
                lesson_release_lessons, lesson_release_lessons.c.lesson_id == lessons.c.id
            )
        )
        .where(lessons.c.id == lesson_id)
        .order_by(lesson_release_lessons.c.position)
    )
)


def lesson_with_rule(lesson_id: Any) -> Any:
    """A lesson's rows as a subquery to join: one per lesson its rule waits for (``rule_lesson_id``,
    ordered by ``rule_position``), or one with NULLs there; the quiz requirement on each."""
    return (
        select(
            lessons,
            *_QUIZ_RULE_COLUMNS,
            lesson_release_lessons.c.required_lesson_id.label("rule_lesson_id"),
            lesson_release_lessons.c.position.label("rule_position"),
        )
        .select_from(
            _WITH_QUIZ_RULE.outerjoin(
                lesson_release_lessons, lesson_release_lessons.c.lesson_id == lessons.c.id
            )
        )
        .where(lessons.c.id == lesson_id)
        .subquery("lesson")
    )


def lesson_from_rows(rows: Sequence[Any], prefix: str) -> Lesson | None:
    """The lesson of ``lesson_with_rule``'s rows, its columns labelled ``prefix + name`` (None when
    its ``id`` is NULL: no such lesson)."""
    if not rows or rows[0]._mapping[prefix + "id"] is None:
        return None
    lesson_rows = [
        SimpleNamespace(**{k.removeprefix(prefix): v for k, v in r._mapping.items() if k.startswith(prefix)})
        for r in rows
    ]
    return _lesson(lesson_rows[0], [r.rule_lesson_id for r in lesson_rows if r.rule_lesson_id is not None])


_RULE_OF = built_once(
    lambda lesson_id: (
        select(
            lesson_release_quizzes.c.quiz_id.label("rule_quiz_id"),
            lesson_release_quizzes.c.min_score.label("rule_min_score"),
            lesson_release_lessons.c.required_lesson_id.label("rule_lesson_id"),
        )
        .select_from(
            lessons.outerjoin(
                lesson_release_quizzes, lesson_release_quizzes.c.lesson_id == lessons.c.id
            ).outerjoin(lesson_release_lessons, lesson_release_lessons.c.lesson_id == lessons.c.id)
        )
        .where(lessons.c.id == lesson_id)
        .order_by(lesson_release_lessons.c.position)
    )
)


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


def course_from_row(
    row: Any,
    prefix: str = "",
    *,
    staff: tuple[StaffMember, ...] = (),
    prerequisites: tuple[UUID, ...] = (),
) -> Course:
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
        prerequisite_course_ids=prerequisites,
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


def _rule(row: Any, after_lessons: Sequence[UUID]) -> ReleaseRule | None:
    """The rule from a row's ``rule_quiz_id`` and ``rule_min_score`` and the lessons it waits for."""
    quiz = None
    if row.rule_quiz_id is not None:
        quiz = QuizRequirement(quiz_id=row.rule_quiz_id, min_score=float(row.rule_min_score))
    if quiz is None and not after_lessons:
        return None
    return ReleaseRule(after_lessons=tuple(after_lessons), after_quiz=quiz)


async def release_rule_of(connection: AsyncConnection, lesson_id: UUID) -> ReleaseRule | None:
    """A lesson's rule in one statement (None without one, or for a lesson that does not exist)."""
    rows = (await connection.execute(_RULE_OF(), {"lesson_id": lesson_id})).all()
    if not rows:
        return None
    return _rule(rows[0], [r.rule_lesson_id for r in rows if r.rule_lesson_id is not None])


def _lesson(row: Any, after_lessons: Sequence[UUID] = ()) -> Lesson:
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
        release_rule=_rule(row, after_lessons),
    )


_SORTS = {
    CourseSort.CREATED_AT: (courses.c.created_at, courses.c.id),
    CourseSort.NEWEST: (courses.c.created_at.desc(), courses.c.id.desc()),
    CourseSort.TITLE: (func.lower(courses.c.title), courses.c.id),
}


def _active_user(user_id: UUID, *columns: Any) -> Any:
    """``columns`` of the user while their account is active, read FOR SHARE: a deactivation or
    erasure under way finishes first and this read sees its outcome (so an erased account never
    comes back on a staff or as the owner of a new course)."""
    return (
        select(*columns)
        .where(users.c.id == user_id, users.c.is_active.is_(True), users.c.erased_at.is_(None))
        .with_for_update(read=True)
    )


# Who may see a course anonymous callers do not: owners and staff of unpublished courses.
_DRAFT_READERS = built_once(
    lambda: union(
        select(courses.c.instructor_id.label("user_id")).where(courses.c.is_published.is_(False)),
        select(course_staff.c.user_id)
        .join_from(course_staff, courses, courses.c.id == course_staff.c.course_id)
        .where(courses.c.is_published.is_(False)),
    )
)


class SqlCourseRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def draft_readers(self) -> frozenset[UUID]:
        return frozenset((await self._connection.execute(_DRAFT_READERS())).scalars())

    async def get(self, course_id: UUID, *, for_update: bool = False) -> Course | None:
        # PostgreSQL locks the row; SQLite's BEGIN IMMEDIATE already serialises writers
        statement = _COURSE_FOR_UPDATE() if for_update else _COURSE_BY_ID()
        rows = (await self._connection.execute(statement, {"course_id": course_id})).all()
        if not rows:
            return None
        staff = tuple(_member(r) for r in rows if r.staff_user_id is not None)
        prerequisites = await self._prerequisites([course_id]) if rows[0].has_prerequisites else {}
        return course_from_row(rows[0], staff=staff, prerequisites=prerequisites.get(course_id, ()))

    async def _prerequisites(self, course_ids: Collection[UUID]) -> dict[UUID, tuple[UUID, ...]]:
        """The prerequisites of these courses, in their order: one statement."""
        rows = await self._connection.execute(
            select(course_prerequisites.c.course_id, course_prerequisites.c.prerequisite_id)
            .where(course_prerequisites.c.course_id.in_(course_ids))
            .order_by(course_prerequisites.c.course_id, course_prerequisites.c.position)
        )
        found: dict[UUID, list[UUID]] = {}
        for row in rows:
            found.setdefault(row.course_id, []).append(row.prerequisite_id)
        return {course_id: tuple(ids) for course_id, ids in found.items()}

    async def set_prerequisites(self, course_id: UUID, prerequisite_ids: Sequence[UUID]) -> None:
        connection = self._connection
        if prerequisite_ids:
            if connection.dialect.name == "postgresql":  # until the transaction ends
                await connection.execute(select(func.pg_advisory_xact_lock(_PREREQUISITES_LOCK)))
            if await self._needed_by(prerequisite_ids, course_id):
                raise PrerequisiteCycle(str(course_id))
        await connection.execute(
            delete(course_prerequisites).where(course_prerequisites.c.course_id == course_id)
        )
        if not prerequisite_ids:
            return
        rows = [
            {"course_id": course_id, "prerequisite_id": prerequisite_id, "position": n}
            for n, prerequisite_id in enumerate(prerequisite_ids, start=1)
        ]
        try:
            await connection.execute(insert(course_prerequisites), rows)
        except IntegrityError as e:  # a course deleted since it was checked
            raise PrerequisiteGone(str(course_id)) from e

    async def _needed_by(self, course_ids: Sequence[UUID], target: UUID) -> bool:
        """Whether ``target`` is among the prerequisites of ``course_ids``, however indirectly:
        one recursive statement (UNION, not UNION ALL: a cycle already stored ends the walk)."""
        p = course_prerequisites
        reach = (
            select(p.c.prerequisite_id.label("id"))
            .where(p.c.course_id.in_(course_ids))
            .cte("reach", recursive=True)
        )
        reach = reach.union(
            select(p.c.prerequisite_id).select_from(p.join(reach, p.c.course_id == reach.c.id))
        )
        found = await self._connection.execute(select(reach.c.id).where(reach.c.id == target).limit(1))
        return found.first() is not None

    async def taken_slugs(self, base: str) -> set[str]:
        rows = await self._connection.execute(
            select(courses.c.slug).where(
                or_(courses.c.slug == base, courses.c.slug.like(escape_like(base) + "-%", escape="\\"))
            )
        )
        return set(rows.scalars())

    async def add(self, course: Course) -> None:
        owner = await self._connection.execute(_active_user(course.instructor_id, users.c.id))
        if owner.first() is None:
            raise OwnerGone(str(course.instructor_id))
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
        if query.ids is not None:
            conditions.append(courses.c.id.in_(query.ids))
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
            select(courses, _HAS_PREREQUISITES.label("has_prerequisites"))
            .where(*conditions)
            .order_by(*_SORTS[query.sort]),
            select(func.count()).select_from(courses).where(*conditions),
            page,
        )
        with_some = [r.id for r in rows if r.has_prerequisites]
        prerequisites = await self._prerequisites(with_some) if with_some else {}
        return [course_from_row(r, prerequisites=prerequisites.get(r.id, ())) for r in rows], total


class SqlCourseStaffRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, course_id: UUID, user_id: UUID, role: StaffRole, *, at: Any) -> StaffMember | None:
        person = (
            await self._connection.execute(_active_user(user_id, users.c.full_name, users.c.email))
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
        rows = (await self._connection.execute(_LESSON_BY_ID(), {"lesson_id": lesson_id})).all()
        if not rows:
            return None
        return _lesson(rows[0], [r.rule_lesson_id for r in rows if r.rule_lesson_id is not None])

    async def list_for_course(
        self, course_id: UUID, *, page: PageRequest | None = None
    ) -> tuple[Sequence[Lesson], int]:
        """The lessons with their quiz requirements in one statement, and the lessons their rules
        wait for in a second one, only when some rule has any."""
        statement = (
            select(lessons, *_QUIZ_RULE_COLUMNS, _HAS_AFTER_LESSONS.label("has_after_lessons"))
            .select_from(_WITH_QUIZ_RULE)
            .where(lessons.c.course_id == course_id)
            .order_by(lessons.c.position)
        )
        if page is None:
            rows: Sequence[Any] = (await self._connection.execute(statement)).all()
            total = len(rows)
        else:
            rows, total = await page_with_total(
                self._connection,
                statement,
                select(func.count()).select_from(lessons).where(lessons.c.course_id == course_id),
                page,
            )
        waiting = [r.id for r in rows if r.has_after_lessons]
        after = await self._after_lessons(waiting) if waiting else {}
        return [_lesson(r, after.get(r.id, ())) for r in rows], total

    async def _after_lessons(self, lesson_ids: Collection[UUID]) -> Mapping[UUID, Sequence[UUID]]:
        rows = await self._connection.execute(
            select(lesson_release_lessons.c.lesson_id, lesson_release_lessons.c.required_lesson_id)
            .where(lesson_release_lessons.c.lesson_id.in_(lesson_ids))
            .order_by(lesson_release_lessons.c.lesson_id, lesson_release_lessons.c.position)
        )
        found: dict[UUID, list[UUID]] = {}
        for row in rows:
            found.setdefault(row.lesson_id, []).append(row.required_lesson_id)
        return found

    async def set_release_rule(self, lesson_id: UUID, rule: ReleaseRule | None) -> None:
        connection = self._connection
        for table in (lesson_release_lessons, lesson_release_quizzes):
            await connection.execute(delete(table).where(table.c.lesson_id == lesson_id))
        if rule is None:
            return
        try:
            if rule.after_lessons:
                await connection.execute(
                    insert(lesson_release_lessons),
                    [
                        {"lesson_id": lesson_id, "required_lesson_id": required, "position": n}
                        for n, required in enumerate(rule.after_lessons, start=1)
                    ],
                )
            if rule.after_quiz is not None:
                await connection.execute(
                    insert(lesson_release_quizzes).values(
                        lesson_id=lesson_id,
                        quiz_id=rule.after_quiz.quiz_id,
                        min_score=rule.after_quiz.min_score,
                    )
                )
        except IntegrityError as e:  # a lesson or quiz deleted since it was checked
            raise ReleaseTargetGone(str(lesson_id)) from e

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


class SqlQuizPlacements:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def of(self, quiz_ids: Collection[UUID]) -> Mapping[UUID, QuizPlacement]:
        if not quiz_ids:
            return {}
        rows = await self._connection.execute(
            select(quizzes.c.id, quizzes.c.course_id, quizzes.c.lesson_id).where(quizzes.c.id.in_(quiz_ids))
        )
        return {row.id: QuizPlacement(course_id=row.course_id, lesson_id=row.lesson_id) for row in rows}

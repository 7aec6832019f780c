"""Enrollments and lesson completions in SQL; progress is counted by the database."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, cast, exists, func, null, select, true, union_all, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lms_adapters.sql.driver import rows_on_driver
from lms_adapters.sql.guarded_insert import insert_unless_duplicate
from lms_adapters.sql.paging import page_of, paged
from lms_adapters.sql.prebuilt import built_once
from lms_adapters.sql.repositories.catalog import course_from_row, lesson_from_rows, lesson_with_rule
from lms_adapters.sql.tables import (
    course_prerequisites,
    courses,
    enrollments,
    lesson_completions,
    lessons,
    quiz_attempts,
    users,
)
from lms_domain.catalog.entities import Lesson
from lms_domain.learning.entities import Enrollment, EnrollmentSummary, LessonCompletion
from lms_domain.learning.ports import (
    AlreadyCompleted,
    AlreadyEnrolled,
    CompletionOutcome,
    CourseNotOpen,
    PrerequisitesNotMet,
    ReferenceGone,
)
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import LearnerProgress

__all__ = ["SqlCompletionRepository", "SqlEnrollmentRepository", "SqlLearnerProgress"]


def _enrollment_row(enrollment: Enrollment) -> dict[str, Any]:
    return {
        "id": enrollment.id,
        "student_id": enrollment.student_id,
        "course_id": enrollment.course_id,
        "enrolled_at": enrollment.enrolled_at,
        "completed_at": enrollment.completed_at,
    }


def _enrollment(row: Any, prefix: str = "") -> Enrollment:
    m = row._mapping
    return Enrollment(
        id=m[prefix + "id"],
        student_id=m[prefix + "student_id"],
        course_id=m[prefix + "course_id"],
        enrolled_at=m[prefix + "enrolled_at"],
        completed_at=m[prefix + "completed_at"],
    )


def _completion(row: Any) -> LessonCompletion:
    return LessonCompletion(
        id=row.id, enrollment_id=row.enrollment_id, lesson_id=row.lesson_id, completed_at=row.completed_at
    )


def _lesson_count(course_id: Any) -> Any:
    return select(func.count()).select_from(lessons).where(lessons.c.course_id == course_id).scalar_subquery()


def _completed_count(enrollment_id: Any) -> Any:
    return (
        select(func.count())
        .select_from(lesson_completions)
        .where(lesson_completions.c.enrollment_id == enrollment_id)
        .scalar_subquery()
    )


_ENROLLED = built_once(
    lambda student_id, course_id: select(enrollments.c.id).where(
        enrollments.c.student_id == student_id, enrollments.c.course_id == course_id
    )
)
_ENROLLMENT_BY_ID = built_once(
    lambda enrollment_id: select(enrollments).where(enrollments.c.id == enrollment_id)
)
# FOR NO KEY UPDATE: the enrollment is the root of its completions (see ``CompleteLesson``)
_ENROLLMENT_FOR_UPDATE = built_once(
    lambda enrollment_id: (
        select(enrollments).where(enrollments.c.id == enrollment_id).with_for_update(key_share=True)
    )
)


def _enrollment_with_lesson(enrollment_id: Any, lesson_id: Any) -> Any:
    """The enrollment, locked as ``_ENROLLMENT_FOR_UPDATE`` locks it (the lock is the enrollment's
    alone: ``OF enrollments``), with the lesson's rows beside it (NULLs when there is no lesson)."""
    lesson = lesson_with_rule(lesson_id)
    return (
        select(
            *(c.label("e_" + c.name) for c in enrollments.c),
            *(c.label("l_" + c.name) for c in lesson.c),
        )
        .select_from(enrollments.outerjoin(lesson, true()))
        .where(enrollments.c.id == enrollment_id)
        .order_by(lesson.c.rule_position)
        .with_for_update(of=enrollments, key_share=True)
    )


_ENROLLMENT_WITH_LESSON = built_once(_enrollment_with_lesson)
_LOCK_COURSE_ENROLLMENTS = built_once(
    lambda course_id: (
        select(enrollments.c.id).where(enrollments.c.course_id == course_id).with_for_update(key_share=True)
    )
)


def _prerequisites_met(student_id: Any, course_id: Any) -> Any:
    """No prerequisite of the course without a completed enrollment of the student (the primary
    key of ``course_prerequisites`` and the unique (student, course) of enrollments serve it)."""
    completed = (
        select(enrollments.c.id)
        .where(
            enrollments.c.course_id == course_prerequisites.c.prerequisite_id,
            enrollments.c.student_id == student_id,
            enrollments.c.completed_at.is_not(None),
        )
        .exists()
    )
    missing = select(course_prerequisites.c.prerequisite_id).where(
        course_prerequisites.c.course_id == course_id, ~completed
    )
    return select(~missing.exists())


_PREREQUISITES_MET = built_once(_prerequisites_met)


def _open_course(course_id: Any) -> Any:
    return exists().where(courses.c.id == course_id, courses.c.is_published.is_(True))


def _enrolled(student_id: Any, course_id: Any) -> Any:
    return exists().where(enrollments.c.student_id == student_id, enrollments.c.course_id == course_id)


def _enroll_if_open(dialect_insert: Any) -> Any:
    """``INSERT INTO enrollments SELECT <values> WHERE <the course is published, the student
    exists, no prerequisite is missing> ON CONFLICT (student_id, course_id) DO NOTHING RETURNING
    id``: a row when it went in, none otherwise (no error: the transaction goes on)."""
    row = {c.name: bindparam(c.name, type_=c.type) for c in enrollments.c}
    met = _prerequisites_met(row["student_id"], row["course_id"]).scalar_subquery()
    values = select(*row.values()).where(
        _open_course(row["course_id"]), exists().where(users.c.id == row["student_id"]), met
    )
    return (
        dialect_insert(enrollments)
        .from_select(list(row), values)
        .on_conflict_do_nothing(index_elements=["student_id", "course_id"])
        .returning(enrollments.c.id)
    )


_ENROLL_IF_OPEN = _enroll_if_open(sqlite_insert)  # PostgreSQL: ``_ENROLL_IF_OPEN_PG``
# ``_ENROLL_IF_OPEN`` on PostgreSQL, for the driver's connection (``lms_adapters.sql.driver``)
_ENROLL_IF_OPEN_PG = """
INSERT INTO enrollments (id, student_id, course_id, enrolled_at, completed_at)
SELECT %(id)s, %(student_id)s, %(course_id)s, %(enrolled_at)s, NULL
WHERE EXISTS (SELECT FROM courses WHERE id = %(course_id)s AND is_published)
  AND EXISTS (SELECT FROM users WHERE id = %(student_id)s)
  AND NOT EXISTS (
      SELECT FROM course_prerequisites AS p
      WHERE p.course_id = %(course_id)s
        AND NOT EXISTS (
            SELECT FROM enrollments AS e
            WHERE e.course_id = p.prerequisite_id AND e.student_id = %(student_id)s
              AND e.completed_at IS NOT NULL))
ON CONFLICT (student_id, course_id) DO NOTHING
RETURNING id
"""
# why ``_ENROLL_IF_OPEN`` inserted nothing (a prerequisite it missed may be completed by now: that
# one is what is left when the others are not it)
_NOT_ENROLLED_WHY = built_once(
    lambda student_id, course_id: select(
        _open_course(course_id).label("open"),
        _enrolled(student_id, course_id).label("enrolled"),
        exists().where(users.c.id == student_id).label("student"),
    )
)
# The student's enrollment in the course with its completions: no row when not enrolled, one with a
# NULL lesson when nothing is completed yet
_ENROLLMENT_PROGRESS = built_once(
    lambda student_id, course_id: (
        select(enrollments.c.id, lesson_completions.c.lesson_id)
        .select_from(
            enrollments.outerjoin(lesson_completions, lesson_completions.c.enrollment_id == enrollments.c.id)
        )
        .where(enrollments.c.student_id == student_id, enrollments.c.course_id == course_id)
    )
)


def _complete_finished(of_course: Any, at: Any) -> Any:
    # (a bind parameter of an UPDATE may not share a column's name: ``of_course``, not ``course_id``)
    total = _lesson_count(of_course)
    return (
        update(enrollments)
        .where(
            enrollments.c.course_id == of_course,
            enrollments.c.completed_at.is_(None),
            total > 0,
            _completed_count(enrollments.c.id) >= total,
        )
        .values(completed_at=at)
        .returning(enrollments.c.id, enrollments.c.student_id)
    )


_COMPLETE_FINISHED = built_once(_complete_finished)
_COMPLETION = built_once(
    lambda enrollment_id, lesson_id: select(lesson_completions).where(
        lesson_completions.c.enrollment_id == enrollment_id, lesson_completions.c.lesson_id == lesson_id
    )
)


# ``SqlCompletionRepository.complete`` on PostgreSQL, in one round trip on the driver's connection
# (``lms_adapters.sql.driver``): the guarded insert, the earlier completion when there is one, the
# progress (the statement's snapshot does not show its own insert: the count adds it), and the
# enrollment completed when this insert completed its course. The caller holds the enrollment's
# lock since an earlier statement, so this one's snapshot shows every completion made before.
_COMPLETE_PG = """
WITH added AS (
    INSERT INTO lesson_completions (id, enrollment_id, lesson_id, completed_at)
    SELECT %(id)s, %(enrollment_id)s, %(lesson_id)s, %(at)s
    WHERE EXISTS (SELECT FROM enrollments WHERE id = %(enrollment_id)s)
      AND EXISTS (SELECT FROM lessons WHERE id = %(lesson_id)s)
    ON CONFLICT (enrollment_id, lesson_id) DO NOTHING
    RETURNING id, completed_at
), earlier AS (
    SELECT id, completed_at FROM lesson_completions
    WHERE enrollment_id = %(enrollment_id)s AND lesson_id = %(lesson_id)s
), progress AS (
    SELECT (SELECT count(*) FROM lesson_completions WHERE enrollment_id = %(enrollment_id)s)
             + (SELECT count(*) FROM added) AS done,
           (SELECT count(*) FROM lessons
            WHERE course_id = (SELECT course_id FROM enrollments WHERE id = %(enrollment_id)s)) AS total
), finished AS (
    UPDATE enrollments SET completed_at = %(at)s
    FROM progress
    WHERE enrollments.id = %(enrollment_id)s AND enrollments.completed_at IS NULL
      AND EXISTS (SELECT FROM added) AND progress.total > 0 AND progress.done >= progress.total
    RETURNING enrollments.completed_at
)
SELECT EXISTS (SELECT FROM added),
       coalesce((SELECT id FROM added), (SELECT id FROM earlier)),
       coalesce((SELECT completed_at FROM added), (SELECT completed_at FROM earlier)),
       progress.done, progress.total, (SELECT completed_at FROM finished)
FROM progress
"""
_COMPLETE_ENROLLMENT = built_once(
    lambda enrollment_id, at: (
        update(enrollments)
        .where(enrollments.c.id == enrollment_id, enrollments.c.completed_at.is_(None))
        .values(completed_at=at)
        .returning(enrollments.c.completed_at)
    )
)


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def _progress_counts(enrollment_id: Any) -> Any:
    course_of = select(enrollments.c.course_id).where(enrollments.c.id == enrollment_id).scalar_subquery()
    return select(_completed_count(enrollment_id).label("done"), _lesson_count(course_of).label("total"))


_PROGRESS_COUNTS = built_once(_progress_counts)


def _my_enrollments(student_id: Any) -> tuple[Any, Any]:
    """A student's enrollments with their courses and progress counts, newest first, paged."""
    mine = enrollments.c.student_id == student_id
    statement = (
        select(
            *(c.label("e_" + c.name) for c in enrollments.c),
            *(c.label("c_" + c.name) for c in courses.c),
            _completed_count(enrollments.c.id).label("completed_lessons"),
            _lesson_count(enrollments.c.course_id).label("total_lessons"),
        )
        .join_from(enrollments, courses, courses.c.id == enrollments.c.course_id)
        .where(mine)
        .order_by(enrollments.c.enrolled_at.desc(), enrollments.c.id.desc())
    )
    count = select(func.count()).select_from(enrollments).where(mine)
    return paged(statement, count), count


_MY_ENROLLMENTS = built_once(_my_enrollments)


class SqlEnrollmentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, enrollment_id: UUID, *, for_update: bool = False) -> Enrollment | None:
        statement = _ENROLLMENT_FOR_UPDATE() if for_update else _ENROLLMENT_BY_ID()
        row = (await self._connection.execute(statement, {"enrollment_id": enrollment_id})).first()
        return _enrollment(row) if row else None

    async def get_with_lesson(
        self, enrollment_id: UUID, lesson_id: UUID
    ) -> tuple[Enrollment | None, Lesson | None]:
        rows = (
            await self._connection.execute(
                _ENROLLMENT_WITH_LESSON(), {"enrollment_id": enrollment_id, "lesson_id": lesson_id}
            )
        ).all()
        if not rows:
            return None, None
        return _enrollment(rows[0], "e_"), lesson_from_rows(rows, "l_")

    async def lock_for_course(self, course_id: UUID) -> None:
        await self._connection.execute(_LOCK_COURSE_ENROLLMENTS(), {"course_id": course_id})

    async def complete_finished(self, course_id: UUID, at: datetime) -> Sequence[tuple[UUID, UUID]]:
        rows = await self._connection.execute(_COMPLETE_FINISHED(), {"of_course": course_id, "at": at})
        return [(row.id, row.student_id) for row in rows]

    async def is_enrolled(self, *, student_id: UUID, course_id: UUID) -> bool:
        found = await self._connection.execute(
            _ENROLLED(), {"student_id": student_id, "course_id": course_id}
        )
        return found.first() is not None

    async def prerequisites_met(self, *, student_id: UUID, course_id: UUID) -> bool:
        found = await self._connection.execute(
            _PREREQUISITES_MET(), {"student_id": student_id, "course_id": course_id}
        )
        return bool(found.scalar_one())

    async def add(self, enrollment: Enrollment) -> None:
        """One statement; a duplicate or a vanished course or student leaves the transaction usable."""
        try:
            added = await insert_unless_duplicate(
                self._connection,
                enrollments,
                _enrollment_row(enrollment),
                unique=["student_id", "course_id"],
                parents=[(courses, enrollment.course_id), (users, enrollment.student_id)],
            )
        except IntegrityError as e:  # a parent deleted between the check and the insert
            raise ReferenceGone(str(enrollment.course_id)) from e
        if added:
            return
        duplicate = select(enrollments.c.id).where(
            enrollments.c.student_id == enrollment.student_id, enrollments.c.course_id == enrollment.course_id
        )
        if (await self._connection.execute(duplicate)).first() is not None:
            raise AlreadyEnrolled(enrollment.course_id)
        raise ReferenceGone(str(enrollment.course_id))

    async def add_if_open(self, enrollment: Enrollment) -> None:
        """One statement when it goes in (on PostgreSQL on the driver's connection); a second one
        says why not."""
        try:
            if self._connection.dialect.name == "postgresql":
                params = {
                    "id": enrollment.id,
                    "student_id": enrollment.student_id,
                    "course_id": enrollment.course_id,
                    "enrolled_at": enrollment.enrolled_at.astimezone(UTC),
                }
                added = bool(await rows_on_driver(self._connection, _ENROLL_IF_OPEN_PG, params))
            else:
                row = _enrollment_row(enrollment)
                added = (await self._connection.execute(_ENROLL_IF_OPEN, row)).first() is not None
        except IntegrityError as e:  # a parent deleted between the check and the insert
            raise ReferenceGone(str(enrollment.course_id)) from e
        if added:
            return
        why = (
            await self._connection.execute(
                _NOT_ENROLLED_WHY(), {"student_id": enrollment.student_id, "course_id": enrollment.course_id}
            )
        ).one()
        if not why.open:
            raise CourseNotOpen(str(enrollment.course_id))
        if why.enrolled:
            raise AlreadyEnrolled(enrollment.course_id)
        if not why.student:
            raise ReferenceGone(str(enrollment.student_id))
        # what is left: a prerequisite missing when the insert ran (perhaps completed since)
        raise PrerequisitesNotMet(str(enrollment.course_id))

    async def mark_completed(self, enrollment_id: UUID, at: datetime) -> datetime:
        await self._connection.execute(
            update(enrollments)
            .where(enrollments.c.id == enrollment_id, enrollments.c.completed_at.is_(None))
            .values(completed_at=at)
        )
        value: datetime = (
            await self._connection.execute(
                select(enrollments.c.completed_at).where(enrollments.c.id == enrollment_id)
            )
        ).scalar_one()
        return value

    async def list_for_student(
        self, student_id: UUID, *, page: PageRequest
    ) -> tuple[Sequence[EnrollmentSummary], int]:
        """One statement whatever the page size: the page with its counts and the total as subqueries
        (a second, the count alone, only for a page past the end)."""
        statement, count = _MY_ENROLLMENTS()
        rows, total = await page_of(self._connection, statement, count, {"student_id": student_id}, page)
        return [
            EnrollmentSummary(
                enrollment=_enrollment(r, "e_"),
                course=course_from_row(r, "c_"),
                completed_lessons=r.completed_lessons,
                total_lessons=r.total_lessons,
            )
            for r in rows
        ], total


class SqlCompletionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, completion: LessonCompletion) -> None:
        """One statement; a duplicate or a vanished lesson or enrollment leaves the transaction usable."""
        if await self._insert(completion):
            return
        if await self.get(completion.enrollment_id, completion.lesson_id) is not None:
            raise AlreadyCompleted(completion.lesson_id)
        raise ReferenceGone(str(completion.lesson_id))

    async def _insert(self, completion: LessonCompletion) -> bool:
        """The guarded insert: False for a duplicate or a vanished lesson or enrollment."""
        row = {
            "id": completion.id,
            "enrollment_id": completion.enrollment_id,
            "lesson_id": completion.lesson_id,
            "completed_at": completion.completed_at,
        }
        try:
            return await insert_unless_duplicate(
                self._connection,
                lesson_completions,
                row,
                unique=["enrollment_id", "lesson_id"],
                parents=[(enrollments, completion.enrollment_id), (lessons, completion.lesson_id)],
            )
        except IntegrityError as e:  # a parent deleted between the check and the insert
            raise ReferenceGone(str(completion.lesson_id)) from e

    async def complete(self, completion: LessonCompletion) -> CompletionOutcome:
        """One statement on PostgreSQL; elsewhere the guarded insert (and the earlier completion
        when it inserted nothing), the counts, and the enrollment's ``completed_at`` when due."""
        if self._connection.dialect.name == "postgresql":
            return await self._complete_on_driver(completion)
        added = await self._insert(completion)
        stored = completion if added else await self.get(completion.enrollment_id, completion.lesson_id)
        if stored is None:
            raise ReferenceGone(str(completion.lesson_id))
        done, total = await self.counts(completion.enrollment_id)
        finished = None
        if added and total > 0 and done >= total:
            finished = (
                await self._connection.execute(
                    _COMPLETE_ENROLLMENT(),
                    {"enrollment_id": completion.enrollment_id, "at": completion.completed_at},
                )
            ).scalar_one_or_none()
        return CompletionOutcome(
            completion=stored, added=added, completed=done, total=total, course_completed_at=finished
        )

    async def _complete_on_driver(self, completion: LessonCompletion) -> CompletionOutcome:
        params = {
            "id": completion.id,
            "enrollment_id": completion.enrollment_id,
            "lesson_id": completion.lesson_id,
            "at": completion.completed_at.astimezone(UTC),
        }
        try:
            (added, stored_id, stored_at, done, total, finished), *_ = await rows_on_driver(
                self._connection, _COMPLETE_PG, params
            )
        except IntegrityError as e:  # a parent deleted between the check and the insert
            raise ReferenceGone(str(completion.lesson_id)) from e
        if stored_id is None:
            raise ReferenceGone(str(completion.lesson_id))
        stored = LessonCompletion(
            id=stored_id,
            enrollment_id=completion.enrollment_id,
            lesson_id=completion.lesson_id,
            completed_at=stored_at.astimezone(UTC),
        )
        return CompletionOutcome(
            completion=stored, added=added, completed=done, total=total, course_completed_at=_utc(finished)
        )

    async def get(self, enrollment_id: UUID, lesson_id: UUID) -> LessonCompletion | None:
        row = (
            await self._connection.execute(
                _COMPLETION(), {"enrollment_id": enrollment_id, "lesson_id": lesson_id}
            )
        ).first()
        return _completion(row) if row else None

    async def completed_lesson_ids(self, enrollment_id: UUID) -> Sequence[UUID]:
        rows = await self._connection.execute(
            select(lesson_completions.c.lesson_id)
            .join_from(lesson_completions, lessons, lessons.c.id == lesson_completions.c.lesson_id)
            .where(lesson_completions.c.enrollment_id == enrollment_id)
            .order_by(lessons.c.position)
        )
        return list(rows.scalars())

    async def counts(self, enrollment_id: UUID) -> tuple[int, int]:
        row = (await self._connection.execute(_PROGRESS_COUNTS(), {"enrollment_id": enrollment_id})).one()
        return int(row.done), int(row.total)


class SqlLearnerProgress:
    """What release rules need to know of a student in a course: one statement."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def of(
        self, *, student_id: UUID, course_id: UUID, quiz_ids: Collection[UUID] = ()
    ) -> LearnerProgress | None:
        if not quiz_ids:
            rows = (
                await self._connection.execute(
                    _ENROLLMENT_PROGRESS(), {"student_id": student_id, "course_id": course_id}
                )
            ).all()
            if not rows:
                return None
            return LearnerProgress(
                completed_lesson_ids=frozenset(r.lesson_id for r in rows if r.lesson_id is not None)
            )
        # the enrollment's rows (one at least: no row means not enrolled), then the best graded
        # score per quiz (graded attempts have a score, open ones do not; the (student, quiz)
        # index serves it), in one statement
        rows = (
            await self._connection.execute(
                union_all(
                    select(
                        enrollments.c.id.label("enrollment_id"),
                        lesson_completions.c.lesson_id,
                        cast(null(), quiz_attempts.c.quiz_id.type).label("quiz_id"),
                        cast(null(), quiz_attempts.c.score.type).label("best"),
                    )
                    .select_from(
                        enrollments.outerjoin(
                            lesson_completions, lesson_completions.c.enrollment_id == enrollments.c.id
                        )
                    )
                    .where(enrollments.c.student_id == student_id, enrollments.c.course_id == course_id),
                    select(
                        cast(null(), enrollments.c.id.type),
                        cast(null(), lesson_completions.c.lesson_id.type),
                        quiz_attempts.c.quiz_id,
                        func.max(quiz_attempts.c.score),
                    )
                    .where(
                        quiz_attempts.c.student_id == student_id,
                        quiz_attempts.c.quiz_id.in_(quiz_ids),
                        quiz_attempts.c.score.is_not(None),
                    )
                    .group_by(quiz_attempts.c.quiz_id),
                )
            )
        ).all()
        if not any(r.enrollment_id is not None for r in rows):
            return None
        return LearnerProgress(
            completed_lesson_ids=frozenset(r.lesson_id for r in rows if r.lesson_id is not None),
            best_scores={r.quiz_id: float(r.best) for r in rows if r.quiz_id is not None},
        )

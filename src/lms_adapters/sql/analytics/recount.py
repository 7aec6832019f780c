"""The reports as aggregates over the rows themselves: what the reports answered before they read
the counters (migration 0020), kept as the full recount the counter-reading statements
(``statements``) must agree with. Nothing serves these; the tests compare both after random
concurrent writes.

Every figure is an aggregate (COUNT, SUM with GROUP BY, filtered joins, scalar subqueries), and
each report costs a fixed number of statements whatever the data size. Scores are
``NUMERIC(5,2)``: they are summed as whole hundredths (``ROUND(score * 100)``), so the sum is exact
on both databases (SQLite keeps the scores as floating point) and the domain rounds the mean once.
Closed attempts are the submitted and the expired ones; open ones never count.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from lms_adapters.sql.analytics import statements
from lms_adapters.sql.analytics.statements import taught_by
from lms_adapters.sql.prebuilt import built_once
from lms_adapters.sql.tables import (
    certificates,
    courses,
    enrollments,
    lesson_completions,
    lessons,
    quiz_attempts,
    quizzes,
    users,
)

__all__ = [
    "COURSE",
    "INSTRUCTOR_COURSES",
    "INSTRUCTOR_TOTALS",
    "STUDENT",
    "SYSTEM_COUNTS",
    "USERS_BY_ROLE",
]

_CLOSED = quiz_attempts.c.status != "open"
# what student, instructor and course reports count: attempts with a score (not one awaiting a grader)
_GRADED = quiz_attempts.c.grading_status == "graded"
_HUNDREDTHS = cast(func.round(quiz_attempts.c.score * 100), Integer)


def _sum(expression: Any) -> Any:
    return func.coalesce(func.sum(expression), 0)


def _count_if(condition: Any) -> Any:
    return _sum(case((condition, 1), else_=0))


def _scalar(statement: Any) -> Any:
    return statement.scalar_subquery()


def _instructor_totals(instructor_id: Any) -> Any:
    own = select(courses.c.id).where(taught_by(instructor_id))
    in_own = enrollments.c.course_id.in_(own)
    closed = (
        select(func.count())
        .select_from(quiz_attempts.join(quizzes, quizzes.c.id == quiz_attempts.c.quiz_id))
        .where(quizzes.c.course_id.in_(own), _GRADED)
    )
    return select(
        _scalar(select(func.count()).select_from(courses).where(taught_by(instructor_id))).label(
            "total_courses"
        ),
        _scalar(
            select(func.count())
            .select_from(courses)
            .where(taught_by(instructor_id), courses.c.is_published.is_(True))
        ).label("published_courses"),
        _scalar(select(func.count()).where(in_own)).label("total_enrollments"),
        _scalar(select(func.count(enrollments.c.completed_at)).where(in_own)).label("total_completions"),
        _scalar(select(func.count(distinct(enrollments.c.student_id))).where(in_own)).label("total_students"),
        _scalar(closed.with_only_columns(func.count())).label("attempts"),
        _scalar(closed.with_only_columns(_sum(_HUNDREDTHS))).label("score_hundredths"),
    )


def _instructor_courses(instructor_id: Any) -> Any:
    own = select(courses.c.id).where(taught_by(instructor_id))
    per_enrollments = (
        select(
            enrollments.c.course_id.label("course_id"),
            func.count().label("enrollments"),
            func.count(enrollments.c.completed_at).label("completions"),
        )
        .where(enrollments.c.course_id.in_(own))
        .group_by(enrollments.c.course_id)
        .subquery("per_enrollments")
    )
    per_lessons = (
        select(lessons.c.course_id.label("course_id"), func.count().label("lessons"))
        .where(lessons.c.course_id.in_(own))
        .group_by(lessons.c.course_id)
        .subquery("per_lessons")
    )
    # Completed lessons per course, found through the course's lessons (an index probe per
    # lesson) rather than its enrollments (one per enrollment, ten times as many).
    per_completions = (
        select(lessons.c.course_id.label("course_id"), func.count().label("completed"))
        .select_from(lessons.join(lesson_completions, lesson_completions.c.lesson_id == lessons.c.id))
        .where(lessons.c.course_id.in_(own))
        .group_by(lessons.c.course_id)
        .subquery("per_completions")
    )
    return (
        select(
            courses.c.id.label("course_id"),
            courses.c.title,
            func.coalesce(per_enrollments.c.enrollments, 0).label("enrollments"),
            func.coalesce(per_enrollments.c.completions, 0).label("completions"),
            func.coalesce(per_lessons.c.lessons, 0).label("lessons"),
            func.coalesce(per_completions.c.completed, 0).label("completed_lessons"),
        )
        .select_from(
            courses.outerjoin(per_enrollments, per_enrollments.c.course_id == courses.c.id)
            .outerjoin(per_lessons, per_lessons.c.course_id == courses.c.id)
            .outerjoin(per_completions, per_completions.c.course_id == courses.c.id)
        )
        .where(taught_by(instructor_id))
        .order_by(courses.c.created_at, courses.c.id)
    )


def _course(course_id: Any) -> Any:
    in_course = enrollments.c.course_id == course_id
    no_text, no_number = cast(null(), String), cast(null(), Integer)
    head = select(
        literal(0).label("part"),
        literal(0).label("place"),
        courses.c.id.label("id"),
        no_text.label("title"),
        courses.c.instructor_id.label("owner"),
        _scalar(select(func.count()).where(in_course)).label("a"),
        _scalar(select(func.count(enrollments.c.completed_at)).where(in_course)).label("b"),
        _scalar(select(func.count()).select_from(lessons).where(lessons.c.course_id == course_id)).label("c"),
        _scalar(  # through the course's lessons: a probe per lesson, not per enrollment
            select(func.count())
            .select_from(lessons.join(lesson_completions, lesson_completions.c.lesson_id == lessons.c.id))
            .where(lessons.c.course_id == course_id)
        ).label("d"),
    ).where(courses.c.id == course_id)
    lesson_part = (
        select(
            literal(1),
            func.row_number().over(order_by=lessons.c.position),
            lessons.c.id,
            lessons.c.title,
            lessons.c.course_id,
            func.count(lesson_completions.c.id),
            no_number,
            no_number,
            no_number,
        )
        .select_from(lessons.outerjoin(lesson_completions, lesson_completions.c.lesson_id == lessons.c.id))
        .where(lessons.c.course_id == course_id)
        .group_by(lessons.c.id, lessons.c.title, lessons.c.position)
    )
    quiz_part = (
        select(
            literal(2),
            func.row_number().over(order_by=(quizzes.c.created_at, quizzes.c.id)),
            quizzes.c.id,
            quizzes.c.title,
            quizzes.c.course_id,
            func.count(quiz_attempts.c.id),
            _sum(_HUNDREDTHS),
            _count_if(quiz_attempts.c.passed.is_(True)),
            no_number,
        )
        .select_from(quizzes.outerjoin(quiz_attempts, and_(quiz_attempts.c.quiz_id == quizzes.c.id, _GRADED)))
        .where(quizzes.c.course_id == course_id)
        .group_by(quizzes.c.id, quizzes.c.title, quizzes.c.created_at)
    )
    report = union_all(head, lesson_part, quiz_part).subquery("report")
    return select(report).order_by(report.c.part, report.c.place)


def _system_counts(active_since: Any) -> Any:
    def count(table: Any, *where: Any) -> Any:
        return _scalar(select(func.count()).select_from(table).where(*where))

    people = users.c.erased_at.is_(None)  # an erased account is no user
    return select(
        count(users, people).label("total_users"),
        count(
            users, people, or_(users.c.created_at >= active_since, users.c.last_login_at >= active_since)
        ).label("active_users_30d"),
        count(courses).label("total_courses"),
        count(courses, courses.c.is_published.is_(True)).label("published_courses"),
        count(enrollments).label("total_enrollments"),
        count(certificates).label("total_certificates"),
        count(quiz_attempts, _CLOSED).label("total_quiz_attempts"),
    )


def _users_by_role() -> Any:
    return select(users.c.role, func.count()).where(users.c.erased_at.is_(None)).group_by(users.c.role)


STUDENT = statements.STUDENT  # the student report reads no counters: the same statement
INSTRUCTOR_TOTALS = built_once(_instructor_totals)
INSTRUCTOR_COURSES = built_once(_instructor_courses)
COURSE = built_once(_course)
SYSTEM_COUNTS = built_once(_system_counts)
USERS_BY_ROLE = built_once(_users_by_role)

"""The analytics reports' statements, built once; each report costs a fixed number of statements
whatever the data size.

The instructor, course and system reports read the counters the database's triggers keep
(migration 0020, ``lms_adapters.sql.counters``): a counter is the SUM over its shards. What is
not additive stays counted: an instructor's distinct students (over the covering index of the
own courses' enrollments), a course's lessons (a course has few), and the active users of the
last 30 days (a range over ``users.last_login_at``'s index: only the recently active). The
student report counts one student's rows through their indexes. ``recount`` holds the same reports
as aggregates over the rows, which these must agree with.

Scores are ``NUMERIC(5,2)``: they are summed as whole hundredths (``ROUND(score * 100)``), so the
sum is exact on both databases (SQLite keeps the scores as floating point) and the domain rounds
the mean once. Closed attempts are the submitted and the expired ones; open ones never count.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    case,
    cast,
    distinct,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union,
    union_all,
)

from lms_adapters.sql.counters import USERS_BY_ROLE_PREFIX
from lms_adapters.sql.prebuilt import built_once
from lms_adapters.sql.tables import (
    course_counters,
    course_staff,
    courses,
    enrollments,
    lesson_completions,
    lesson_counters,
    lessons,
    quiz_attempts,
    quiz_counters,
    quizzes,
    system_counters,
    users,
)

__all__ = [
    "COURSE",
    "INSTRUCTOR_COURSES",
    "INSTRUCTOR_TOTALS",
    "STUDENT",
    "SYSTEM_COUNTS",
    "USERS_BY_ROLE",
    "taught_by",
]

_CLOSED = quiz_attempts.c.status != "open"
# what student, instructor and course reports count: attempts with a score (not one awaiting a grader)
_GRADED = quiz_attempts.c.grading_status == "graded"
_HUNDREDTHS = cast(func.round(quiz_attempts.c.score * 100), Integer)


def _sum(expression: Any) -> Any:
    """0 over no rows; an integer on both databases (PostgreSQL sums BIGINT counters as NUMERIC)."""
    return cast(func.coalesce(func.sum(expression), 0), BigInteger)


def _count_if(condition: Any) -> Any:
    return _sum(case((condition, 1), else_=0))


def _scalar(statement: Any) -> Any:
    return statement.scalar_subquery()


def _student(user_id: Any) -> Any:
    mine = enrollments.c.student_id == user_id
    enrolled = (
        select(func.count().label("n"), func.count(enrollments.c.completed_at).label("done"))
        .where(mine)
        .subquery("enrolled")
    )
    completed = (
        select(func.count().label("n"), _sum(lessons.c.duration_minutes).label("minutes"))
        .select_from(
            enrollments.join(lesson_completions, lesson_completions.c.enrollment_id == enrollments.c.id).join(
                lessons, lessons.c.id == lesson_completions.c.lesson_id
            )
        )
        .where(mine)
        .subquery("completed")
    )
    attempted = (
        select(
            func.count().label("n"),
            func.count(distinct(quiz_attempts.c.quiz_id)).label("quizzes"),
            _sum(_HUNDREDTHS).label("hundredths"),
        )
        .where(quiz_attempts.c.student_id == user_id, _GRADED)
        .subquery("attempted")
    )
    return select(
        enrolled.c.n.label("courses_enrolled"),
        enrolled.c.done.label("courses_completed"),
        completed.c.n.label("total_lessons_completed"),
        completed.c.minutes.label("learning_time_minutes"),
        attempted.c.n.label("attempts"),
        attempted.c.quizzes.label("quizzes_taken"),
        attempted.c.hundredths.label("score_hundredths"),
    ).select_from(enrolled.join(completed, true()).join(attempted, true()))


def taught_by(instructor_id: Any) -> Any:
    """The courses ``instructor_id`` owns or is on the staff of: ``courses.id IN`` the union of
    both lists, each read through its index. (An ``OR`` of the two made PostgreSQL estimate half
    the courses and join every enrollment and attempt by hash: 0.7 s a report on the large set.)"""
    owned = select(courses.c.id).where(courses.c.instructor_id == instructor_id)
    staffed = select(course_staff.c.course_id).where(course_staff.c.user_id == instructor_id)
    return courses.c.id.in_(union(owned, staffed))


def _instructor_totals(instructor_id: Any) -> Any:
    own = select(courses.c.id).where(taught_by(instructor_id))
    in_own = course_counters.c.course_id.in_(own)
    graded = (
        select(func.count())
        .select_from(quiz_counters.join(quizzes, quizzes.c.id == quiz_counters.c.quiz_id))
        .where(quizzes.c.course_id.in_(own))
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
        _scalar(select(_sum(course_counters.c.enrollments)).where(in_own)).label("total_enrollments"),
        _scalar(select(_sum(course_counters.c.completed_enrollments)).where(in_own)).label(
            "total_completions"
        ),
        _scalar(  # not additive: counted over the covering index of the own courses' enrollments
            select(func.count(distinct(enrollments.c.student_id))).where(enrollments.c.course_id.in_(own))
        ).label("total_students"),
        _scalar(graded.with_only_columns(_sum(quiz_counters.c.graded_attempts))).label("attempts"),
        _scalar(graded.with_only_columns(_sum(quiz_counters.c.score_hundredths))).label("score_hundredths"),
    )


def _instructor_courses(instructor_id: Any) -> Any:
    own = select(courses.c.id).where(taught_by(instructor_id))
    per_enrollments = (
        select(
            course_counters.c.course_id.label("course_id"),
            _sum(course_counters.c.enrollments).label("enrollments"),
            _sum(course_counters.c.completed_enrollments).label("completions"),
        )
        .where(course_counters.c.course_id.in_(own))
        .group_by(course_counters.c.course_id)
        .subquery("per_enrollments")
    )
    per_lessons = (
        select(lessons.c.course_id.label("course_id"), func.count().label("lessons"))
        .where(lessons.c.course_id.in_(own))
        .group_by(lessons.c.course_id)
        .subquery("per_lessons")
    )
    per_completions = (
        select(lessons.c.course_id.label("course_id"), _sum(lesson_counters.c.completions).label("completed"))
        .select_from(lessons.join(lesson_counters, lesson_counters.c.lesson_id == lessons.c.id))
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
    in_course = course_counters.c.course_id == course_id
    no_text, no_number = cast(null(), String), cast(null(), Integer)
    head = select(
        literal(0).label("part"),
        literal(0).label("place"),
        courses.c.id.label("id"),
        no_text.label("title"),
        courses.c.instructor_id.label("owner"),
        _scalar(select(_sum(course_counters.c.enrollments)).where(in_course)).label("a"),
        _scalar(select(_sum(course_counters.c.completed_enrollments)).where(in_course)).label("b"),
        _scalar(select(func.count()).select_from(lessons).where(lessons.c.course_id == course_id)).label("c"),
        _scalar(
            select(_sum(lesson_counters.c.completions))
            .select_from(lessons.join(lesson_counters, lesson_counters.c.lesson_id == lessons.c.id))
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
            _sum(lesson_counters.c.completions),
            no_number,
            no_number,
            no_number,
        )
        .select_from(lessons.outerjoin(lesson_counters, lesson_counters.c.lesson_id == lessons.c.id))
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
            _sum(quiz_counters.c.graded_attempts),
            _sum(quiz_counters.c.score_hundredths),
            _sum(quiz_counters.c.passed_attempts),
            no_number,
        )
        .select_from(quizzes.outerjoin(quiz_counters, quiz_counters.c.quiz_id == quizzes.c.id))
        .where(quizzes.c.course_id == course_id)
        .group_by(quizzes.c.id, quizzes.c.title, quizzes.c.created_at)
    )
    report = union_all(head, lesson_part, quiz_part).subquery("report")
    return select(report).order_by(report.c.part, report.c.place)


def _system_counts(active_since: Any) -> Any:
    def total(name: str) -> Any:
        return _scalar(select(_sum(system_counters.c.n)).where(system_counters.c.name == name))

    people = users.c.erased_at.is_(None)  # an erased account is no user
    return select(
        total("users").label("total_users"),
        _scalar(  # the indexed ranges: only the users active since then
            select(func.count()).where(
                people, or_(users.c.created_at >= active_since, users.c.last_login_at >= active_since)
            )
        ).label("active_users_30d"),
        total("courses").label("total_courses"),
        total("published_courses").label("published_courses"),
        total("enrollments").label("total_enrollments"),
        total("certificates").label("total_certificates"),
        total("closed_attempts").label("total_quiz_attempts"),
    )


def _users_by_role() -> Any:
    role = func.substr(system_counters.c.name, len(USERS_BY_ROLE_PREFIX) + 1)
    return (
        select(role, _sum(system_counters.c.n))
        .where(system_counters.c.name.startswith(USERS_BY_ROLE_PREFIX, autoescape=True))
        .group_by(system_counters.c.name)
    )


STUDENT = built_once(_student)
INSTRUCTOR_TOTALS = built_once(_instructor_totals)
INSTRUCTOR_COURSES = built_once(_instructor_courses)
COURSE = built_once(_course)
SYSTEM_COUNTS = built_once(_system_counts)
USERS_BY_ROLE = built_once(_users_by_role)

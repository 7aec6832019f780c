"""One scripted scenario for the analytics suites, written through the repositories.

Three students, two instructors, an admin; a published course with a deleted lesson, a draft, a
course without lessons, another instructor's course; quiz attempts with known scores, one of them
still open (it must not count) and one expired (it counts, with score 0); two certificates.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from lms_domain.assessment.entities import Attempt, AttemptStatus, GradingStatus, Quiz
from lms_domain.catalog.entities import ContentType, Course, Lesson
from lms_domain.credentials.entities import Certificate
from lms_domain.identity.entities import User
from lms_domain.learning.entities import Enrollment, LessonCompletion
from lms_domain.shared.actors import Role
from tests.contract.catalog_data import NOW

__all__ = ["NOW", "Scenario", "add_scale", "build_scenario"]

UowFactory = Callable[[], Any]
DAY = timedelta(days=1)


def _user(role: Role, *, created: datetime, last_login: datetime | None = None) -> User:
    uid = uuid.uuid4()
    return User(
        id=uid,
        email=f"{uid.hex}@example.com",
        full_name=f"{role.value} {uid.hex[:4]}",
        password_hash="h",
        role=role,
        created_at=created,
        updated_at=created,
        last_login_at=last_login,
    )


def _course(owner: UUID, title: str, offset: int, *, published: bool) -> Course:
    return Course(
        id=uuid.uuid4(),
        instructor_id=owner,
        title=title,
        slug=f"{title.lower().replace(' ', '-')}-{uuid.uuid4().hex[:8]}",
        is_published=published,
        created_at=NOW + timedelta(seconds=offset),
        updated_at=NOW + timedelta(seconds=offset),
    )


def _lesson(course_id: UUID, order: int, title: str, minutes: int) -> Lesson:
    return Lesson(
        id=uuid.uuid4(),
        course_id=course_id,
        title=title,
        content_type=ContentType.TEXT,
        duration_minutes=minutes,
        order=order,
        created_at=NOW,
        updated_at=NOW,
    )


def _quiz(course_id: UUID, title: str, offset: int) -> Quiz:
    at = NOW + timedelta(seconds=offset)
    return Quiz(id=uuid.uuid4(), course_id=course_id, title=title, created_at=at, updated_at=at)


def _attempt(
    quiz_id: UUID,
    student_id: UUID,
    score: float | None,
    status: AttemptStatus = AttemptStatus.SUBMITTED,
    *,
    pending: bool = False,
) -> Attempt:
    """Finished attempts are graded, or (``pending``) await a grader without a score."""
    closed = status is not AttemptStatus.OPEN
    return Attempt(
        id=uuid.uuid4(),
        quiz_id=quiz_id,
        student_id=student_id,
        started_at=NOW,
        ended_at=NOW if closed else None,
        score=score,
        passed=(score is not None and score >= 70) if closed and not pending else None,
        status=status,
        grading_status=None
        if not closed
        else GradingStatus.PENDING_REVIEW
        if pending
        else GradingStatus.GRADED,
    )


def _enrollment(student_id: UUID, course_id: UUID, *, completed: bool = False) -> Enrollment:
    return Enrollment(
        id=uuid.uuid4(),
        student_id=student_id,
        course_id=course_id,
        enrolled_at=NOW,
        completed_at=NOW if completed else None,
    )


def _done(enrollment_id: UUID, lesson_id: UUID) -> LessonCompletion:
    return LessonCompletion(
        id=uuid.uuid4(), enrollment_id=enrollment_id, lesson_id=lesson_id, completed_at=NOW
    )


@dataclass
class Scenario:
    owner: User  # instructor of c1, c2, c3
    other: User  # instructor of c4
    admin: User
    s1: User
    s2: User
    s3: User
    c1: Course
    c2: Course
    c3: Course
    c4: Course
    lessons: list[Lesson]  # c1's remaining lessons, in order
    q1: Quiz
    q2: Quiz
    q3: Quiz


async def build_scenario(new_uow: UowFactory) -> Scenario:
    old = NOW - 100 * DAY
    owner = _user(Role.INSTRUCTOR, created=old, last_login=NOW - DAY)  # active
    other = _user(Role.INSTRUCTOR, created=old)
    admin = _user(Role.ADMIN, created=old)
    s1 = _user(Role.STUDENT, created=NOW - 5 * DAY)  # active
    s2 = _user(Role.STUDENT, created=old, last_login=NOW - 40 * DAY)
    s3 = _user(Role.STUDENT, created=old, last_login=NOW - 10 * DAY)  # active

    c1 = _course(owner.id, "Python Basics", 0, published=True)
    c2 = _course(owner.id, "Draft", 10, published=False)
    c3 = _course(owner.id, "Empty", 20, published=True)
    c4 = _course(other.id, "Elsewhere", 30, published=True)
    l1, l2, l3 = _lesson(c1.id, 1, "One", 10), _lesson(c1.id, 2, "Two", 20), _lesson(c1.id, 3, "Three", 30)
    gone = _lesson(c1.id, 4, "Gone", 40)
    l4, l5 = _lesson(c2.id, 1, "Draft lesson", 5), _lesson(c4.id, 1, "Far", 15)
    q1, q2, q3 = _quiz(c1.id, "Quiz one", 0), _quiz(c1.id, "Quiz two", 5), _quiz(c4.id, "Quiz far", 0)

    e11 = _enrollment(s1.id, c1.id, completed=True)
    e21 = _enrollment(s2.id, c1.id)
    e31 = _enrollment(s3.id, c1.id)
    e23 = _enrollment(s2.id, c3.id)
    e34 = _enrollment(s3.id, c4.id, completed=True)

    async with new_uow() as uow:
        for u in (owner, other, admin, s1, s2, s3):
            await uow.users.add(u)
        for c in (c1, c2, c3, c4):
            await uow.courses.add(c)
        for lesson in (l1, l2, l3, gone, l4, l5):
            await uow.lessons.add(lesson)
        for e in (e11, e21, e31, e23, e34):
            await uow.enrollments.add(e)
        for e, lesson in ((e11, l1), (e11, l2), (e11, l3), (e11, gone), (e21, l1), (e34, l5)):
            await uow.completions.add(_done(e.id, lesson.id))
        for q in (q1, q2, q3):
            await uow.quizzes.add(q)
        for a in (
            _attempt(q1.id, s1.id, 66.67),
            _attempt(q1.id, s1.id, 100.0),
            _attempt(q1.id, s2.id, 83.33),
            _attempt(q1.id, s2.id, None, AttemptStatus.OPEN),  # never counts
            _attempt(q1.id, s3.id, 0.0, AttemptStatus.EXPIRED),  # counts, with score 0
            # awaiting a grader: in no report's attempts or averages (but in the system's total)
            _attempt(q1.id, s2.id, None, pending=True),
            _attempt(q3.id, s3.id, 77.78),
        ):
            await uow.attempts.add(a)
        for n, (student, course, enrollment) in enumerate(((s1, c1.id, e11.id), (s3, None, None))):
            cert_id = uuid.uuid4()
            await uow.certificates.add(
                Certificate(
                    id=cert_id,
                    enrollment_id=enrollment,
                    student_id=student.id,
                    course_id=course,
                    certificate_number=f"CERT-2026-{n:06d}",
                    course_title="Python Basics",
                    student_name=student.full_name,
                    issued_at=NOW,
                    pdf_key=f"certificate-{cert_id.hex}.pdf",
                )
            )
        await uow.commit()
    async with new_uow() as uow:  # its completion goes with it
        await uow.lessons.remove(gone.id)
        await uow.commit()
    return Scenario(owner, other, admin, s1, s2, s3, c1, c2, c3, c4, [l1, l2, l3], q1, q2, q3)


async def add_scale(new_uow: UowFactory, scenario: Scenario, factor: int) -> None:
    """More of everything around the scenario's owner and course c1 (for statement counts)."""
    async with new_uow() as uow:
        for n in range(factor):
            student = _user(Role.STUDENT, created=NOW)
            await uow.users.add(student)
            course = _course(scenario.owner.id, f"Extra {n}", 100 + n, published=True)
            await uow.courses.add(course)
            lesson = _lesson(course.id, 1, f"Extra lesson {n}", 5)
            await uow.lessons.add(lesson)
            quiz = _quiz(scenario.c1.id, f"Extra quiz {n}", 100 + n)
            await uow.quizzes.add(quiz)
            extra = _lesson(scenario.c1.id, 10 + n, f"More {n}", 1)
            await uow.lessons.add(extra)
            for course_id, lesson_id in ((scenario.c1.id, extra.id), (course.id, lesson.id)):
                enrollment = _enrollment(student.id, course_id, completed=True)
                await uow.enrollments.add(enrollment)
                await uow.completions.add(_done(enrollment.id, lesson_id))
            await uow.attempts.add(_attempt(quiz.id, student.id, 50.0))
            await uow.attempts.add(_attempt(scenario.q1.id, student.id, 90.0))
        await uow.commit()

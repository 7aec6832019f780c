"""A scripted class for the gradebook's suites, written through the units of work.

Course ``course`` (published, two lessons) has two published quizzes (``q1`` then ``q2``), a draft
quiz ``q3`` (never a column) and a quiz of another course; its students, in gradebook order: an
erased account (empty name), two students both named "Ann" (ordered by id), "Bob" and "Cy". "Zoe"
is enrolled in the other course only. Attempts cover every case: graded, awaiting review (no
score), open, expired (graded with 0), on a draft quiz, on another course's quiz.

On SQL the attempts are inserted as rows (with ``grading_status``); on the memory adapter they go
through the attempt repository (an attempt awaiting review has no score there).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import insert

from lms_adapters.memory.uow import MemoryUnitOfWork
from lms_adapters.sql.tables import quiz_attempts
from lms_domain.assessment.entities import Attempt, AttemptStatus, GradingStatus, Quiz
from lms_domain.catalog.entities import ContentType, Course, Lesson
from lms_domain.identity.entities import User
from lms_domain.learning.entities import Enrollment, LessonCompletion
from lms_domain.shared.actors import Role
from lms_domain.shared.course_access import StaffRole
from tests.contract.catalog_data import NOW

__all__ = ["NOW", "ClassData", "add_attempt", "add_students", "build_class"]

UowFactory = Callable[[], Any]
GRADED, PENDING = "graded", "pending_review"


def user(full_name: str, role: Role = Role.STUDENT, *, erased: bool = False) -> User:
    uid = uuid.uuid4()
    return User(
        id=uid,
        email=f"erased:{uid}" if erased else f"{uid.hex[:12]}@example.com",
        full_name="" if erased else full_name,
        password_hash="h",
        role=role,
        created_at=NOW,
        updated_at=NOW,
        erased_at=NOW if erased else None,
    )


def _course(owner: UUID, title: str, *, published: bool = True) -> Course:
    return Course(
        id=uuid.uuid4(),
        instructor_id=owner,
        title=title,
        slug=f"gradebook-{uuid.uuid4().hex[:10]}",
        is_published=published,
        created_at=NOW,
        updated_at=NOW,
    )


def _lesson(course_id: UUID, order: int) -> Lesson:
    return Lesson(
        id=uuid.uuid4(),
        course_id=course_id,
        title=f"Lesson {order}",
        content_type=ContentType.TEXT,
        duration_minutes=5,
        order=order,
        created_at=NOW,
        updated_at=NOW,
    )


def quiz(course_id: UUID, title: str, offset: int, *, published: bool = True) -> Quiz:
    at = NOW + timedelta(seconds=offset)
    return Quiz(
        id=uuid.uuid4(),
        course_id=course_id,
        title=title,
        is_published=published,
        created_at=at,
        updated_at=at,
    )


def enrollment(student_id: UUID, course_id: UUID, *, completed_at: datetime | None = None) -> Enrollment:
    return Enrollment(
        id=uuid.uuid4(),
        student_id=student_id,
        course_id=course_id,
        enrolled_at=NOW,
        completed_at=completed_at,
    )


async def add_attempt(
    uow: Any,
    quiz_id: UUID,
    student_id: UUID,
    *,
    score: float | None = None,
    status: AttemptStatus = AttemptStatus.SUBMITTED,
    pending: bool = False,
    passing: float = 70,
) -> None:
    """An attempt as the service leaves it: open (no score), graded (``score``, ``passed``),
    awaiting review (``pending``: no score, no ``passed``), or expired (graded with 0)."""
    finished = status is not AttemptStatus.OPEN
    if status is AttemptStatus.EXPIRED:
        score = 0.0
    graded = finished and not pending
    kept = score if graded else None
    passed = (kept is not None and kept >= passing) if graded else None
    if isinstance(uow, MemoryUnitOfWork):
        await uow.attempts.add(
            Attempt(
                id=uuid.uuid4(),
                quiz_id=quiz_id,
                student_id=student_id,
                started_at=NOW,
                ended_at=NOW if finished else None,
                score=kept,
                passed=passed,
                status=status,
                grading_status=None
                if not finished
                else GradingStatus.PENDING_REVIEW
                if pending
                else GradingStatus.GRADED,
            )
        )
        return
    await uow.connection.execute(
        insert(quiz_attempts).values(
            id=uuid.uuid4(),
            quiz_id=quiz_id,
            student_id=student_id,
            question_order=[],
            questions=[],
            answers=[],
            score=kept,
            passed=passed,
            status=status.value,
            started_at=NOW,
            ended_at=NOW if finished else None,
            grading_status=(PENDING if pending else GRADED) if finished else None,
        )
    )


@dataclass
class ClassData:
    owner: User
    ta: User
    co: User
    outsider: User  # an instructor with no place in the course
    course: Course
    draft: Course  # the owner's draft course (one enrolled student)
    q1: Quiz
    q2: Quiz
    q3: Quiz  # a draft: never a column
    erased: User
    ann1: User  # the two Anns, ordered by id
    ann2: User
    bob: User
    cy: User
    zoe: User  # in the other course only

    @property
    def order(self) -> list[User]:
        """The course's students in gradebook order."""
        return [self.erased, self.ann1, self.ann2, self.bob, self.cy]


async def build_class(new_uow: UowFactory) -> ClassData:
    owner, ta, co, outsider = (user(n, Role.INSTRUCTOR) for n in ("Owner", "Assistant", "Co", "Outsider"))
    anns = sorted((user("Ann"), user("Ann")), key=lambda u: u.id)
    erased, bob, cy, zoe = user("", erased=True), user("Bob"), user("Cy"), user("Zoe")
    course, other = _course(owner.id, "Algebra"), _course(outsider.id, "Elsewhere")
    draft = _course(owner.id, "Draft", published=False)
    l1, l2 = _lesson(course.id, 1), _lesson(course.id, 2)
    q1, q2 = quiz(course.id, "Quiz one", 0), quiz(course.id, "=SUM(A1:A2)", 5)
    q3, far = quiz(course.id, "Draft quiz", 10, published=False), quiz(other.id, "Far", 0)
    e_ann1 = enrollment(anns[0].id, course.id, completed_at=NOW)
    e_bob = enrollment(bob.id, course.id)
    async with new_uow() as uow:
        for u in (owner, ta, co, outsider, erased, *anns, bob, cy, zoe):
            await uow.users.add(u)
        for c in (course, other, draft):
            await uow.courses.add(c)
        await uow.course_staff.add(course.id, ta.id, StaffRole.TEACHING_ASSISTANT, at=NOW)
        await uow.course_staff.add(course.id, co.id, StaffRole.CO_INSTRUCTOR, at=NOW)
        for lesson in (l1, l2):
            await uow.lessons.add(lesson)
        for e in (
            e_ann1,
            e_bob,
            enrollment(anns[1].id, course.id),
            enrollment(erased.id, course.id),
            enrollment(cy.id, course.id),
            enrollment(zoe.id, other.id),
            enrollment(bob.id, draft.id),
        ):
            await uow.enrollments.add(e)
        for e, lesson in ((e_ann1, l1), (e_ann1, l2), (e_bob, l1)):
            await uow.completions.add(
                LessonCompletion(id=uuid.uuid4(), enrollment_id=e.id, lesson_id=lesson.id, completed_at=NOW)
            )
        for q in (q1, q2, q3, far):
            await uow.quizzes.add(q)
        ann1, ann2 = anns
        await add_attempt(uow, q1.id, ann1.id, score=60.0)  # graded, failed
        await add_attempt(uow, q1.id, ann1.id, score=90.5)  # graded, passed: the best
        await add_attempt(uow, q1.id, ann1.id, pending=True)  # awaiting review: counts, no score
        await add_attempt(uow, q1.id, ann1.id, status=AttemptStatus.OPEN)  # never counts
        await add_attempt(uow, q2.id, ann1.id, status=AttemptStatus.EXPIRED)  # graded with 0
        await add_attempt(uow, q3.id, ann1.id, score=100.0)  # a draft quiz: no column
        await add_attempt(uow, q1.id, ann2.id, pending=True)  # only pending: no best score
        await add_attempt(uow, q2.id, bob.id, status=AttemptStatus.OPEN)  # only open: nothing
        await add_attempt(uow, far.id, zoe.id, score=80.0)  # another course
        await add_attempt(uow, q2.id, cy.id, score=70.0)  # passes at exactly 70
        await add_attempt(uow, q2.id, cy.id, score=40.0)
        await uow.commit()
    return ClassData(owner, ta, co, outsider, course, draft, q1, q2, q3, erased, ann1, ann2, bob, cy, zoe)


async def add_students(new_uow: UowFactory, data: ClassData, count: int, *, quizzes: int = 0) -> None:
    """``count`` more students of the course, each with a graded attempt of every published quiz,
    and ``quizzes`` more published quizzes (for statement counts)."""
    async with new_uow() as uow:
        extra = [quiz(data.course.id, f"Extra {n}", 100 + n) for n in range(quizzes)]
        for q in extra:
            await uow.quizzes.add(q)
        for n in range(count):
            student = user(f"Student {n:04d}")
            await uow.users.add(student)
            await uow.enrollments.add(enrollment(student.id, data.course.id))
            for q in (data.q1, data.q2, *extra):
                await add_attempt(uow, q.id, student.id, score=float(n % 100))
        await uow.commit()

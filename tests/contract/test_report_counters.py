"""The reports' counters (migration 0020's triggers) on both databases: after every kind of write,
alone and in random concurrent mixes, each counter equals its recount from the rows and the
reports equal the aggregates over the rows; ``lms reconcile-counters`` repairs what was broken."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.tables import (
    course_counters,
    enrollments,
    lesson_completions,
    lesson_counters,
    quiz_attempts,
    quiz_counters,
    system_counters,
    users,
)
from lms_adapters.sql.uow import SqlUnitOfWork
from lms_domain.assessment.entities import Attempt, AttemptStatus, GradingStatus, Quiz
from lms_domain.catalog.entities import ContentType, Course, Lesson
from lms_domain.credentials.entities import Certificate
from lms_domain.identity.entities import User
from lms_domain.learning.entities import Enrollment, LessonCompletion
from lms_domain.shared.actors import Role
from tests.conftest import needs_pg
from tests.contract.analytics_data import NOW, Scenario, build_scenario
from tests.contract.counters_support import assert_counted, differing, write_errors


@dataclass
class Store:
    url: str
    engine: AsyncEngine
    postgres: bool

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=needs_pg)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    url = request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")
    engine = make_engine(url)
    yield Store(url, engine, request.param == "postgres")
    await engine.dispose()


def new_user(role: Role = Role.STUDENT) -> User:
    uid = uuid.uuid4()
    return User(
        id=uid,
        email=f"{uid.hex}@example.com",
        full_name="Ann Lee",
        password_hash="h",
        role=role,
        created_at=NOW,
        updated_at=NOW,
        last_login_at=NOW,
    )


def new_course(owner: UUID, *, published: bool = True) -> Course:
    cid = uuid.uuid4()
    return Course(
        id=cid,
        instructor_id=owner,
        title=f"Course {cid.hex[:6]}",
        slug=f"course-{cid.hex}",
        is_published=published,
        created_at=NOW,
        updated_at=NOW,
    )


def new_lesson(course_id: UUID, order: int) -> Lesson:
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


def new_quiz(course_id: UUID) -> Quiz:
    return Quiz(id=uuid.uuid4(), course_id=course_id, title="Quiz", created_at=NOW, updated_at=NOW)


def new_enrollment(student_id: UUID, course_id: UUID) -> Enrollment:
    return Enrollment(id=uuid.uuid4(), student_id=student_id, course_id=course_id, enrolled_at=NOW)


def new_certificate(student: User, course_id: UUID | None, enrollment_id: UUID | None) -> Certificate:
    cert_id = uuid.uuid4()
    return Certificate(
        id=cert_id,
        enrollment_id=enrollment_id,
        student_id=student.id,
        course_id=course_id,
        certificate_number=f"CERT-{cert_id.hex[:24]}",
        course_title="Course",
        student_name=student.full_name,
        issued_at=NOW,
        pdf_key=None,
    )


def graded(attempt: Attempt, score: float) -> None:
    attempt.status, attempt.ended_at = AttemptStatus.SUBMITTED, NOW
    attempt.score, attempt.passed, attempt.grading_status = score, score >= 70, GradingStatus.GRADED


# --- one kind of write at a time ---------------------------------------------------------------


async def _role_change(uow: SqlUnitOfWork, s: Scenario) -> None:
    user = await uow.users.get(s.s2.id)
    assert user is not None
    user.role = Role.INSTRUCTOR
    await uow.users.update(user)


async def _erase(uow: SqlUnitOfWork, s: Scenario) -> None:
    user = await uow.users.get(s.s3.id)
    assert user is not None
    user.erased_at = NOW
    await uow.users.update(user)


async def _unpublish_and_publish(uow: SqlUnitOfWork, s: Scenario) -> None:
    for course, published in ((s.c1, False), (s.c2, True)):
        course.is_published = published
        await uow.courses.update(course)


async def _enroll_complete_and_certify(uow: SqlUnitOfWork, s: Scenario) -> None:
    enrollment = new_enrollment(s.s2.id, s.c4.id)
    await uow.enrollments.add(enrollment)
    far = (await uow.lessons.list_for_course(s.c4.id))[0][0].id
    await uow.completions.add(
        LessonCompletion(id=uuid.uuid4(), enrollment_id=enrollment.id, lesson_id=far, completed_at=NOW)
    )
    await uow.enrollments.mark_completed(enrollment.id, NOW)
    await uow.certificates.add(new_certificate(s.s2, s.c4.id, enrollment.id))


async def _attempt_lifecycle(uow: SqlUnitOfWork, s: Scenario) -> None:
    attempt = Attempt(id=uuid.uuid4(), quiz_id=s.q2.id, student_id=s.s1.id, started_at=NOW)
    await uow.attempts.add(attempt)
    attempt.status, attempt.ended_at = AttemptStatus.SUBMITTED, NOW
    attempt.grading_status = GradingStatus.PENDING_REVIEW  # an essay awaits its grader
    assert await uow.attempts.finish(attempt)
    graded(attempt, 88.88)  # the hand grade
    await uow.attempts.save_grades(attempt)
    graded(attempt, 55.55)  # a regrade
    await uow.attempts.save_regrades([attempt])


async def _delete_lesson(uow: SqlUnitOfWork, s: Scenario) -> None:
    await uow.lessons.remove(s.lessons[0].id)  # its completions go with it


async def _delete_quiz(uow: SqlUnitOfWork, s: Scenario) -> None:
    await uow.quizzes.delete(s.q1.id)  # its attempts go with it


async def _delete_course(uow: SqlUnitOfWork, s: Scenario) -> None:
    await uow.courses.remove(s.c1.id)  # lessons, enrollments, completions, quizzes, attempts


STEPS: list[Callable[[SqlUnitOfWork, Scenario], Awaitable[None]]] = [
    _role_change,
    _erase,
    _unpublish_and_publish,
    _enroll_complete_and_certify,
    _attempt_lifecycle,
    _delete_lesson,
    _delete_quiz,
    _delete_course,
]


async def test_every_kind_of_write_keeps_the_counters_equal_to_a_recount(store: Store) -> None:
    s = await build_scenario(store.uow)  # users, courses, lessons (one deleted), attempts, certificates
    await assert_counted(store.engine, store.url, NOW)
    for step in STEPS:
        async with store.uow() as uow:
            await step(uow, s)
            await uow.commit()
        await assert_counted(store.engine, store.url, NOW)
    async with store.engine.begin() as conn:  # what the benchmark's cleanup deletes and resets
        await conn.execute(delete(lesson_completions))
        await conn.execute(update(enrollments).values(completed_at=None))
        await conn.execute(delete(quiz_attempts))
    await assert_counted(store.engine, store.url, NOW)
    people = system_counters.c.name == "users"
    async with store.engine.connect() as conn:
        assert await conn.scalar(select(func.sum(system_counters.c.n)).where(people)) == 5  # one erased


async def test_an_update_of_other_columns_writes_no_counter(store: Store) -> None:
    s = await build_scenario(store.uow)
    async with store.engine.begin() as conn:
        await conn.execute(delete(system_counters))
    async with store.uow() as uow:
        user = await uow.users.get(s.s1.id)
        assert user is not None
        user.full_name = "Renamed"
        await uow.users.update(user)  # sets every column, role and erased_at unchanged
        await uow.commit()
    async with store.engine.connect() as conn:
        assert (await conn.execute(select(system_counters))).all() == []


# --- random concurrent mixes -------------------------------------------------------------------


@dataclass
class World:
    teacher: User
    students: list[User]
    courses: list[Course]
    lessons: list[list[Lesson]]  # per course
    quizzes: list[Quiz]  # one per course
    enrolled: dict[tuple[int, int], UUID] = field(default_factory=dict)  # (student, course)


async def make_world(store: Store) -> World:
    teacher = new_user(Role.INSTRUCTOR)
    students = [new_user() for _ in range(3)]
    courses_ = [new_course(teacher.id) for _ in range(2)]
    world = World(teacher, students, courses_, [], [new_quiz(c.id) for c in courses_])
    async with store.uow() as uow:
        for user in (teacher, *students):
            await uow.users.add(user)
        for n, course in enumerate(courses_):
            await uow.courses.add(course)
            world.lessons.append([new_lesson(course.id, 1), new_lesson(course.id, 2)])
            for lesson in world.lessons[-1]:
                await uow.lessons.add(lesson)
            await uow.quizzes.add(world.quizzes[n])
            for i, student in enumerate(students):
                enrollment = new_enrollment(student.id, course.id)
                await uow.enrollments.add(enrollment)
                world.enrolled[i, n] = enrollment.id
        await uow.commit()
    return world


Op = tuple[str, int, int, int]  # kind, student, course, a small number


async def _newcomer(store: Store, world: World, i: int, c: int, k: int) -> None:
    user = new_user()
    async with store.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    async with store.uow() as uow:
        await uow.enrollments.add(new_enrollment(user.id, world.courses[c].id))
        await uow.commit()


async def _complete(store: Store, world: World, i: int, c: int, k: int) -> None:
    enrollment_id, lesson = world.enrolled[i, c], world.lessons[c][k % 2]
    async with store.uow() as uow:
        await uow.completions.add(
            LessonCompletion(
                id=uuid.uuid4(), enrollment_id=enrollment_id, lesson_id=lesson.id, completed_at=NOW
            )
        )
        if k % 2:  # the last lesson: the course is completed
            await uow.enrollments.mark_completed(enrollment_id, NOW)
        await uow.commit()


async def _attempt(store: Store, world: World, i: int, c: int, k: int) -> None:
    attempt = Attempt(
        id=uuid.uuid4(), quiz_id=world.quizzes[c].id, student_id=world.students[i].id, started_at=NOW
    )
    async with store.uow() as uow:
        await uow.attempts.add(attempt)
        await uow.commit()
    async with store.uow() as uow:
        if k % 3 == 0:
            attempt.status, attempt.ended_at = AttemptStatus.SUBMITTED, NOW
            attempt.grading_status = GradingStatus.PENDING_REVIEW
        else:
            graded(attempt, 10.0 * k + 0.33)
        await uow.attempts.finish(attempt)
        await uow.commit()
    async with store.uow() as uow:  # the hand grade, or a regrade
        graded(attempt, 7.77 * k)
        await uow.attempts.save_grades(attempt)
        await uow.commit()


async def _user_change(store: Store, world: World, i: int, c: int, k: int) -> None:
    async with store.uow() as uow:
        user = await uow.users.get(world.students[i].id, for_update=True)
        if user is None:
            return
        if k % 2:
            user.erased_at = NOW
        else:
            user.role = Role.INSTRUCTOR if user.role is Role.STUDENT else Role.STUDENT
        await uow.users.update(user)
        await uow.commit()


async def _publish(store: Store, world: World, i: int, c: int, k: int) -> None:
    async with store.uow() as uow:
        found = await uow.courses.get(world.courses[c].id, for_update=True)
        if found is not None:
            found.is_published = not found.is_published
            await uow.courses.update(found)
            await uow.commit()


async def _certificate(store: Store, world: World, i: int, c: int, k: int) -> None:
    async with store.uow() as uow:
        await uow.certificates.add(new_certificate(world.students[i], world.courses[c].id, None))
        await uow.commit()


async def _delete(store: Store, world: World, i: int, c: int, k: int) -> None:
    async with store.uow() as uow:
        if k < 5:  # half the deletes take a lesson
            await uow.lessons.remove(world.lessons[c][k % 2].id)
        elif k < 8:
            await uow.quizzes.delete(world.quizzes[c].id)
        else:
            await uow.courses.remove(world.courses[c].id)
        await uow.commit()


async def _cleanup(store: Store, world: World, i: int, c: int, k: int) -> None:
    """The benchmark's cleanup, for one course."""
    lesson_ids = [lesson.id for lesson in world.lessons[c]]
    course_id, quiz_id = world.courses[c].id, world.quizzes[c].id
    async with store.engine.begin() as conn:
        await conn.execute(delete(lesson_completions).where(lesson_completions.c.lesson_id.in_(lesson_ids)))
        await conn.execute(
            update(enrollments).where(enrollments.c.course_id == course_id).values(completed_at=None)
        )
        await conn.execute(delete(quiz_attempts).where(quiz_attempts.c.quiz_id == quiz_id))


RUN: dict[str, Callable[[Store, World, int, int, int], Awaitable[None]]] = {
    "newcomer": _newcomer,
    "complete": _complete,
    "attempt": _attempt,
    "user": _user_change,
    "publish": _publish,
    "certificate": _certificate,
    "delete": _delete,
    "cleanup": _cleanup,
}


async def run_op(store: Store, world: World, op: Op) -> None:
    kind, i, c, k = op
    await RUN[kind](store, world, i, c, k)


KINDS = ["newcomer", "complete", "complete", "attempt", "attempt", "user", "publish", "certificate"]
KINDS += ["delete", "cleanup"]
OPS = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 2), st.integers(0, 1), st.integers(0, 9)),
    min_size=4,
    max_size=24,
)


async def run_concurrently(store: Store, world: World, ops: list[Op]) -> list[str]:
    """Every op at once but the deletions, which come after them, one by one; what failed, as text
    (a lost race fails an op: a duplicate, a course deleted meanwhile; a deadlock must not happen).

    Deleting a course or a lesson while one of its lessons is being completed can deadlock without
    any counter: the schema's cascade locks the course's lessons before its enrollments, and the
    completion holds its enrollment before the foreign key check locks the lesson. That race is
    the cascades', not the counters' (the counters' writes come after both locks), so deletions do
    not race here; their counters are checked after every mix all the same."""
    racing = [op for op in ops if op[0] != "delete"]
    outcomes = await asyncio.gather(*(run_op(store, world, op) for op in racing), return_exceptions=True)
    for op in (op for op in ops if op[0] == "delete"):
        try:
            await run_op(store, world, op)
        except Exception as e:  # a deletion of what another deleted: a lost race, as above
            outcomes.append(e)
    return [write_errors(e) for e in outcomes if isinstance(e, BaseException)]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=needs_pg)])
def test_counters_equal_a_recount_after_random_concurrent_writes(
    request: pytest.FixtureRequest, backend: str
) -> None:
    url = request.getfixturevalue("pg_url" if backend == "postgres" else "sqlite_url")

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(ops=OPS)
    def check(ops: list[Op]) -> None:
        async def example() -> None:
            store = Store(url, make_engine(url), backend == "postgres")
            try:
                world = await make_world(store)
                failures = await run_concurrently(store, world, ops)
                assert not [f for f in failures if "deadlock" in f.lower()], failures
                await assert_counted(store.engine, store.url, NOW)
            finally:
                await store.engine.dispose()

        asyncio.run(example())

    check()


# --- reconcile-counters ------------------------------------------------------------------------


async def test_reconcile_counters_repairs_and_says_how_many_differed(
    store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lms_http.cli import main

    s = await build_scenario(store.uow)
    async with store.engine.begin() as conn:  # four counters broken by hand
        await conn.execute(
            update(system_counters).where(system_counters.c.name == "enrollments").values(n=99)
        )
        await conn.execute(delete(course_counters).where(course_counters.c.course_id == s.c1.id))
        await conn.execute(update(quiz_counters).values(score_hundredths=1))  # q1 and q3
    assert await differing(store.url) == 4
    monkeypatch.setenv("LMS_DATABASE_URL", store.url)
    await asyncio.to_thread(main, ["reconcile-counters"])
    assert "counters reconciled: 4 differed" in capsys.readouterr().out
    await assert_counted(store.engine, store.url, NOW)
    await asyncio.to_thread(main, ["reconcile-counters"])
    assert "counters reconciled: 0 differed" in capsys.readouterr().out
    async with store.engine.connect() as conn:  # one shard per key after a reconcile
        assert (await conn.execute(select(func.count()).select_from(lesson_counters))).scalar() == 4


@needs_pg
async def test_reconcile_while_writing_loses_no_write(pg_url: str) -> None:
    from lms_adapters.sql.counters import reconcile_database

    store = Store(pg_url, make_engine(pg_url), postgres=True)
    try:
        world = await make_world(store)
        ops: list[Op] = [
            (kind, i, c, k)
            for k in range(3)
            for i in range(3)
            for c in range(2)
            for kind in ("newcomer", "complete", "attempt", "certificate", "publish", "user")
        ]
        ops += [("delete", 0, 0, 0), ("delete", 0, 1, 6), ("cleanup", 0, 1, 0)]  # a lesson, a quiz

        async def reconcile_after(delay: float) -> int:
            await asyncio.sleep(delay)
            return await asyncio.to_thread(reconcile_database, pg_url)

        reconciles = [reconcile_after(delay) for delay in (0, 0.05, 0.1, 0.2, 0.4)]
        writes = asyncio.ensure_future(run_concurrently(store, world, ops))
        changed = await asyncio.gather(*reconciles)
        failures = await writes
        assert not [f for f in failures if "deadlock" in f.lower()], failures
        # each recount, taken among the writes, found the counters of every committed write exact
        assert changed == [0] * 5
        await assert_counted(store.engine, store.url, NOW)
    finally:
        await store.engine.dispose()


@needs_pg
async def test_a_session_with_counters_off_fires_no_trigger(pg_url: str) -> None:
    """What the seed's COPY runs under: its rows are counted by the recount that follows."""
    from lms_adapters.sql.counters import reconcile_database

    store = Store(pg_url, make_engine(pg_url), postgres=True)
    try:
        async with store.engine.begin() as conn:
            await conn.exec_driver_sql("SET LOCAL lms.counters = 'off'")
            async with store.uow() as uow:  # another connection: counted
                await uow.users.add(new_user())
                await uow.commit()
            uid = uuid.uuid4()
            await conn.execute(
                insert(users).values(
                    id=uid, email=f"{uid.hex}@example.com", full_name="A", password_hash="h", role="student",
                    is_active=True, mfa_enabled=False, created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
        assert await differing(pg_url) == 2  # users, users:student
        assert await asyncio.to_thread(reconcile_database, pg_url) == 2
        assert await differing(pg_url) == 0
    finally:
        await store.engine.dispose()

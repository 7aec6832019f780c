"""Analytics use cases on the in-memory adapter: who may read what, rounding, nulls over nothing."""

from __future__ import annotations

import math
import uuid
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms_adapters.memory.analytics import MemoryAnalyticsQueries
from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_domain.analytics import use_cases as uc
from lms_domain.analytics.views import average_progress, mean_score, rate
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.errors import Forbidden, NotFound
from tests.builders import FixedClock
from tests.contract.analytics_data import NOW, Scenario, build_scenario


def _half_up_hundredths(exact: Fraction) -> float:
    return math.floor(exact * 100 + Fraction(1, 2)) / 100


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=10**9))
def test_rate_is_the_exact_value_rounded_once_half_up(part: int, whole: int) -> None:
    assert rate(part, whole) == _half_up_hundredths(Fraction(100 * part, whole))


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=50))
def test_mean_score_of_two_decimal_scores(hundredths: list[int]) -> None:
    exact = Fraction(sum(hundredths), 100 * len(hundredths))
    assert mean_score(sum(hundredths), len(hundredths)) == _half_up_hundredths(exact)


@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=30), st.integers(1, 40))
def test_average_progress_is_the_mean_of_exact_fractions(completed: list[int], lessons: int) -> None:
    done = [min(c, lessons) for c in completed]
    exact = sum((Fraction(100 * c, lessons) for c in done), Fraction(0)) / len(done)
    assert average_progress(sum(done), len(done), lessons) == _half_up_hundredths(exact)


def test_rounding_examples_and_nothing() -> None:
    assert [rate(1, 3), rate(2, 3), rate(1, 8), rate(1, 800), rate(3, 3)] == [33.33, 66.67, 12.5, 0.13, 100.0]
    assert mean_score(6667 + 10000, 2) == 83.34  # 83.335: a tie, rounded up (binary floats give 83.33)
    assert (rate(0, 0), mean_score(0, 0), average_progress(0, 0, 5)) == (None, None, None)
    assert average_progress(0, 3, 0) == 0.0  # a course without lessons


@pytest.fixture
async def world() -> tuple[MemoryState, Scenario]:
    state = MemoryState()
    return state, await build_scenario(lambda: MemoryUnitOfWork(state))


def _as(user_id: uuid.UUID, role: Role) -> Actor:
    return Actor(user_id=user_id, role=role)


async def test_student_analytics_for_any_signed_in_user(world: tuple[MemoryState, Scenario]) -> None:
    state, s = world
    get = uc.GetStudentAnalytics(MemoryAnalyticsQueries(state))
    mine = await get(actor=_as(s.s1.id, Role.STUDENT))
    assert (mine.courses_enrolled, mine.average_quiz_score, mine.learning_time_minutes) == (1, 83.34, 60)
    staff = await get(actor=_as(s.owner.id, Role.INSTRUCTOR))  # enrolled nowhere: nulls, zeros
    assert (staff.courses_enrolled, staff.quizzes_taken, staff.average_quiz_score) == (0, 0, None)


async def test_instructor_analytics_by_role(world: tuple[MemoryState, Scenario]) -> None:
    state, s = world
    get = uc.GetInstructorAnalytics(MemoryAnalyticsQueries(state))
    with pytest.raises(Forbidden):
        await get(actor=_as(s.s1.id, Role.STUDENT))
    with pytest.raises(Forbidden):
        await get(actor=_as(s.other.id, Role.INSTRUCTOR), instructor_id=s.owner.id)
    own = await get(actor=_as(s.owner.id, Role.INSTRUCTOR))
    assert (own.instructor_id, own.total_courses, own.completion_rate) == (s.owner.id, 3, 25.0)
    assert (await get(actor=_as(s.owner.id, Role.INSTRUCTOR), instructor_id=s.owner.id)) == own
    admin = _as(s.admin.id, Role.ADMIN)
    assert await get(actor=admin, instructor_id=s.owner.id) == own
    admins_own = await get(actor=admin)
    assert (admins_own.instructor_id, admins_own.total_courses, admins_own.completion_rate) == (
        s.admin.id,
        0,
        None,
    )
    with pytest.raises(NotFound):
        await get(actor=admin, instructor_id=uuid.uuid4())


async def test_course_analytics_by_role(world: tuple[MemoryState, Scenario]) -> None:
    state, s = world
    get = uc.GetCourseAnalytics(MemoryAnalyticsQueries(state))
    for intruder in (_as(s.other.id, Role.INSTRUCTOR), _as(s.s1.id, Role.STUDENT)):
        with pytest.raises(Forbidden):
            await get(actor=intruder, course_id=s.c1.id)
        with pytest.raises(Forbidden):  # a draft too: the contract says 403, not 404
            await get(actor=intruder, course_id=s.c2.id)
    with pytest.raises(NotFound):
        await get(actor=_as(s.admin.id, Role.ADMIN), course_id=uuid.uuid4())
    by_owner = await get(actor=_as(s.owner.id, Role.INSTRUCTOR), course_id=s.c1.id)
    assert await get(actor=_as(s.admin.id, Role.ADMIN), course_id=s.c1.id) == by_owner
    assert (by_owner.completion_rate, by_owner.average_progress) == (33.33, 44.44)
    draft = await get(actor=_as(s.owner.id, Role.INSTRUCTOR), course_id=s.c2.id)
    assert (draft.enrollments, draft.completion_rate, draft.average_progress) == (0, None, None)


async def test_system_analytics_for_admins_only(world: tuple[MemoryState, Scenario]) -> None:
    state, s = world
    get = uc.GetSystemAnalytics(MemoryAnalyticsQueries(state), FixedClock(NOW))
    for who in (_as(s.s1.id, Role.STUDENT), _as(s.owner.id, Role.INSTRUCTOR)):
        with pytest.raises(Forbidden):
            await get(actor=who)
    report = await get(actor=_as(s.admin.id, Role.ADMIN))
    assert (report.total_users, report.active_users_30d, report.total_quiz_attempts) == (6, 3, 6)
    later = await uc.GetSystemAnalytics(MemoryAnalyticsQueries(state), FixedClock(NOW.replace(year=2027)))(
        actor=_as(s.admin.id, Role.ADMIN)
    )
    assert later.active_users_30d == 0  # nobody registered or signed in within 30 days of then

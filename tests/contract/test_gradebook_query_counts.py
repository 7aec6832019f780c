"""The gradebook costs a fixed number of SQL statements: a page the same with 5 or 125 students and
2 or 12 quizzes, and an export the same per batch (plus its access check) however many batches."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest

from lms_adapters.sql.engine import make_engine
from lms_adapters.sql.uow import SqlReadUnitOfWork, SqlUnitOfWork
from lms_domain.assessment.gradebook import GradebookRow
from lms_domain.assessment.use_cases import ExportGradebook, GetGradebook
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.pagination import PageRequest
from tests.conftest import needs_pg
from tests.contract.gradebook_data import ClassData, add_students, build_class
from tests.contract.test_query_counts import Counter

BATCH = 50


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=needs_pg)])
async def sql(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Callable[[], SqlUnitOfWork], Counter]]:
    engine = make_engine(request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url"))
    yield (lambda: SqlUnitOfWork(engine)), Counter(engine)
    await engine.dispose()


async def _costs(
    new_uow: Callable[[], SqlUnitOfWork], counter: Counter, d: ClassData
) -> tuple[int, int, list[int], list[int]]:
    """Statements of a page of 100, of an export's start, of each of its batches; and the batches' sizes."""
    reader: Callable[[], SqlReadUnitOfWork] = lambda: new_uow().reader()  # noqa: E731
    owner = Actor(user_id=d.owner.id, role=Role.INSTRUCTOR)
    page = await counter.during(
        lambda: GetGradebook(reader())(actor=owner, course_id=d.course.id, page=PageRequest(1, 100))
    )
    exports: list[Any] = []

    async def start() -> None:
        exports.append(await ExportGradebook(reader())(actor=owner, course_id=d.course.id, batch_size=BATCH))

    setup = await counter.during(start)
    batches = exports[0].batches()
    per_batch, sizes = [], []
    while True:
        got: list[Sequence[GradebookRow]] = []

        async def step(into: list[Sequence[GradebookRow]] = got) -> None:
            with contextlib.suppress(StopAsyncIteration):
                into.append(await anext(batches))

        cost = await counter.during(step)
        if not got:
            break
        per_batch.append(cost)
        sizes.append(len(got[0]))
    return page, setup, per_batch, sizes


async def test_a_page_and_each_export_batch_cost_the_same_whatever_the_class(
    sql: tuple[Callable[[], SqlUnitOfWork], Counter],
) -> None:
    new_uow, counter = sql
    d = await build_class(new_uow)
    small = await _costs(new_uow, counter, d)
    await add_students(new_uow, d, 120, quizzes=10)
    large = await _costs(new_uow, counter, d)

    assert (small[3], large[3]) == ([5], [50, 50, 25])  # the data did grow: more batches
    assert small[0] == large[0], (small, large)  # a page: course, quizzes, students, grades
    assert small[1] == large[1], (small, large)  # an export's start: course, quizzes
    assert set(small[2]) == set(large[2]), (small, large)  # every batch: students, grades
    assert len(set(large[2])) == 1, large
    # the statements themselves; on SQLite each read unit adds its BEGIN
    assert small[:3] in ((4, 2, [2]), (5, 3, [3])), small

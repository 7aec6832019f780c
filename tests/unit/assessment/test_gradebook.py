"""The gradebook's rules on the memory adapters: who reads it, what counts, the order, the pages."""

from __future__ import annotations

import uuid

import pytest

from lms_adapters.memory.uow import MemoryState, MemoryUnitOfWork
from lms_domain.assessment.entities import AttemptStatus
from lms_domain.assessment.gradebook import GradebookRow, QuizGrade
from lms_domain.assessment.use_cases import ExportGradebook, GetGradebook
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.errors import Forbidden, NotFound
from lms_domain.shared.pagination import PageRequest
from tests.contract.gradebook_data import ClassData, add_attempt, build_class, quiz

ALL = PageRequest(1, 100)


@pytest.fixture
def state() -> MemoryState:
    return MemoryState()


@pytest.fixture
async def data(state: MemoryState) -> ClassData:
    return await build_class(lambda: MemoryUnitOfWork(state))


def _as(user_id: uuid.UUID, role: Role = Role.INSTRUCTOR) -> Actor:
    return Actor(user_id=user_id, role=role)


async def _rows(state: MemoryState, who: Actor, course_id: uuid.UUID) -> list[GradebookRow]:
    book = await GetGradebook(MemoryUnitOfWork(state))(actor=who, course_id=course_id, page=ALL)
    return list(book.rows.items)


def _cells(rows: list[GradebookRow], student_id: uuid.UUID) -> tuple[QuizGrade, ...]:
    return next(r.quizzes for r in rows if r.student_id == student_id)


async def test_rows_come_by_name_then_id_and_keep_erased_students(
    state: MemoryState, data: ClassData
) -> None:
    rows = await _rows(state, _as(data.owner.id), data.course.id)
    assert [r.student_id for r in rows] == [u.id for u in data.order]
    assert data.zoe.id not in {r.student_id for r in rows}  # enrolled elsewhere only
    erased = rows[0]
    assert (erased.full_name, erased.email) == ("", f"erased:{data.erased.id}")
    assert [r.progress_percentage for r in rows] == [0, 100, 0, 50, 0]


async def test_best_score_ignores_attempts_awaiting_review_and_open_ones(
    state: MemoryState, data: ClassData
) -> None:
    rows = await _rows(state, _as(data.owner.id), data.course.id)
    q1, _ = _cells(rows, data.ann1.id)
    assert (q1.best_score, q1.attempts, q1.passed) == (90.5, 3, True)  # 60, 90.5, pending; open left out
    only_pending, _ = _cells(rows, data.ann2.id)
    assert (only_pending.best_score, only_pending.attempts, only_pending.passed) == (None, 1, False)
    _, only_open = _cells(rows, data.bob.id)
    assert (only_open.best_score, only_open.attempts, only_open.passed) == (None, 0, False)


async def test_an_expired_attempt_counts_as_one_attempt_with_score_0(
    state: MemoryState, data: ClassData
) -> None:
    rows = await _rows(state, _as(data.owner.id), data.course.id)
    _, expired = _cells(rows, data.ann1.id)
    assert (expired.best_score, expired.attempts, expired.passed) == (0.0, 1, False)


async def test_passed_is_any_graded_attempt_passing(state: MemoryState, data: ClassData) -> None:
    rows = await _rows(state, _as(data.owner.id), data.course.id)
    _, cy = _cells(rows, data.cy.id)
    assert (cy.best_score, cy.attempts, cy.passed) == (70.0, 2, True)  # 70 passed, then 40 failed
    async with MemoryUnitOfWork(state) as uow:  # a pending attempt never passes, whatever comes later
        await add_attempt(uow, data.q2.id, data.ann2.id, pending=True)
        await uow.commit()
    _, ann2 = _cells(await _rows(state, _as(data.owner.id), data.course.id), data.ann2.id)
    assert (ann2.best_score, ann2.attempts, ann2.passed) == (None, 1, False)


async def test_columns_are_published_quizzes_oldest_first(state: MemoryState, data: ClassData) -> None:
    book = await GetGradebook(MemoryUnitOfWork(state))(
        actor=_as(data.owner.id), course_id=data.course.id, page=ALL
    )
    assert [q.quiz_id for q in book.quizzes] == [data.q1.id, data.q2.id]  # q3 is a draft
    assert all([c.quiz_id for c in r.quizzes] == [data.q1.id, data.q2.id] for r in book.rows.items)


async def test_a_course_without_published_quizzes_has_rows_without_cells(
    state: MemoryState, data: ClassData
) -> None:
    rows = await _rows(state, _as(data.owner.id), data.draft.id)
    assert [(r.student_id, r.quizzes) for r in rows] == [(data.bob.id, ())]


async def test_pages_of_students(state: MemoryState, data: ClassData) -> None:
    get = GetGradebook(MemoryUnitOfWork(state))
    second = await get(actor=_as(data.owner.id), course_id=data.course.id, page=PageRequest(2, 2))
    assert [r.student_id for r in second.rows.items] == [data.ann2.id, data.bob.id]
    assert (second.rows.total, second.rows.pages) == (5, 3)
    beyond = await get(actor=_as(data.owner.id), course_id=data.course.id, page=PageRequest(9, 2))
    assert (list(beyond.rows.items), beyond.rows.total) == ([], 5)


@pytest.mark.parametrize("who", ["owner", "co", "ta", "admin"])
async def test_editors_and_teaching_assistants_read_it(state: MemoryState, data: ClassData, who: str) -> None:
    reader = _as(uuid.uuid4(), Role.ADMIN) if who == "admin" else _as(getattr(data, who).id)
    assert len(await _rows(state, reader, data.course.id)) == 5
    export = await ExportGradebook(MemoryUnitOfWork(state))(actor=reader, course_id=data.course.id)
    assert sum([len(b) async for b in export.batches()]) == 5


async def test_the_owner_and_admins_read_a_draft_course_staff_of_another_course_do_not(
    state: MemoryState, data: ClassData
) -> None:
    for who in (_as(data.owner.id), _as(uuid.uuid4(), Role.ADMIN)):
        assert [r.student_id for r in await _rows(state, who, data.draft.id)] == [data.bob.id]
    with pytest.raises(NotFound):  # the course's assistant is nobody to the draft
        await _rows(state, _as(data.ta.id), data.draft.id)


async def test_others_get_403_on_a_published_course_and_404_on_a_draft(
    state: MemoryState, data: ClassData
) -> None:
    student, outsider = _as(data.ann1.id, Role.STUDENT), _as(data.outsider.id)
    for who in (student, outsider):
        with pytest.raises(Forbidden):
            await _rows(state, who, data.course.id)
        with pytest.raises(Forbidden):
            await ExportGradebook(MemoryUnitOfWork(state))(actor=who, course_id=data.course.id)
    bob = _as(data.bob.id, Role.STUDENT)  # enrolled in the draft, which he may not see
    for who in (bob, outsider):
        with pytest.raises(NotFound):
            await _rows(state, who, data.draft.id)
        with pytest.raises(NotFound):
            await ExportGradebook(MemoryUnitOfWork(state))(actor=who, course_id=data.draft.id)


async def test_an_unknown_course_is_404(state: MemoryState, data: ClassData) -> None:
    admin = _as(uuid.uuid4(), Role.ADMIN)
    with pytest.raises(NotFound):
        await _rows(state, admin, uuid.uuid4())
    with pytest.raises(NotFound):
        await ExportGradebook(MemoryUnitOfWork(state))(actor=admin, course_id=uuid.uuid4())


async def test_an_export_reads_every_student_in_batches_with_fixed_columns(
    state: MemoryState, data: ClassData
) -> None:
    export = await ExportGradebook(MemoryUnitOfWork(state))(
        actor=_as(data.owner.id), course_id=data.course.id, batch_size=2
    )
    async with MemoryUnitOfWork(state) as uow:  # published after the export began: not a column
        late = quiz(data.course.id, "Late", 50)
        await uow.quizzes.add(late)
        await add_attempt(uow, late.id, data.bob.id, score=100.0)
        await uow.commit()
    batches = [list(b) async for b in export.batches()]
    assert [[r.student_id for r in b] for b in batches] == [
        [data.erased.id, data.ann1.id],
        [data.ann2.id, data.bob.id],
        [data.cy.id],
    ]
    assert {tuple(c.quiz_id for c in r.quizzes) for b in batches for r in b} == {(data.q1.id, data.q2.id)}


async def test_an_export_of_an_exact_number_of_batches_ends(state: MemoryState, data: ClassData) -> None:
    export = await ExportGradebook(MemoryUnitOfWork(state))(
        actor=_as(data.owner.id), course_id=data.course.id, batch_size=5
    )
    assert [len(b) async for b in export.batches()] == [5]
    with pytest.raises(ValueError, match="batch_size"):
        await ExportGradebook(MemoryUnitOfWork(state))(
            actor=_as(data.owner.id), course_id=data.course.id, batch_size=0
        )


async def test_attempts_of_an_open_status_never_count(state: MemoryState, data: ClassData) -> None:
    async with MemoryUnitOfWork(state) as uow:
        await add_attempt(uow, data.q1.id, data.cy.id, status=AttemptStatus.OPEN)
        await uow.commit()
    q1, _ = _cells(await _rows(state, _as(data.owner.id), data.course.id), data.cy.id)
    assert (q1.best_score, q1.attempts, q1.passed) == (None, 0, False)

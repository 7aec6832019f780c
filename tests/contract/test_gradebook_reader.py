"""The gradebook reader gives the same students and aggregates on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

from lms_adapters.sql.uow import SqlUnitOfWork
from lms_domain.assessment.gradebook import GradebookQuiz, QuizGrade, StudentGrade, StudentPosition
from lms_domain.assessment.use_cases import ExportGradebook, GetGradebook
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.pagination import PageRequest
from tests.contract.conftest import UowFactory
from tests.contract.gradebook_data import NOW, ClassData, build_class


def _reader(new_uow: UowFactory) -> Any:
    """What the container hands the gradebook: the read unit (SQL), or the memory unit itself."""
    unit = new_uow()
    return unit.reader() if isinstance(unit, SqlUnitOfWork) else unit


def _cell(
    quiz_id: uuid.UUID, best: float | None = None, attempts: int = 0, *, passed: bool = False
) -> QuizGrade:
    return QuizGrade(quiz_id=quiz_id, best_score=best, attempts=attempts, passed=passed)


async def test_columns_are_the_published_quizzes_oldest_first(new_uow: UowFactory) -> None:
    d = await build_class(new_uow)
    async with _reader(new_uow) as uow:
        assert await uow.gradebook.quizzes(d.course.id) == [
            GradebookQuiz(quiz_id=d.q1.id, title="Quiz one"),
            GradebookQuiz(quiz_id=d.q2.id, title="=SUM(A1:A2)"),
        ]
        assert await uow.gradebook.quizzes(d.draft.id) == []
        assert await uow.gradebook.course(uuid.uuid4()) is None
        course = await uow.gradebook.course(d.course.id)
        assert course is not None
        assert (course.instructor_id, course.is_published) == (d.owner.id, True)


async def test_students_come_by_name_then_id_with_the_total(new_uow: UowFactory) -> None:
    d = await build_class(new_uow)
    async with _reader(new_uow) as uow:
        pages = [await uow.gradebook.students(d.course.id, page=PageRequest(n, 2)) for n in (1, 2, 3, 4)]
    assert [[s.student_id for s in items] for items, _ in pages] == [
        [d.erased.id, d.ann1.id],
        [d.ann2.id, d.bob.id],
        [d.cy.id],
        [],
    ]
    assert {total for _, total in pages} == {5}  # past the end too
    first = pages[0][0]
    assert (first[0].full_name, first[0].email) == ("", f"erased:{d.erased.id}")  # kept, as stored
    ann, bob = pages[0][0][1], pages[1][0][1]
    assert (ann.completed_lessons, ann.total_lessons, ann.completed_at) == (2, 2, NOW)
    assert (bob.completed_lessons, bob.total_lessons, bob.completed_at) == (1, 2, None)


async def test_batches_follow_each_other_without_repeats(new_uow: UowFactory) -> None:
    d = await build_class(new_uow)
    seen: list[uuid.UUID] = []
    after: StudentPosition | None = None
    async with _reader(new_uow) as uow:
        while batch := await uow.gradebook.students_after(d.course.id, after=after, limit=2):
            assert len(batch) <= 2
            seen += [s.student_id for s in batch]
            after = batch[-1].position
    assert seen == [u.id for u in d.order]


async def test_grades_count_finished_attempts_and_the_best_graded_score(new_uow: UowFactory) -> None:
    d = await build_class(new_uow)
    everyone = [u.id for u in (*d.order, d.zoe)]
    async with _reader(new_uow) as uow:
        grades = await uow.gradebook.grades(d.course.id, everyone)
        only_ann = await uow.gradebook.grades(d.course.id, [d.ann1.id])
        none = await uow.gradebook.grades(d.course.id, [])
    assert sorted(grades, key=lambda g: (str(g.student_id), str(g.quiz_id))) == sorted(
        [
            StudentGrade(student_id=d.ann1.id, quiz_id=d.q1.id, best_score=90.5, attempts=3, passed=True),
            StudentGrade(student_id=d.ann1.id, quiz_id=d.q2.id, best_score=0.0, attempts=1, passed=False),
            StudentGrade(student_id=d.ann2.id, quiz_id=d.q1.id, best_score=None, attempts=1, passed=False),
            StudentGrade(student_id=d.cy.id, quiz_id=d.q2.id, best_score=70.0, attempts=2, passed=True),
        ],
        key=lambda g: (str(g.student_id), str(g.quiz_id)),
    )
    assert {g.student_id for g in only_ann} == {d.ann1.id}
    assert list(none) == []


def _expected(d: ClassData) -> list[tuple[Any, ...]]:
    q1, q2 = d.q1.id, d.q2.id
    return [
        (d.erased.id, 0, None, (_cell(q1), _cell(q2))),
        (d.ann1.id, 100, NOW, (_cell(q1, 90.5, 3, passed=True), _cell(q2, 0.0, 1))),
        (d.ann2.id, 0, None, (_cell(q1, None, 1), _cell(q2))),
        (d.bob.id, 50, None, (_cell(q1), _cell(q2))),
        (d.cy.id, 0, None, (_cell(q1), _cell(q2, 70.0, 2, passed=True))),
    ]


async def test_the_use_cases_assemble_the_same_rows(new_uow: UowFactory) -> None:
    d = await build_class(new_uow)
    ta = Actor(user_id=d.ta.id, role=Role.INSTRUCTOR)
    page = await GetGradebook(_reader(new_uow))(actor=ta, course_id=d.course.id, page=PageRequest(1, 100))
    rows = [(r.student_id, r.progress_percentage, r.completed_at, r.quizzes) for r in page.rows.items]
    assert rows == _expected(d)
    assert (page.rows.total, [q.quiz_id for q in page.quizzes]) == (5, [d.q1.id, d.q2.id])

    export = await ExportGradebook(_reader(new_uow))(actor=ta, course_id=d.course.id, batch_size=2)
    batches = [batch async for batch in export.batches()]
    assert [len(b) for b in batches] == [2, 2, 1]
    exported = [(r.student_id, r.progress_percentage, r.completed_at, r.quizzes) for b in batches for r in b]
    assert exported == _expected(d)

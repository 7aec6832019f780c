"""Question banks (QuestionBankRepository), pools (QuizRepository's ``set_pools``, ``get_many``,
``get_for_attempt``) and what attempts keep for grading (snapshots, grading status, hand grades,
regrades, history) against every adapter: memory, SQLite and PostgreSQL (the ``world`` of
``test_assessment_ports``)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

import pytest

from lms_domain.assessment.entities import (
    AnswerResult,
    Attempt,
    GradingStatus,
    HistoryEntry,
    Pool,
    Question,
    QuestionBank,
    QuestionType,
    Quiz,
)
from lms_domain.assessment.ports import BankInUse, BankLock
from lms_domain.shared.pagination import PageRequest
from tests.conftest import needs_pg
from tests.contract.test_assessment_ports import NOW, World, course, quiz, world

__all__ = ["world"]  # the fixture

ALL = PageRequest(page_size=100)


def bank(course_id: UUID, *, offset: int = 0, title: str = "Bank") -> QuestionBank:
    at = NOW + timedelta(seconds=offset)
    return QuestionBank(id=uuid.uuid4(), course_id=course_id, title=title, created_at=at, updated_at=at)


# every type, with keys of each shape: (type, options, key, tolerance)
KINDS: list[tuple[QuestionType, list[str] | None, object, object]] = [
    (QuestionType.MULTIPLE_CHOICE, ["  spaced ", "Ünï", '"q"'], '"q"', None),
    (QuestionType.MULTIPLE_SELECT, ["a", "b", "c"], ["c", "a"], None),
    (QuestionType.TRUE_FALSE, None, "false", None),
    (QuestionType.SHORT_ANSWER, None, ' Ünïcödé "q" 東京 ', None),
    (QuestionType.NUMERIC, None, " -9.806650000000000000000000000001 ", Decimal("0.0050")),
    (QuestionType.NUMERIC, None, "1000", Decimal("1E-30")),
    (QuestionType.ORDERING, ["b", "  c ", "a"], ["a", "b", "  c "], None),
    (QuestionType.ESSAY, None, None, None),
]


def made(
    n: int, *, quiz_id: UUID | None = None, bank_id: UUID | None = None, order: int | None = None
) -> Question:
    """The ``n``-th kind of question (in turn), of a quiz or of a bank."""
    kind, options, key, tolerance = KINDS[n % len(KINDS)]
    created = Question.create(
        id=uuid.uuid4(),
        quiz_id=quiz_id,
        question_text=f"Question {n}",
        question_type=kind,
        options=options,
        correct_answer=key,
        points=1 + n,
        order=n + 1 if order is None else order,
        tolerance=tolerance,
    )
    return replace(created, bank_id=bank_id)


async def with_bank(world: World, course_id: UUID, *questions: Question, **fields: Any) -> QuestionBank:
    made_bank = bank(course_id, **fields)
    async with world.new_uow() as uow:
        await uow.banks.add(made_bank)
        for q in questions:
            await uow.banks.add_question(replace(q, bank_id=made_bank.id))
        await uow.commit()
    return made_bank


async def drawing(world: World, quiz_: Quiz) -> Quiz:
    """The quiz added with its pools, as the use cases store it (``add``, then ``set_pools``)."""
    async with world.new_uow() as uow:
        await uow.quizzes.add(quiz_)
        await uow.quizzes.set_pools(quiz_.id, quiz_.question_pools)
        await uow.commit()
    return quiz_


# banks


async def test_bank_round_trip_update_and_copies(world: World) -> None:
    c = course(world)
    first = bank(c.id, title="Algebra")
    async with world.new_uow() as uow:
        await uow.banks.add(first)
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.banks.get(first.id) == first
        assert await uow.banks.get(first.id, for_update=True) == first
        assert await uow.banks.get(uuid.uuid4()) is None
        assert await uow.banks.count_questions(first.id) == 0
        assert await uow.banks.max_question_order(first.id) == 0
    renamed = replace(first, title="Geometry", updated_at=NOW + timedelta(hours=1))
    async with world.new_uow() as uow:
        await uow.banks.update(renamed)
        await uow.commit()
    renamed.title = "changed outside"
    async with world.new_uow() as uow:
        found = await uow.banks.get(first.id)
    assert found == replace(renamed, title="Geometry")
    async with world.new_uow() as uow:  # not committed: not there
        await uow.banks.add(bank(c.id))
        lost = bank(c.id)
        await uow.banks.add(lost)
    async with world.new_uow() as uow:
        assert await uow.banks.get(lost.id) is None


async def test_banks_list_oldest_first_paged_with_question_counts(world: World) -> None:
    c, other = course(world), course(world)
    banks = [bank(c.id, offset=n, title=f"B{n}") for n in range(4)]
    tied = sorted([bank(c.id, offset=2), banks[2]], key=lambda b: b.id)  # the same time: by id
    banks[2:3] = tied
    async with world.new_uow() as uow:
        for b in reversed(banks):
            await uow.banks.add(b)
        await uow.banks.add(bank(other.id))
        for n, b in enumerate(banks):
            for k in range(n):
                await uow.banks.add_question(made(k, bank_id=b.id))
        await uow.commit()
    async with world.new_uow() as uow:
        first, total = await uow.banks.list(course_id=c.id, page=PageRequest(page=1, page_size=3))
        rest, rest_total = await uow.banks.list(course_id=c.id, page=PageRequest(page=2, page_size=3))
        past = await uow.banks.list(course_id=c.id, page=PageRequest(page=3, page_size=3))
        nobody = await uow.banks.list(course_id=uuid.uuid4(), page=ALL)
    assert (total, rest_total, past, nobody) == (5, 5, ([], 5), ([], 0))
    assert [(s.bank, s.question_count) for s in [*first, *rest]] == [(b, n) for n, b in enumerate(banks)]


async def test_bank_questions_of_every_type_round_trip_exactly(world: World) -> None:
    c = course(world)
    b = await with_bank(world, c.id)
    stored = [made(n, bank_id=b.id) for n in range(len(KINDS))]
    async with world.new_uow() as uow:
        for q in reversed(stored):
            await uow.banks.add_question(q)
        await uow.commit()
    async with world.new_uow() as uow:
        for q in stored:
            assert await uow.banks.get_question(b.id, q.id) == q
        assert await uow.banks.get_question(uuid.uuid4(), stored[0].id) is None
        assert await uow.quizzes.get_question(b.id, stored[0].id) is None  # not a quiz's
        listed, total = await uow.banks.questions(b.id, page=ALL)
        assert await uow.banks.count_questions(b.id) == total == len(KINDS)
        empty, unknown = bank(c.id), uuid.uuid4()
        await uow.banks.add(empty)
        counts = await uow.banks.count_questions_of([b.id, empty.id, unknown])
        assert dict(counts) == {b.id: len(KINDS), empty.id: 0, unknown: 0}
    assert list(listed) == stored
    essay = listed[-1]
    assert (essay.question_type, essay.correct_answer, essay.options) == (QuestionType.ESSAY, None, [])
    numeric, tiny = listed[4], listed[5]
    assert (str(numeric.tolerance), str(tiny.tolerance)) == ("0.0050", "1E-30")  # exactly as given
    assert numeric.correct_answer == "-9.806650000000000000000000000001"
    assert all(q.quiz_id is None and q.bank_id == b.id for q in listed)


async def test_bank_questions_page_in_order_then_id_and_change(world: World) -> None:
    c = course(world)
    b = await with_bank(world, c.id)
    tied = sorted([made(1, bank_id=b.id, order=2), made(2, bank_id=b.id, order=2)], key=lambda q: q.id)
    ordered = [made(0, bank_id=b.id, order=1), *tied, made(3, bank_id=b.id, order=7)]
    async with world.new_uow() as uow:
        for q in (ordered[3], ordered[2], ordered[0], ordered[1]):
            await uow.banks.add_question(q)
        await uow.commit()
    async with world.new_uow() as uow:
        first, total = await uow.banks.questions(b.id, page=PageRequest(page=1, page_size=3))
        rest, _ = await uow.banks.questions(b.id, page=PageRequest(page=2, page_size=3))
        assert await uow.banks.max_question_order(b.id) == 7
        assert await uow.banks.max_question_order(uuid.uuid4()) == 0
        assert await uow.banks.questions(uuid.uuid4(), page=ALL) == ([], 0)
    assert total == 4
    assert [*first, *rest] == ordered
    moved = replace(ordered[0], order=9, points=5, question_text="moved")
    async with world.new_uow() as uow:
        await uow.banks.update_question(moved)
        await uow.banks.delete_question(ordered[3].id)
        await uow.commit()
    async with world.new_uow() as uow:
        listed, total = await uow.banks.questions(b.id, page=ALL)
        assert await uow.banks.max_question_order(b.id) == 9
    assert (list(listed), total) == ([*tied, moved], 3)


async def test_questions_of_several_banks(world: World) -> None:
    c = course(world)
    one = await with_bank(world, c.id)
    two = await with_bank(world, c.id)
    empty = await with_bank(world, c.id)
    ones = [made(n, bank_id=one.id, order=3 - n) for n in range(3)]
    twos = [made(n, bank_id=two.id, order=n) for n in range(4, 6)]
    async with world.new_uow() as uow:
        for q in (*twos, *ones):
            await uow.banks.add_question(q)
        await uow.commit()
    missing = uuid.uuid4()
    async with world.new_uow() as uow:
        found = await uow.banks.questions_of([two.id, one.id, empty.id, missing])
        assert await uow.banks.questions_of([]) == {}
        only = await uow.banks.questions_of([one.id])
    assert {k: list(v) for k, v in found.items()} == {
        one.id: list(reversed(ones)),
        two.id: twos,
        empty.id: [],
        missing: [],
    }
    assert {k: list(v) for k, v in only.items()} == {one.id: list(reversed(ones))}


@pytest.mark.parametrize("mode", list(BankLock))
async def test_lock_returns_the_banks_that_exist(world: World, mode: BankLock) -> None:
    c = course(world)
    one, two = await with_bank(world, c.id), await with_bank(world, c.id, offset=1)
    missing = uuid.uuid4()
    async with world.new_uow() as uow:
        found = await uow.banks.lock([two.id, missing, one.id], mode)
        assert await uow.banks.lock([], mode) == {}
        assert await uow.banks.lock([missing], mode) == {}
        await uow.commit()
    assert dict(found) == {one.id: one, two.id: two}


async def test_largest_published_draw_counts_published_quizzes_pools_only(world: World) -> None:
    c = course(world)
    b, other = await with_bank(world, c.id), await with_bank(world, c.id)
    await drawing(world, quiz(c.id, question_pools=(Pool(other.id, 9), Pool(b.id, 2))))
    await drawing(world, quiz(c.id, question_pools=(Pool(b.id, 3),)))
    await drawing(world, quiz(c.id, published=False, question_pools=(Pool(b.id, 5),)))
    lonely = await with_bank(world, c.id)
    async with world.new_uow() as uow:
        assert await uow.banks.largest_published_draw(b.id) == 3
        assert await uow.banks.largest_published_draw(other.id) == 9
        assert await uow.banks.largest_published_draw(lonely.id) == 0
        assert await uow.banks.largest_published_draw(uuid.uuid4()) == 0


async def test_delete_refuses_a_bank_a_quiz_draws_from_and_the_unit_goes_on(world: World) -> None:
    c = course(world)
    kept_question = made(1)
    used = await with_bank(world, c.id, kept_question)
    free = await with_bank(world, c.id, made(2), made(3))
    drawer = await drawing(world, quiz(c.id, published=False, question_pools=(Pool(used.id, 1),)))
    later = bank(c.id, offset=5)
    async with world.new_uow() as uow:
        with pytest.raises(BankInUse):
            await uow.banks.delete(used.id)
        # the refusal leaves the transaction usable (PostgreSQL: a savepoint)
        await uow.banks.add(later)
        await uow.banks.delete(free.id)
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.banks.get(used.id) == used
        assert await uow.banks.get_question(used.id, kept_question.id) == replace(
            kept_question, bank_id=used.id
        )
        assert await uow.banks.get(later.id) == later
        assert await uow.banks.get(free.id) is None
        assert await uow.banks.count_questions(free.id) == 0
        assert await uow.banks.questions(free.id, page=ALL) == ([], 0)
    # once the quiz stops drawing from it, it goes
    async with world.new_uow() as uow:
        found = await uow.quizzes.get(drawer.id, for_update=True)
        assert found is not None
        await uow.quizzes.update(replace(found, question_pools=()))
        await uow.quizzes.set_pools(drawer.id, ())
        await uow.banks.delete(used.id)
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.banks.get(used.id) is None
        assert await uow.banks.get_question(used.id, kept_question.id) is None
        assert await uow.banks.delete(uuid.uuid4()) is None  # nothing to delete: no error


async def test_deleting_a_quiz_frees_its_banks(world: World) -> None:
    c = course(world)
    b = await with_bank(world, c.id, made(1))
    drawer = await drawing(world, quiz(c.id, question_pools=(Pool(b.id, 1),)))
    async with world.new_uow() as uow:
        await uow.quizzes.delete(drawer.id)
        await uow.banks.delete(b.id)
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.banks.get(b.id) is None


async def test_deleting_the_course_removes_its_banks_and_their_questions(world: World) -> None:
    gone, kept = course(world), course(world)
    doomed_question, kept_question = made(1), made(2)
    doomed = await with_bank(world, gone.id, doomed_question)
    survivor = await with_bank(world, kept.id, kept_question)
    # a quiz of the course draws from the bank: both go together
    drawer = await drawing(world, quiz(gone.id, question_pools=(Pool(doomed.id, 1),)))
    await world.delete_course(gone.id)
    async with world.new_uow() as uow:
        assert await uow.banks.get(doomed.id) is None
        assert await uow.banks.get_question(doomed.id, doomed_question.id) is None
        assert await uow.banks.count_questions(doomed.id) == 0
        assert await uow.banks.list(course_id=gone.id, page=ALL) == ([], 0)
        assert await uow.quizzes.get(drawer.id) is None
        assert await uow.banks.get(survivor.id) == survivor
        assert await uow.banks.get_question(survivor.id, kept_question.id) == replace(
            kept_question, bank_id=survivor.id
        )


# quizzes: pools, get_many, get_for_attempt


async def test_set_pools_replaces_and_question_pools_round_trip(world: World) -> None:
    c = course(world)
    one, two, three = [await with_bank(world, c.id, made(n)) for n in range(3)]
    q = await drawing(world, quiz(c.id, question_pools=(Pool(two.id, 2), Pool(one.id, 1))))
    async with world.new_uow() as uow:
        found = await uow.quizzes.get(q.id)
        assert found == q
        assert found is not None and found.question_pools == (Pool(two.id, 2), Pool(one.id, 1))
        with pytest.raises(BankInUse):
            await uow.banks.delete(one.id)
    changed = replace(q, question_pools=(Pool(three.id, 4), Pool(two.id, 1)), updated_at=NOW + timedelta(1))
    async with world.new_uow() as uow:
        assert await uow.quizzes.get(q.id, for_update=True) == q
        await uow.quizzes.update(changed)
        await uow.quizzes.set_pools(q.id, changed.question_pools)
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.quizzes.get(q.id) == changed
        detail = await uow.quizzes.get_with_questions(q.id)
        assert detail is not None and detail.quiz == changed
        assert await uow.banks.largest_published_draw(three.id) == 4
        assert await uow.banks.largest_published_draw(two.id) == 1
        assert await uow.banks.largest_published_draw(one.id) == 0
        await uow.banks.delete(one.id)  # no longer drawn from
        for used in (two.id, three.id):
            with pytest.raises(BankInUse):
                await uow.banks.delete(used)
        await uow.commit()
    async with world.new_uow() as uow:
        assert await uow.banks.get(one.id) is None
        assert await uow.banks.get(two.id) == two


async def test_get_many_reads_the_quizzes_that_exist(world: World) -> None:
    c = course(world)
    b = await with_bank(world, c.id)
    first, second = quiz(c.id), quiz(c.id, published=False, question_pools=(Pool(b.id, 3),))
    other = quiz(course(world).id)
    async with world.new_uow() as uow:
        for q in (first, second, other):
            await uow.quizzes.add(q)
        await uow.commit()
    missing = uuid.uuid4()
    async with world.new_uow() as uow:
        found = await uow.quizzes.get_many({first.id, second.id, missing})
        assert await uow.quizzes.get_many(set()) == {}
        assert await uow.quizzes.get_many([missing]) == {}
    assert dict(found) == {first.id: first, second.id: second}


async def test_get_for_attempt_equals_get_with_questions(world: World) -> None:
    c = course(world)
    b = await with_bank(world, c.id, made(1))
    q = await drawing(world, quiz(c.id, question_pools=(Pool(b.id, 1),), shuffle_questions=True))
    own = [made(n, quiz_id=q.id, order=3 - n) for n in range(3)]
    async with world.new_uow() as uow:
        for item in own:
            await uow.quizzes.add_question(item)
        await uow.commit()
    async with world.new_uow() as uow:
        for_attempt = await uow.quizzes.get_for_attempt(q.id)
        plain = await uow.quizzes.get_with_questions(q.id)
        assert await uow.quizzes.get_for_attempt(uuid.uuid4()) is None
        await uow.commit()
    assert for_attempt == plain
    assert for_attempt is not None
    assert for_attempt.quiz == q
    assert list(for_attempt.questions) == list(reversed(own))


# attempts


def snapshot(quiz_id: UUID, bank_id: UUID) -> list[Question]:
    """An attempt's questions: the quiz's own of every type, then the same types drawn from a bank."""
    own = [made(n, quiz_id=quiz_id) for n in range(len(KINDS))]
    drawn = [made(n, bank_id=bank_id) for n in range(len(KINDS))]
    return [*own, *drawn]


def attempt_of(quiz_id: UUID, student_id: UUID, questions: list[Question], *, offset: int = 0) -> Attempt:
    return Attempt(
        id=uuid.uuid4(),
        quiz_id=quiz_id,
        student_id=student_id,
        started_at=NOW + timedelta(seconds=offset),
        questions=[replace(q) for q in questions],
    )


async def test_an_attempts_snapshot_round_trips_every_type_and_its_bank(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    b = await with_bank(world, c.id)
    held = snapshot(q.id, b.id)
    a = attempt_of(q.id, world.student(), held)
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.attempts.add(a)
        await uow.commit()
    async with world.new_uow() as uow:
        stored = await uow.attempts.get(a.id)
        assert await uow.attempts.get(a.id, for_update=True) == stored
        await uow.commit()
    assert stored == a
    assert stored is not None
    assert stored.questions == held
    assert [(x.quiz_id, x.bank_id) for x in stored.questions] == [(x.quiz_id, x.bank_id) for x in held]
    assert [str(x.tolerance) for x in stored.questions if x.tolerance is not None] == ["0.0050", "1E-30"] * 2
    assert stored.grading_status is None
    # ``add`` recorded which questions the attempt holds
    async with world.new_uow() as uow:
        for x in held:
            assert [h.id for h in await uow.attempts.holding(x.id, after=None, limit=10)] == [a.id]


async def test_grading_status_pending_answers_and_save_grades_round_trip(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    b = await with_bank(world, c.id)
    held = snapshot(q.id, b.id)
    essay = held[len(KINDS) - 1]
    a = attempt_of(q.id, world.student(), held)
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.attempts.add(a)
        await uow.commit()
    answers = [
        AnswerResult(question_id=held[0].id, answer='"q"', correct=True, points_earned=Fraction(1)),
        AnswerResult(
            question_id=essay.id,
            answer="  Ünïcödé essay \\ 東京 🎓 ",
            correct=False,
            points_earned=Fraction(0),
            pending=True,
        ),
        AnswerResult(
            question_id=held[1].id,
            answer=["a"],
            correct=False,
            points_earned=Fraction(2, 3),
            feedback="auto",
        ),
    ]
    a.submit(answers=answers, score=None, passed=None, now=NOW + timedelta(minutes=3))
    assert a.grading_status is GradingStatus.PENDING_REVIEW
    async with world.new_uow() as uow:
        assert await uow.attempts.finish(a) is True
        await uow.commit()
    async with world.new_uow() as uow:
        stored = await uow.attempts.get(a.id)
    assert stored == a
    assert stored is not None
    assert (stored.score, stored.passed, stored.grading_status) == (None, None, GradingStatus.PENDING_REVIEW)
    assert [(r.pending, r.feedback) for r in stored.answers] == [(False, None), (True, None), (False, "auto")]
    # a grader scores the essay: answers, score, passed, grading status and snapshot are saved
    graded = replace(
        stored,
        answers=[
            stored.answers[0],
            replace(
                stored.answers[1],
                pending=False,
                correct=True,
                points_earned=Fraction(15, 2),
                feedback='Fine — "well" argued \\ 東京',
            ),
            replace(stored.answers[2], feedback=""),
        ],
        score=62.5,
        passed=False,
        grading_status=GradingStatus.GRADED,
        questions=[replace(held[0], correct_answer="Ünï"), *held[1:]],
    )
    async with world.new_uow() as uow:
        await uow.attempts.save_grades(graded)
        await uow.commit()
    async with world.new_uow() as uow:
        again = await uow.attempts.get(a.id)
    assert again == graded
    assert again is not None
    assert [r.feedback for r in again.answers] == [None, 'Fine — "well" argued \\ 東京', ""]
    assert again.answers[1].points_earned == Fraction(15, 2)


async def test_holding_pages_attempts_holding_the_question_in_id_order(world: World) -> None:
    c = course(world)
    b = await with_bank(world, c.id)
    shared = made(3, bank_id=b.id)  # a bank question: held by attempts of two quizzes
    q, other = quiz(c.id), quiz(c.id)
    mine = made(1, quiz_id=q.id)
    holders: list[Attempt] = []
    students = iter([world.student() for _ in range(9)])  # seeded before the unit: SQLite has one writer
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.quizzes.add(other)
        for n in range(7):
            a = attempt_of(q.id if n % 2 else other.id, next(students), [mine, shared] if n % 3 else [shared])
            await uow.attempts.add(a)
            if n % 3 == 1:  # any status holds
                a.submit(answers=[], score=10.0, passed=False, now=NOW)
                assert await uow.attempts.finish(a)
            elif n % 3 == 2:
                a.expire(NOW)
                assert await uow.attempts.finish(a)
            holders.append(a)
        only_mine = attempt_of(q.id, next(students), [mine])  # does not hold it
        await uow.attempts.add(only_mine)
        await uow.attempts.add(attempt_of(q.id, next(students), []))
        await uow.commit()
    expected = sorted(holders, key=lambda a: a.id)
    async with world.new_uow() as uow:
        everything = await uow.attempts.holding(shared.id, after=None, limit=100)
        first = await uow.attempts.holding(shared.id, after=None, limit=3)
        second = await uow.attempts.holding(shared.id, after=first[-1].id, limit=3)
        third = await uow.attempts.holding(shared.id, after=second[-1].id, limit=3)
        past = await uow.attempts.holding(shared.id, after=third[-1].id, limit=3)
        one = await uow.attempts.holding(shared.id, after=None, limit=1)
        nobody = await uow.attempts.holding(uuid.uuid4(), after=None, limit=100)
        of_mine = await uow.attempts.holding(mine.id, after=None, limit=100)
        await uow.commit()
    assert list(everything) == expected
    assert [len(first), len(second), len(third), len(past)] == [3, 3, 1, 0]
    assert [*first, *second, *third] == expected
    assert list(one) == expected[:1]
    assert list(nobody) == []
    assert [a.id for a in of_mine] == sorted(
        [a.id for a in holders if any(x.id == mine.id for x in a.questions)] + [only_mine.id]
    )


async def test_save_regrades_stores_several_attempts_at_once(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    b = await with_bank(world, c.id)
    held = snapshot(q.id, b.id)
    attempts = [attempt_of(q.id, world.student(), held) for _ in range(4)]
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        for n, a in enumerate(attempts):
            await uow.attempts.add(a)
            if n < 3:
                a.submit(
                    answers=[
                        AnswerResult(
                            question_id=held[0].id, answer="Ünï", correct=False, points_earned=Fraction(0)
                        )
                    ],
                    score=0.0,
                    passed=False,
                    now=NOW + timedelta(minutes=n),
                )
                assert await uow.attempts.finish(a)
        await uow.commit()
    rekeyed = [replace(held[0], correct_answer="Ünï"), *held[1:]]
    changed = []
    for n, a in enumerate(attempts[:3]):
        changed.append(
            replace(
                a,
                questions=rekeyed,
                answers=[replace(a.answers[0], correct=True, points_earned=Fraction(1))],
                score=[12.5, 40.0, 99.99][n],
                passed=n == 2,
                grading_status=GradingStatus.PENDING_REVIEW if n == 1 else GradingStatus.GRADED,
            )
        )
    async with world.new_uow() as uow:
        await uow.attempts.save_regrades(changed)
        await uow.attempts.save_regrades([])
        await uow.commit()
    async with world.new_uow() as uow:
        stored = [await uow.attempts.get(a.id) for a in attempts]
    assert stored == [*changed, attempts[3]]


async def test_pending_review_lists_the_quizs_pending_attempts_oldest_first(world: World) -> None:
    c = course(world)
    q, other = quiz(c.id), quiz(c.id)
    essay = made(len(KINDS) - 1, quiz_id=q.id)
    pending: list[Attempt] = []
    students = iter([world.student() for _ in range(8)])  # seeded before the unit: SQLite has one writer
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.quizzes.add(other)

        async def finished(quiz_id: UUID, minutes: int, score: float | None) -> Attempt:
            a = attempt_of(quiz_id, next(students), [essay])
            await uow.attempts.add(a)
            a.submit(
                answers=[],
                score=score,
                passed=None if score is None else False,
                now=NOW + timedelta(minutes=minutes),
            )
            assert await uow.attempts.finish(a)
            return a

        for minutes in (5, 1, 3, 3, 9):
            pending.append(await finished(q.id, minutes, None))
        await finished(q.id, 0, 50.0)  # graded
        await finished(other.id, 0, None)  # another quiz's
        await uow.attempts.add(attempt_of(q.id, next(students), [essay]))  # open
        await uow.commit()
    expected = sorted(pending, key=lambda a: (a.ended_at, a.id))
    async with world.new_uow() as uow:
        first, total = await uow.attempts.pending_review(q.id, page=PageRequest(page=1, page_size=2))
        second, _ = await uow.attempts.pending_review(q.id, page=PageRequest(page=2, page_size=2))
        third, _ = await uow.attempts.pending_review(q.id, page=PageRequest(page=3, page_size=2))
        past = await uow.attempts.pending_review(q.id, page=PageRequest(page=4, page_size=2))
        none = await uow.attempts.pending_review(uuid.uuid4(), page=ALL)
    assert total == 5
    assert [*first, *second, *third] == expected
    assert past == ([], 5)
    assert none == ([], 0)


async def test_history_is_newest_first_and_goes_with_the_quiz(world: World) -> None:
    c = course(world)
    q, kept_quiz = quiz(c.id), quiz(c.id)
    student = world.student()
    a, b = attempt_of(q.id, student, []), attempt_of(kept_quiz.id, student, [])
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.quizzes.add(kept_quiz)
        await uow.attempts.add(a)
        await uow.attempts.add(b)
        await uow.commit()

    def entry(of: Attempt, minutes: int, old: float | None, new: float | None, **fields: Any) -> HistoryEntry:
        values: dict[str, Any] = {"actor_id": uuid.uuid4(), "reason": "key fixed", **fields}
        return HistoryEntry(
            id=uuid.uuid4(),
            attempt_id=of.id,
            at=NOW + timedelta(minutes=minutes),
            question_id=uuid.uuid4(),
            old_score=old,
            new_score=new,
            **values,
        )

    tied = sorted([entry(a, 5, 10.0, 20.5), entry(a, 5, 20.5, 33.33)], key=lambda e: e.id)
    entries = [
        entry(a, 1, None, 75.0, reason="graded by hand"),
        *tied,
        entry(a, 9, 33.33, None, actor_id=None, reason='Ünïcödé "why" \\ 東京'),
    ]
    theirs = entry(b, 3, 0.0, 100.0)
    async with world.new_uow() as uow:
        await uow.attempts.add_history([entries[2], theirs, entries[0]])
        await uow.attempts.add_history([entries[3], entries[1]])
        await uow.attempts.add_history([])
        await uow.commit()
    async with world.new_uow() as uow:
        assert list(await uow.attempts.history(a.id)) == [entries[3], tied[1], tied[0], entries[0]]
        assert list(await uow.attempts.history(b.id)) == [theirs]
        assert list(await uow.attempts.history(uuid.uuid4())) == []
    async with world.new_uow() as uow:
        await uow.quizzes.delete(q.id)
        await uow.commit()
    async with world.new_uow() as uow:
        assert list(await uow.attempts.history(a.id)) == []
        assert list(await uow.attempts.history(b.id)) == [theirs]


# row locks (PostgreSQL: SQLite's writers take turns, memory's units hold the whole state)


async def blocks(world: World, hold: Any, then: Any) -> bool:
    """Whether ``then`` (in a second unit) waits for the unit holding ``hold`` to end."""
    held = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with world.new_uow() as uow:
            await hold(uow)
            held.set()
            await release.wait()
            await uow.commit()

    async def second() -> None:
        async with world.new_uow() as uow:
            await then(uow)
            await uow.commit()

    holding = asyncio.create_task(holder())
    await held.wait()
    waiting = asyncio.create_task(second())
    done, _ = await asyncio.wait([waiting], timeout=0.5)
    release.set()
    await holding
    await waiting  # finishes either way once the first unit ends
    return not done


@pytest.mark.parametrize("world", [pytest.param("postgres", marks=needs_pg)], indirect=True)
async def test_bank_locks_wait_only_for_writes(world: World) -> None:
    c = course(world)
    b = await with_bank(world, c.id)

    def locking(mode: BankLock) -> Any:
        async def run(uow: Any) -> None:
            assert await uow.banks.lock([b.id], mode) == {b.id: b}

        return run

    for held in BankLock:
        for wanted in BankLock:
            expected = BankLock.WRITE in (held, wanted)
            assert await blocks(world, locking(held), locking(wanted)) is expected, (held, wanted)

    async def for_update(uow: Any) -> None:
        assert await uow.banks.get(b.id, for_update=True) == b

    assert await blocks(world, for_update, locking(BankLock.DRAW)) is True
    assert await blocks(world, locking(BankLock.PUBLISH), for_update) is True


@pytest.mark.parametrize("world", [pytest.param("postgres", marks=needs_pg)], indirect=True)
async def test_a_start_waits_for_a_regrade_of_its_quiz_not_for_edits_or_starts(world: World) -> None:
    c = course(world)
    q = quiz(c.id)
    async with world.new_uow() as uow:
        await uow.quizzes.add(q)
        await uow.commit()

    async def start(uow: Any) -> None:
        found = await uow.quizzes.get_for_attempt(q.id)
        assert found is not None and found.quiz == q

    async def regrade(uow: Any) -> None:
        assert await uow.quizzes.get(q.id, for_update=True, exclusive=True) == q

    async def edit(uow: Any) -> None:
        assert await uow.quizzes.get(q.id, for_update=True) == q

    assert await blocks(world, regrade, start) is True
    assert await blocks(world, edit, start) is False
    assert await blocks(world, start, start) is False
    assert await blocks(world, start, edit) is False
    assert await blocks(world, start, regrade) is True

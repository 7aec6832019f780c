"""Question banks and the quizzes that draw from them, through the use cases: banks and their
questions, who may do what, pools (validated on create and update, checked on publish), what
deleting a bank or one of its questions may do, and what each attempt draws."""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_domain.assessment import use_cases as uc
from lms_domain.assessment.entities import CourseRef, QuestionType
from lms_domain.assessment.grading import SubmittedAnswer
from lms_domain.assessment.values import DRAW_MAX, POOLS_MAX
from lms_domain.assessment.views import QuestionView
from lms_domain.shared.actors import Actor, Role
from lms_domain.shared.course_access import StaffRole
from lms_domain.shared.errors import Conflict, Forbidden, InvalidField, InvalidRequest, NotFound
from lms_domain.shared.pagination import PageRequest
from tests.builders import actor
from tests.unit.assessment.harness import Assessment, essay, short_answers

ALL = PageRequest(1, 100)
EDITORS = ("owner", "co_instructor", "admin")


def who(lms: Assessment, course: CourseRef, owner: Actor, name: str) -> Actor:
    """The caller named ``name`` for ``course``."""
    if name == "owner":
        return owner
    if name == "admin":
        return actor(Role.ADMIN)
    if name == "co_instructor":
        return lms.staff(course, StaffRole.CO_INSTRUCTOR)
    if name == "teaching_assistant":
        return lms.staff(course, StaffRole.TEACHING_ASSISTANT)
    if name == "enrolled_student":
        return lms.enrolled_student(course)
    if name == "other_instructor":
        return actor(Role.INSTRUCTOR)
    if name == "staff_of_another_course":
        return lms.staff(lms.course(actor(Role.INSTRUCTOR)), StaffRole.CO_INSTRUCTOR)
    assert name == "stranger"
    return actor(Role.STUDENT)


# --- banks ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("editor", EDITORS)
async def test_editors_create_list_get_rename_and_delete_banks(
    lms: Assessment, owner: Actor, editor: str
) -> None:
    course = lms.course(owner)
    me = who(lms, course, owner, editor)
    first = await lms.create_bank(actor=me, course_id=course.id, title="  Algebra ")
    assert (first.bank.title, first.bank.course_id, first.question_count) == ("Algebra", course.id, 0)
    assert first.bank.created_at == first.bank.updated_at == lms.clock.now()
    lms.clock.advance(seconds=5)
    second = await lms.create_bank(actor=me, course_id=course.id, title="Geometry")
    await lms.create_bank(actor=owner, course_id=lms.course(owner).id, title="Elsewhere")
    listed = await lms.list_banks(actor=me, course_id=course.id, page=ALL)
    assert [b.bank.id for b in listed.items] == [first.bank.id, second.bank.id]  # oldest first
    assert listed.total == 2
    paged = await lms.list_banks(actor=me, course_id=course.id, page=PageRequest(2, 1))
    assert ([b.bank.id for b in paged.items], paged.total) == ([second.bank.id], 2)
    assert (await lms.get_bank(actor=me, bank_id=first.bank.id)).bank == first.bank
    lms.clock.advance(seconds=5)
    renamed = await lms.update_bank(actor=me, bank_id=first.bank.id, changes=uc.BankChanges(title="Alg"))
    assert (renamed.bank.title, renamed.bank.updated_at) == ("Alg", lms.clock.now())
    assert renamed.bank.created_at == first.bank.created_at
    kept = await lms.update_bank(actor=me, bank_id=first.bank.id, changes=uc.BankChanges())
    assert kept.bank.title == "Alg"
    await lms.delete_bank(actor=me, bank_id=first.bank.id)
    with pytest.raises(NotFound):
        await lms.get_bank(actor=me, bank_id=first.bank.id)
    assert [b.bank.id for b in (await lms.list_banks(actor=me, course_id=course.id, page=ALL)).items] == [
        second.bank.id
    ]


async def test_question_count_follows_the_questions(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    summary, added = await lms.bank(owner, course, short_answers(3))
    bank_id = summary.bank.id
    assert (await lms.get_bank(actor=owner, bank_id=bank_id)).question_count == 3
    [listed] = (await lms.list_banks(actor=owner, course_id=course.id, page=ALL)).items
    assert listed.question_count == 3
    await lms.delete_bank_question(actor=owner, bank_id=bank_id, question_id=added[0].id)
    assert (await lms.get_bank(actor=owner, bank_id=bank_id)).question_count == 2
    renamed = await lms.update_bank(actor=owner, bank_id=bank_id, changes=uc.BankChanges(title="New"))
    assert renamed.question_count == 2


@pytest.mark.parametrize("title", ["", "   ", "x" * 256])
async def test_a_bank_title_is_1_to_255_characters(lms: Assessment, owner: Actor, title: str) -> None:
    course = lms.course(owner)
    with pytest.raises(InvalidField) as e:
        await lms.create_bank(actor=owner, course_id=course.id, title=title)
    assert e.value.field == "title"
    assert lms.state.question_banks == {}
    summary = await lms.create_bank(actor=owner, course_id=course.id, title="x" * 255)
    with pytest.raises(InvalidField) as e:
        await lms.update_bank(actor=owner, bank_id=summary.bank.id, changes=uc.BankChanges(title=title))
    assert e.value.field == "title"
    assert lms.state.question_banks[summary.bank.id].title == "x" * 255


async def test_deleting_a_bank_deletes_its_questions(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    summary, _ = await lms.bank(owner, course, short_answers(3))
    other, kept = await lms.bank(owner, course, short_answers(2))
    await lms.delete_bank(actor=owner, bank_id=summary.bank.id)
    assert set(lms.state.bank_questions) == {q.id for q in kept}
    assert set(lms.state.question_banks) == {other.bank.id}


# --- bank questions ---------------------------------------------------------------------------------


async def test_bank_questions_have_the_shape_of_quiz_questions(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    summary, [numeric, written, choice] = await lms.bank(
        owner,
        course,
        [
            uc.NewQuestion(
                question_text="pi?", question_type=QuestionType.NUMERIC, correct_answer="3.14", tolerance=0.01
            ),
            essay(points=7),
            uc.NewQuestion(
                question_text="2 + 2?",
                question_type=QuestionType.MULTIPLE_CHOICE,
                options=["3", "4"],
                correct_answer="4",
                points=2,
            ),
        ],
    )
    bank_id = summary.bank.id
    for q in (numeric, written, choice):
        assert (q.bank_id, q.quiz_id) == (bank_id, None)
    assert (numeric.correct_answer, numeric.tolerance, numeric.order) == ("3.14", Decimal("0.01"), 1)
    assert (written.correct_answer, written.options, written.points, written.order) == (None, (), 7, 2)
    assert (choice.options, choice.correct_answer, choice.order) == (("3", "4"), "4", 3)
    listed = await lms.list_bank_questions(actor=owner, bank_id=bank_id, page=ALL)
    assert list(listed.items) == [numeric, written, choice]
    stored = lms.state.bank_questions[numeric.id]
    assert (stored.bank_id, stored.quiz_id) == (bank_id, None)
    assert lms.state.questions == {}  # not quiz questions


async def test_bank_questions_are_listed_by_order_then_id_in_pages(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    summary, _ = await lms.bank(owner, course, [])
    bank_id = summary.bank.id
    orders = [5, 2, 9, 2, None, 1]
    added = []
    for i, order in enumerate(orders):
        data = uc.NewQuestion(
            question_text=f"Q{i}", question_type=QuestionType.SHORT_ANSWER, correct_answer="a", order=order
        )
        added.append(await lms.add_bank_question(actor=owner, bank_id=bank_id, data=data))
    assert added[4].order == 10  # after the last
    expected = sorted(added, key=lambda q: (q.order, q.id))
    seen: list[QuestionView] = []
    for page in (1, 2, 3):
        got = await lms.list_bank_questions(actor=owner, bank_id=bank_id, page=PageRequest(page, 2))
        assert got.total == 6
        seen.extend(got.items)
    assert seen == expected


ESSAY, NUMERIC, SHORT, CHOICE = (
    QuestionType.ESSAY,
    QuestionType.NUMERIC,
    QuestionType.SHORT_ANSWER,
    QuestionType.MULTIPLE_CHOICE,
)


@pytest.mark.parametrize(
    ("kind", "options", "answer", "tolerance", "points", "field"),
    [
        (ESSAY, None, "a key", None, 1, "correct_answer"),
        (ESSAY, ["a", "b"], None, None, 1, "options"),
        (ESSAY, None, None, 0, 1, "tolerance"),
        (NUMERIC, None, "1", -1, 1, "tolerance"),
        (NUMERIC, None, "one", None, 1, "correct_answer"),
        (SHORT, None, "x", 0.5, 1, "tolerance"),
        (SHORT, None, None, None, 1, "correct_answer"),
        (CHOICE, ["a", "b"], "c", None, 1, "correct_answer"),
        (SHORT, None, "x", None, 0, "points"),
        (SHORT, None, "x", None, 1001, "points"),
    ],
)
async def test_invalid_bank_questions_are_422_with_the_field(
    lms: Assessment,
    owner: Actor,
    kind: QuestionType,
    options: list[str] | None,
    answer: str | None,
    tolerance: float | None,
    points: int,
    field: str,
) -> None:
    course = lms.course(owner)
    summary, [kept] = await lms.bank(owner, course, short_answers(1))
    data = uc.NewQuestion(
        question_text="Q",
        question_type=kind,
        options=options,
        correct_answer=answer,
        tolerance=tolerance,
        points=points,
    )
    with pytest.raises(InvalidField) as e:
        await lms.add_bank_question(actor=owner, bank_id=summary.bank.id, data=data)
    assert e.value.field == field
    assert set(lms.state.bank_questions) == {kept.id}
    changes = uc.QuestionChanges(
        question_type=kind, options=options, correct_answer=answer, tolerance=tolerance, points=points
    )
    with pytest.raises(InvalidField) as e:
        await lms.update_bank_question(
            actor=owner, bank_id=summary.bank.id, question_id=kept.id, changes=changes
        )
    assert e.value.field == field
    assert lms.state.bank_questions[kept.id].question_type is SHORT


async def test_updating_a_bank_question_changes_only_the_given_fields(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    summary, [first, second] = await lms.bank(owner, course, short_answers(2))
    bank_id = summary.bank.id
    lms.clock.advance(seconds=3)
    changed = await lms.update_bank_question(
        actor=owner,
        bank_id=bank_id,
        question_id=first.id,
        changes=uc.QuestionChanges(question_text="New?", points=4),
    )
    assert (changed.question_text, changed.points, changed.correct_answer) == ("New?", 4, "a0")
    assert (changed.bank_id, changed.order) == (bank_id, first.order)
    assert lms.state.question_banks[bank_id].updated_at == lms.clock.now()
    as_essay = await lms.update_bank_question(
        actor=owner, bank_id=bank_id, question_id=second.id, changes=uc.QuestionChanges(question_type=ESSAY)
    )
    assert (as_essay.question_type, as_essay.correct_answer) == (ESSAY, None)


async def test_a_question_of_another_bank_or_none_is_404(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    mine, [question] = await lms.bank(owner, course, short_answers(1))
    other, _ = await lms.bank(owner, course, short_answers(1))
    quiz = await lms.quiz(owner, course, publish=False)
    for bank_id, question_id in (
        (other.bank.id, question.id),
        (mine.bank.id, uuid.uuid4()),
        (mine.bank.id, quiz.questions[0].id),
    ):
        with pytest.raises(NotFound):
            await lms.update_bank_question(
                actor=owner, bank_id=bank_id, question_id=question_id, changes=uc.QuestionChanges(points=3)
            )
        with pytest.raises(NotFound):
            await lms.delete_bank_question(actor=owner, bank_id=bank_id, question_id=question_id)
    assert lms.state.bank_questions[question.id].points == 1
    assert len(lms.state.questions) == 4


# --- who may do what --------------------------------------------------------------------------------


Call = Callable[[], Awaitable[object]]


def bank_calls(
    lms: Assessment, caller: Actor, course: CourseRef, bank_id: uuid.UUID, question_id: uuid.UUID
) -> list[tuple[str, Call]]:
    """Every bank use case once, reads then writes, as (name, call) pairs."""
    new = short_answers(1, prefix="Mine")[0]
    return [
        ("list", lambda: lms.list_banks(actor=caller, course_id=course.id, page=ALL)),
        ("get", lambda: lms.get_bank(actor=caller, bank_id=bank_id)),
        ("questions", lambda: lms.list_bank_questions(actor=caller, bank_id=bank_id, page=ALL)),
        ("create", lambda: lms.create_bank(actor=caller, course_id=course.id, title="Mine")),
        ("rename", lambda: lms.update_bank(actor=caller, bank_id=bank_id, changes=uc.BankChanges(title="M"))),
        ("add", lambda: lms.add_bank_question(actor=caller, bank_id=bank_id, data=new)),
        (
            "update",
            lambda: lms.update_bank_question(
                actor=caller, bank_id=bank_id, question_id=question_id, changes=uc.QuestionChanges(points=9)
            ),
        ),
        (
            "delete_question",
            lambda: lms.delete_bank_question(actor=caller, bank_id=bank_id, question_id=question_id),
        ),
        (
            "regrade",
            lambda: lms.regrade(
                actor=caller, bank_id=bank_id, question_id=question_id, correct_answer="x", reason="r"
            ),
        ),
        ("delete", lambda: lms.delete_bank(actor=caller, bank_id=bank_id)),
    ]


READS = {"list", "get", "questions"}


async def test_a_teaching_assistant_reads_banks_and_may_change_nothing(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    summary, [question] = await lms.bank(owner, course, short_answers(1))
    ta = lms.staff(course, StaffRole.TEACHING_ASSISTANT)
    before = lms.state.snapshot()
    for name, call in bank_calls(lms, ta, course, summary.bank.id, question.id):
        if name in READS:
            await call()
        else:
            with pytest.raises(Forbidden):
                await call()
    read = await lms.list_bank_questions(actor=ta, bank_id=summary.bank.id, page=ALL)
    assert read.items[0].correct_answer == "a0"  # teaching assistants see keys
    after = lms.state.snapshot()
    assert (after["question_banks"], after["bank_questions"]) == (
        before["question_banks"],
        before["bank_questions"],
    )


@pytest.mark.parametrize("published", [True, False])
@pytest.mark.parametrize(
    "outsider", ["enrolled_student", "other_instructor", "staff_of_another_course", "stranger"]
)
async def test_everyone_else_is_told_no_bank_exists(
    lms: Assessment, owner: Actor, outsider: str, published: bool
) -> None:
    course = lms.course(owner, published=published)
    summary, [question] = await lms.bank(owner, course, short_answers(1))
    await lms.quiz(owner, course, questions=[], question_pools=[uc.Pool(bank_id=summary.bank.id, count=1)])
    caller = who(lms, course, owner, outsider)
    for _, call in bank_calls(lms, caller, course, summary.bank.id, question.id):
        with pytest.raises(NotFound):
            await call()
    assert len(lms.state.question_banks) == 1
    assert lms.state.bank_questions[question.id].points == 1


async def test_an_unknown_course_or_bank_is_404(lms: Assessment, owner: Actor, admin: Actor) -> None:
    for caller in (owner, admin):
        with pytest.raises(NotFound):
            await lms.create_bank(actor=caller, course_id=uuid.uuid4(), title="B")
        with pytest.raises(NotFound):
            await lms.list_banks(actor=caller, course_id=uuid.uuid4(), page=ALL)
        for name, call in bank_calls(lms, caller, lms.course(owner), uuid.uuid4(), uuid.uuid4()):
            if name not in ("list", "create"):
                with pytest.raises(NotFound):
                    await call()
    assert lms.state.question_banks == {}


# --- pools --------------------------------------------------------------------------------------


async def test_a_quiz_draws_from_banks_of_its_course(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    first, _ = await lms.bank(owner, course, short_answers(3))
    second, _ = await lms.bank(owner, course, short_answers(2))
    pools = [uc.Pool(bank_id=first.bank.id, count=2), uc.Pool(bank_id=second.bank.id, count=2)]
    view = await lms.quiz(owner, course, questions=[], question_pools=pools)  # published
    assert view.quiz.is_published
    assert view.quiz.question_pools == tuple(pools)
    assert view.questions == ()  # its own: none
    changed = await lms.update_quiz(
        actor=owner, quiz_id=view.quiz.id, changes=uc.QuizChanges(question_pools=[pools[1]])
    )
    assert changed.quiz.question_pools == (pools[1],)
    assert lms.state.quizzes[view.quiz.id].question_pools == (pools[1],)


@pytest.mark.parametrize("case", ["count_0", "count_too_big", "unknown", "other_course", "twice", "too_many"])
async def test_invalid_pools_are_422_on_create_and_update(lms: Assessment, owner: Actor, case: str) -> None:
    course = lms.course(owner)
    mine, _ = await lms.bank(owner, course, short_answers(2))
    foreign, _ = await lms.bank(owner, lms.course(owner), short_answers(2))
    many = (
        [(await lms.bank(owner, course, short_answers(1)))[0] for _ in range(POOLS_MAX + 1)]
        if case == "too_many"
        else []
    )
    pools = {
        "count_0": [uc.Pool(bank_id=mine.bank.id, count=0)],
        "count_too_big": [uc.Pool(bank_id=mine.bank.id, count=DRAW_MAX + 1)],
        "unknown": [uc.Pool(bank_id=uuid.uuid4(), count=1)],
        "other_course": [uc.Pool(bank_id=foreign.bank.id, count=1)],
        "twice": [uc.Pool(bank_id=mine.bank.id, count=1), uc.Pool(bank_id=mine.bank.id, count=1)],
        "too_many": [uc.Pool(bank_id=b.bank.id, count=1) for b in many],
    }[case]
    with pytest.raises(InvalidField) as e:
        await lms.quiz(owner, course, publish=False, question_pools=pools)
    assert e.value.field == "question_pools"
    assert lms.state.quizzes == {}
    draft = await lms.quiz(owner, course, publish=False)
    with pytest.raises(InvalidField) as e:
        await lms.update_quiz(
            actor=owner, quiz_id=draft.quiz.id, changes=uc.QuizChanges(question_pools=pools)
        )
    assert e.value.field == "question_pools"
    assert lms.state.quizzes[draft.quiz.id].question_pools == ()


async def test_twenty_pools_are_accepted(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    banks = [(await lms.bank(owner, course, short_answers(1)))[0] for _ in range(POOLS_MAX)]
    view = await lms.quiz(owner, course, questions=[], question_pools=[uc.Pool(b.bank.id, 1) for b in banks])
    assert len(view.quiz.question_pools) == POOLS_MAX


async def test_a_quiz_with_neither_questions_nor_pools_is_not_published(
    lms: Assessment, owner: Actor
) -> None:
    course = lms.course(owner)
    empty = await lms.quiz(owner, course, publish=False, questions=[])
    with pytest.raises(InvalidRequest):
        await lms.publish_quiz(actor=owner, quiz_id=empty.quiz.id)
    with pytest.raises(InvalidRequest):
        await lms.update_quiz(actor=owner, quiz_id=empty.quiz.id, changes=uc.QuizChanges(is_published=True))
    assert not lms.state.quizzes[empty.quiz.id].is_published
    summary, _ = await lms.bank(owner, course, short_answers(1))
    await lms.update_quiz(
        actor=owner,
        quiz_id=empty.quiz.id,
        changes=uc.QuizChanges(question_pools=[uc.Pool(summary.bank.id, 1)], is_published=True),
    )
    assert lms.state.quizzes[empty.quiz.id].is_published


async def test_a_pool_asking_more_than_its_bank_has_is_400(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    summary, _ = await lms.bank(owner, course, short_answers(2))
    bank_id = summary.bank.id
    greedy = await lms.quiz(owner, course, publish=False, questions=[], question_pools=[uc.Pool(bank_id, 3)])
    quiz_id = greedy.quiz.id
    with pytest.raises(InvalidRequest):
        await lms.publish_quiz(actor=owner, quiz_id=quiz_id)
    with pytest.raises(InvalidRequest):
        await lms.update_quiz(actor=owner, quiz_id=quiz_id, changes=uc.QuizChanges(is_published=True))
    assert not lms.state.quizzes[quiz_id].is_published
    await lms.add_bank_question(actor=owner, bank_id=bank_id, data=short_answers(1, prefix="R")[0])
    assert (await lms.publish_quiz(actor=owner, quiz_id=quiz_id)).quiz.is_published
    # the pools of a published quiz are checked again when they change
    for pools in ([uc.Pool(bank_id, 4)], []):
        with pytest.raises(InvalidRequest):
            await lms.update_quiz(actor=owner, quiz_id=quiz_id, changes=uc.QuizChanges(question_pools=pools))
        assert lms.state.quizzes[quiz_id].question_pools == (uc.Pool(bank_id, 3),)
    await lms.update_quiz(
        actor=owner, quiz_id=quiz_id, changes=uc.QuizChanges(question_pools=[uc.Pool(bank_id, 1)])
    )
    # an unpublished quiz may ask for more than there is until it is published
    await lms.update_quiz(
        actor=owner,
        quiz_id=quiz_id,
        changes=uc.QuizChanges(is_published=False, question_pools=[uc.Pool(bank_id, 9)]),
    )
    assert lms.state.quizzes[quiz_id].question_pools == (uc.Pool(bank_id, 9),)


async def test_a_bank_a_quiz_draws_from_is_not_deleted(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    summary, questions = await lms.bank(owner, course, short_answers(2))
    bank_id = summary.bank.id
    draft = await lms.quiz(owner, course, publish=False, question_pools=[uc.Pool(bank_id, 1)])
    with pytest.raises(Conflict):
        await lms.delete_bank(actor=owner, bank_id=bank_id)
    assert bank_id in lms.state.question_banks
    assert {q.id for q in questions} <= set(lms.state.bank_questions)
    await lms.update_quiz(actor=owner, quiz_id=draft.quiz.id, changes=uc.QuizChanges(question_pools=[]))
    await lms.delete_bank(actor=owner, bank_id=bank_id)
    assert lms.state.question_banks == {}
    assert lms.state.bank_questions == {}


async def test_a_bank_question_a_published_pool_needs_is_not_deleted(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    summary, questions = await lms.bank(owner, course, short_answers(3))
    bank_id = summary.bank.id
    await lms.quiz(owner, course, publish=False, question_pools=[uc.Pool(bank_id, 3)])  # a draft: no matter
    view = await lms.quiz(owner, course, question_pools=[uc.Pool(bank_id, 2)])
    await lms.delete_bank_question(actor=owner, bank_id=bank_id, question_id=questions[0].id)
    with pytest.raises(Conflict):
        await lms.delete_bank_question(actor=owner, bank_id=bank_id, question_id=questions[1].id)
    assert set(lms.state.bank_questions) == {questions[1].id, questions[2].id}
    await lms.update_quiz(actor=owner, quiz_id=view.quiz.id, changes=uc.QuizChanges(is_published=False))
    await lms.delete_bank_question(actor=owner, bank_id=bank_id, question_id=questions[1].id)
    assert set(lms.state.bank_questions) == {questions[2].id}


async def test_a_published_quiz_with_pools_may_delete_its_last_own_question(
    lms: Assessment, owner: Actor
) -> None:
    course = lms.course(owner)
    summary, _ = await lms.bank(owner, course, short_answers(1))
    own = short_answers(1, prefix="Own")
    with_pool = await lms.quiz(owner, course, questions=own, question_pools=[uc.Pool(summary.bank.id, 1)])
    await lms.delete_question(actor=owner, quiz_id=with_pool.quiz.id, question_id=with_pool.questions[0].id)
    assert not any(q.quiz_id == with_pool.quiz.id for q in lms.state.questions.values())
    without = await lms.quiz(owner, course, questions=own)
    with pytest.raises(InvalidRequest):
        await lms.delete_question(actor=owner, quiz_id=without.quiz.id, question_id=without.questions[0].id)


# --- drawing ------------------------------------------------------------------------------------------


async def test_each_attempt_gets_the_own_questions_and_count_distinct_ones_per_pool(
    lms: Assessment, owner: Actor
) -> None:
    course = lms.course(owner)
    first, first_questions = await lms.bank(owner, course, short_answers(6, prefix="A"))
    second, second_questions = await lms.bank(owner, course, short_answers(4, prefix="B"))
    view = await lms.quiz(
        owner,
        course,
        questions=short_answers(2, prefix="Own"),
        question_pools=[uc.Pool(first.bank.id, 3), uc.Pool(second.bank.id, 1)],
    )
    own = [q.id for q in view.questions]
    in_first, in_second = {q.id for q in first_questions}, {q.id for q in second_questions}
    draws = []
    for _ in range(6):
        started = await lms.start(actor=lms.enrolled_student(course), quiz_id=view.quiz.id)
        ids = started.attempt.question_order
        assert ids[:2] == own  # own questions first, in order
        drawn_first, drawn_second = ids[2:5], ids[5:]
        assert len(set(drawn_first)) == 3 and set(drawn_first) <= in_first
        assert len(drawn_second) == 1 and set(drawn_second) <= in_second
        assert [q.id for q in started.questions] == ids
        assert started.attempt.points_total == 6
        draws.append(frozenset(ids))
    assert len(set(draws)) > 1  # not every student is given the same questions


async def test_students_never_see_the_keys_of_drawn_questions(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    summary, _ = await lms.bank(owner, course, short_answers(3))
    view = await lms.quiz(owner, course, questions=[], question_pools=[uc.Pool(summary.bank.id, 2)])
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    done = await lms.submit(actor=student, attempt_id=started.attempt.id, answers=[])
    fetched = await lms.get_attempt(actor=student, attempt_id=started.attempt.id)
    for seen in (started, done, fetched):
        assert [(q.correct_answer, q.bank_id) for q in seen.questions] == [(None, summary.bank.id)] * 2
        assert [q.question_text for q in seen.questions] == [
            lms.state.bank_questions[i].question_text for i in started.attempt.question_order
        ]
    for reader in (owner, lms.staff(course, StaffRole.TEACHING_ASSISTANT)):
        shown = await lms.get_attempt(actor=reader, attempt_id=started.attempt.id)
        assert all(q.correct_answer is not None for q in shown.questions)


async def test_an_answer_to_a_bank_question_not_drawn_is_422(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    summary, questions = await lms.bank(owner, course, short_answers(4))
    view = await lms.quiz(owner, course, questions=[], question_pools=[uc.Pool(summary.bank.id, 2)])
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    given = started.attempt.question_order
    [left_out, *_] = [q for q in questions if q.id not in given]
    with pytest.raises(InvalidField) as e:
        await lms.submit(
            actor=student,
            attempt_id=started.attempt.id,
            answers=[SubmittedAnswer(question_id=left_out.id, answer="a0")],
        )
    assert e.value.field == "answers"
    assert lms.state.attempts[started.attempt.id].is_open
    keys = {q.id: q.correct_answer for q in questions}
    done = await lms.submit(
        actor=student,
        attempt_id=started.attempt.id,
        answers=[SubmittedAnswer(question_id=i, answer=keys[i]) for i in given],
    )
    assert done.attempt.score == 100.0


async def test_changing_or_deleting_bank_questions_after_the_start_changes_nothing_in_the_attempt(
    lms: Assessment, owner: Actor
) -> None:
    course = lms.course(owner)
    summary, _ = await lms.bank(owner, course, short_answers(3))
    bank_id = summary.bank.id
    view = await lms.quiz(owner, course, questions=[], question_pools=[uc.Pool(bank_id, 2)])
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    changed, deleted = started.attempt.question_order
    old_key = lms.state.bank_questions[changed].correct_answer
    gone_key = lms.state.bank_questions[deleted].correct_answer
    await lms.update_bank_question(
        actor=owner,
        bank_id=bank_id,
        question_id=changed,
        changes=uc.QuestionChanges(question_text="Changed", correct_answer="other", points=50),
    )
    await lms.update_quiz(
        actor=owner, quiz_id=view.quiz.id, changes=uc.QuizChanges(question_pools=[uc.Pool(bank_id, 1)])
    )
    await lms.delete_bank_question(actor=owner, bank_id=bank_id, question_id=deleted)
    shown = await lms.get_attempt(actor=student, attempt_id=started.attempt.id)
    assert shown.questions == started.questions
    done = await lms.submit(
        actor=student,
        attempt_id=started.attempt.id,
        answers=[
            SubmittedAnswer(question_id=changed, answer=old_key),
            SubmittedAnswer(question_id=deleted, answer=gone_key),
        ],
    )
    assert done.attempt.score == 100.0
    assert [r.points_earned for r in done.attempt.answers] == [Fraction(1), Fraction(1)]
    assert done.questions == started.questions


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    counts=st.lists(st.integers(1, 6), min_size=3, max_size=3),
    own=st.integers(0, 2),
    shuffle=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
async def test_draws_are_always_distinct_and_of_the_pools_sizes(
    sizes: list[int], counts: list[int], own: int, shuffle: bool, seed: int
) -> None:
    lms = Assessment(rng=random.Random(seed))
    owner = actor(Role.INSTRUCTOR)
    course = lms.course(owner)
    banks = [await lms.bank(owner, course, short_answers(n, prefix=f"B{b}-")) for b, n in enumerate(sizes)]
    pools = [uc.Pool(s.bank.id, min(c, len(qs))) for (s, qs), c in zip(banks, counts, strict=False)]
    view = await lms.quiz(
        owner,
        course,
        questions=short_answers(own, prefix="Own"),
        question_pools=pools,
        shuffle_questions=shuffle,
    )
    for _ in range(3):
        started = await lms.start(actor=lms.enrolled_student(course), quiz_id=view.quiz.id)
        ids = started.attempt.question_order
        assert len(ids) == len(set(ids)) == own + sum(p.count for p in pools)
        assert {q.id for q in view.questions} <= set(ids)
        for pool, (_, questions) in zip(pools, banks, strict=False):
            assert len(set(ids) & {q.id for q in questions}) == pool.count

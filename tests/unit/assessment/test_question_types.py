"""Numeric and ordering questions and a quiz's scoring, through the use cases: what is refused
(422 with its field), what is kept, and how a partial quiz grades an attempt."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from lms_domain.assessment import use_cases as uc
from lms_domain.assessment.entities import QuestionType, Scoring
from lms_domain.shared.actors import Actor
from lms_domain.shared.errors import InvalidField
from tests.unit.assessment.harness import Assessment, answers_for

NUM, ORD, MS, SA = (
    QuestionType.NUMERIC,
    QuestionType.ORDERING,
    QuestionType.MULTIPLE_SELECT,
    QuestionType.SHORT_ANSWER,
)


@pytest.mark.parametrize(
    ("kind", "options", "answer", "tolerance", "field"),
    [
        (NUM, None, "abc", None, "correct_answer"),
        (NUM, None, "3e-1", None, "correct_answer"),
        (NUM, None, "1,5", None, "correct_answer"),
        (NUM, None, "", None, "correct_answer"),
        (NUM, None, ".", None, "correct_answer"),
        (NUM, None, "nan", None, "correct_answer"),
        (NUM, None, "1" * 51, None, "correct_answer"),
        (NUM, None, ["1"], None, "correct_answer"),
        (NUM, ["1", "2"], "1", None, "options"),
        (NUM, None, "1", -0.5, "tolerance"),
        (NUM, None, "1", math.nan, "tolerance"),
        (NUM, None, "1", math.inf, "tolerance"),
        (NUM, None, "1", 10**15 + 1, "tolerance"),
        (NUM, None, "1", "0.5", "tolerance"),
        (NUM, None, "1", True, "tolerance"),
        (SA, None, "x", 0, "tolerance"),
        (MS, ["a", "b"], ["a"], 0.5, "tolerance"),
        (ORD, ["a", "b", "c"], ["a", "b"], None, "correct_answer"),
        (ORD, ["a", "b", "c"], ["a", "b", "c", "a"], None, "correct_answer"),
        (ORD, ["a", "b", "c"], ["a", "b", "b"], None, "correct_answer"),
        (ORD, ["a", "b", "c"], ["a", "b", "d"], None, "correct_answer"),
        (ORD, ["a", "b", "c"], "a", None, "correct_answer"),
        (ORD, ["a", "b", "c"], [], None, "correct_answer"),
        (ORD, ["a"], ["a"], None, "options"),
        (ORD, ["a", "a"], ["a", "a"], None, "options"),
        (ORD, None, ["a", "b"], None, "options"),
        (ORD, ["a", " "], ["a", " "], None, "options"),
        (ORD, ["a", "b"], ["a", "b"], 0, "tolerance"),
        (MS, ["a", "b"], [], None, "correct_answer"),
    ],
)
async def test_invalid_new_questions_are_422_with_the_field(
    lms: Assessment,
    owner: Actor,
    kind: QuestionType,
    options: list[str] | None,
    answer: object,
    tolerance: object,
    field: str,
) -> None:
    course = lms.course(owner)
    question = uc.NewQuestion(
        question_text="Q",
        question_type=kind,
        options=options,
        correct_answer=answer,  # type: ignore[arg-type]
        tolerance=tolerance,  # type: ignore[arg-type]
    )
    with pytest.raises(InvalidField) as e:
        await lms.quiz(owner, course, publish=False, questions=[question])
    assert e.value.field == field
    assert (lms.state.quizzes, lms.state.questions) == ({}, {})
    draft = await lms.quiz(owner, course, publish=False, questions=[])
    with pytest.raises(InvalidField) as e:
        await lms.add_question(actor=owner, quiz_id=draft.quiz.id, data=question)
    assert e.value.field == field
    assert lms.state.questions == {}


async def test_numeric_and_ordering_questions_are_kept_as_given(lms: Assessment, owner: Actor) -> None:
    questions = [
        uc.NewQuestion(question_text="pi?", question_type=NUM, correct_answer=" 3.14 ", tolerance=0.01),
        uc.NewQuestion(question_text="e?", question_type=NUM, correct_answer="+2.718"),
        uc.NewQuestion(
            question_text="big", question_type=NUM, correct_answer="-" + "9" * 49, tolerance=10**15
        ),
        uc.NewQuestion(
            question_text="Sort", question_type=ORD, options=["c", "a", "b"], correct_answer=["a", "b", "c"]
        ),
    ]
    view = await lms.quiz(owner, lms.course(owner), publish=False, questions=questions)
    assert [(q.correct_answer, q.tolerance) for q in view.questions] == [
        ("3.14", Decimal("0.01")),
        ("+2.718", Decimal(0)),
        ("-" + "9" * 49, Decimal(10**15)),
        (["a", "b", "c"], None),
    ]
    assert view.questions[3].options == ("c", "a", "b")
    assert view.quiz.scoring is Scoring.ALL_OR_NOTHING


async def test_tolerance_follows_the_question_type_on_update(lms: Assessment, owner: Actor) -> None:
    numeric = uc.NewQuestion(question_text="n", question_type=NUM, correct_answer="10", tolerance=0.5)
    view = await lms.quiz(owner, lms.course(owner), publish=False, questions=[numeric])
    quiz_id, question_id = view.quiz.id, view.questions[0].id

    async def update(**fields: object) -> uc.QuestionChanges:
        changes = uc.QuestionChanges(**fields)  # type: ignore[arg-type]
        await lms.update_question(actor=owner, quiz_id=quiz_id, question_id=question_id, changes=changes)
        return changes

    await update(tolerance=2.5)
    assert lms.state.questions[question_id].tolerance == Decimal("2.5")
    for bad in ({"tolerance": -1}, {"correct_answer": "ten"}, {"options": ["1", "2"]}):
        with pytest.raises(InvalidField) as e:
            await update(**bad)
        assert e.value.field == next(iter(bad))
    assert lms.state.questions[question_id].tolerance == Decimal("2.5")
    await update(question_type=SA, correct_answer="ten")  # no longer numeric: no tolerance
    assert lms.state.questions[question_id].tolerance is None
    with pytest.raises(InvalidField) as e:
        await update(tolerance=1)
    assert e.value.field == "tolerance"
    await update(question_type=NUM, correct_answer="10")  # numeric again: 0 unless given
    assert lms.state.questions[question_id].tolerance == Decimal(0)
    await update(question_type=ORD, options=["x", "y"], correct_answer=["y", "x"])
    assert (lms.state.questions[question_id].tolerance, lms.state.questions[question_id].options) == (
        None,
        ["x", "y"],
    )


async def test_scoring_is_validated_and_may_change_like_other_fields(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    with pytest.raises(InvalidField) as e:
        await lms.quiz(owner, course, publish=False, scoring="half")
    assert e.value.field == "scoring"
    view = await lms.quiz(owner, course, scoring=Scoring.PARTIAL)  # published
    assert view.quiz.scoring is Scoring.PARTIAL
    changed = await lms.update_quiz(
        actor=owner, quiz_id=view.quiz.id, changes=uc.QuizChanges(scoring=Scoring.ALL_OR_NOTHING)
    )
    assert changed.quiz.scoring is Scoring.ALL_OR_NOTHING
    with pytest.raises(InvalidField) as e:
        await lms.update_quiz(actor=owner, quiz_id=view.quiz.id, changes=uc.QuizChanges(scoring="some"))  # type: ignore[arg-type]
    assert e.value.field == "scoring"
    assert lms.state.quizzes[view.quiz.id].scoring is Scoring.ALL_OR_NOTHING


def mixed_questions() -> list[uc.NewQuestion]:
    """12 points: numeric (2), multiple select (3 of 5 right, 3), ordering (4 items, 4), short (3)."""
    return [
        uc.NewQuestion(question_text="g", question_type=NUM, correct_answer="9.81", tolerance=0.01, points=2),
        uc.NewQuestion(
            question_text="primes",
            question_type=MS,
            options=["2", "3", "4", "5", "6"],
            correct_answer=["2", "3", "5"],
            points=3,
        ),
        uc.NewQuestion(
            question_text="sort",
            question_type=ORD,
            options=["d", "c", "b", "a"],
            correct_answer=["a", "b", "c", "d"],
            points=4,
        ),
        uc.NewQuestion(question_text="cap", question_type=SA, correct_answer="Paris", points=3),
    ]


@pytest.mark.parametrize(
    ("scoring", "earned", "correct", "score", "passed"),
    [
        # numeric 9.8 is 0.01 away: right; 2 right and 1 wrong of 3: 1/3 x 3; 2 of 4 in place: 2/4 x 4
        (Scoring.PARTIAL, [2, 1, 2, 0], [True, False, False, False], 41.67, True),
        (Scoring.ALL_OR_NOTHING, [2, 0, 0, 0], [True, False, False, False], 16.67, False),
    ],
)
async def test_a_partial_quiz_grades_choices_and_orderings_partly(
    lms: Assessment,
    owner: Actor,
    scoring: Scoring,
    earned: list[int],
    correct: list[bool],
    score: float,
    passed: bool,
) -> None:
    course = lms.course(owner)
    view = await lms.quiz(
        owner, course, questions=mixed_questions(), scoring=scoring, passing_score_percentage=41.67
    )
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    answers = answers_for(view, {0: " 9.80 ", 1: ["2", "5", "4"], 2: ["a", "b", "d", "c"]})
    done = await lms.submit(actor=student, attempt_id=started.attempt.id, answers=answers)
    results = done.attempt.answers
    assert [r.points_earned for r in results] == [Fraction(e) for e in earned]
    assert [r.correct for r in results] == correct
    assert (done.attempt.score, done.attempt.passed) == (score, passed)
    assert lms.state.attempts[done.attempt.id] == done.attempt


async def test_a_scoring_change_applies_to_attempts_submitted_after_it(lms: Assessment, owner: Actor) -> None:
    course = lms.course(owner)
    view = await lms.quiz(owner, course, questions=mixed_questions())
    student = lms.enrolled_student(course)
    started = await lms.start(actor=student, quiz_id=view.quiz.id)
    await lms.update_quiz(actor=owner, quiz_id=view.quiz.id, changes=uc.QuizChanges(scoring=Scoring.PARTIAL))
    answers = answers_for(view, {2: ["a", "b", "d", "c"]})
    done = await lms.submit(actor=student, attempt_id=started.attempt.id, answers=answers)
    assert done.attempt.score == 16.67  # 2 of 12 points

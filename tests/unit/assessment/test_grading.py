"""Grading rules, as examples and as properties over generated quizzes and answers."""

from __future__ import annotations

import random
import string
import uuid
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lms_domain.assessment.entities import Question, QuestionType, draw_question_order
from lms_domain.assessment.grading import (
    SubmittedAnswer,
    grade_answer,
    grade_submission,
    is_correct,
    passes,
    score_percentage,
)
from lms_domain.shared.errors import InvalidField

OPTION = st.text(alphabet=string.ascii_letters + string.digits + " éß", min_size=1, max_size=12).filter(
    lambda s: bool(s.strip())
)
POINTS = st.integers(min_value=1, max_value=1000)
THRESHOLD = st.one_of(st.integers(min_value=0, max_value=100), st.floats(min_value=0, max_value=100))


def make(kind: QuestionType, options: list[str] | None, answer: object, points: int = 1) -> Question:
    return Question.create(
        id=uuid.uuid4(),
        quiz_id=uuid.UUID(int=0),
        question_text="Q",
        question_type=kind,
        options=options,
        correct_answer=answer,
        points=points,
        order=1,
    )


@st.composite
def questions(draw: st.DrawFn) -> Question:
    kind = draw(st.sampled_from(QuestionType))
    points = draw(POINTS)
    if kind is QuestionType.TRUE_FALSE:
        return make(kind, None, draw(st.sampled_from(["true", "false"])), points)
    if kind is QuestionType.SHORT_ANSWER:
        return make(kind, None, draw(OPTION), points)
    options = draw(st.lists(OPTION, min_size=2, max_size=8, unique=True))
    if kind is QuestionType.MULTIPLE_CHOICE:
        return make(kind, options, draw(st.sampled_from(options)), points)
    chosen = draw(st.lists(st.sampled_from(options), min_size=1, unique=True))
    return make(kind, options, chosen, points)


def right_answer(q: Question) -> str | list[str]:
    answer = q.correct_answer
    return list(answer) if isinstance(answer, list) else answer


@st.composite
def any_answer(draw: st.DrawFn, q: Question) -> object:
    """Right, wrong, missing or wrong-shaped answers."""
    candidates: list[object] = [None, right_answer(q), draw(OPTION), [draw(OPTION)], draw(st.lists(OPTION))]
    if q.options:
        candidates.append(draw(st.sampled_from(q.options)))
        candidates.append(draw(st.lists(st.sampled_from(q.options))))
    return draw(st.sampled_from(candidates))


@st.composite
def quizzes_with_answers(draw: st.DrawFn) -> tuple[list[Question], list[SubmittedAnswer]]:
    qs = draw(st.lists(questions(), min_size=1, max_size=8))
    answers = []
    for q in qs:
        if draw(st.booleans()):
            answers.append(SubmittedAnswer(question_id=q.id, answer=draw(any_answer(q))))  # type: ignore[arg-type]
    return qs, draw(st.permutations(answers))


@given(quizzes_with_answers(), THRESHOLD)
def test_grading_stays_within_the_total_and_0_to_100(
    quiz: tuple[list[Question], list[SubmittedAnswer]], threshold: float
) -> None:
    qs, answers = quiz
    grade = grade_submission(qs, answers, threshold)
    assert grade.points_total == sum(q.points for q in qs)
    assert 0 <= grade.points_earned <= grade.points_total
    assert 0 <= grade.score <= 100
    assert [r.question_id for r in grade.answers] == [q.id for q in qs]
    assert all(r.points_earned in (0, q.points) for r, q in zip(grade.answers, qs, strict=True))
    assert all(r.correct == (r.points_earned > 0) for r in grade.answers)
    assert grade.passed == (Decimal(repr(grade.score)) >= Decimal(repr(threshold)))


@given(st.lists(questions(), min_size=1, max_size=8), THRESHOLD)
def test_a_fully_correct_submission_scores_100_and_passes(qs: list[Question], threshold: float) -> None:
    answers = [SubmittedAnswer(question_id=q.id, answer=right_answer(q)) for q in qs]
    grade = grade_submission(qs, answers, threshold)
    assert (grade.score, grade.passed, grade.points_earned) == (100.0, True, grade.points_total)


@given(st.lists(questions(), min_size=1, max_size=8))
def test_an_empty_submission_scores_0(qs: list[Question]) -> None:
    grade = grade_submission(qs, [], 0)
    assert (grade.score, grade.points_earned) == (0.0, 0)
    assert all(r.answer is None and not r.correct for r in grade.answers)
    assert grade.passed is True  # 0 >= 0
    assert grade_submission(qs, [], 0.01).passed is False


@given(st.data())
def test_multiple_select_gives_full_points_only_for_the_exact_set(data: st.DataObject) -> None:
    options = data.draw(st.lists(OPTION, min_size=2, max_size=8, unique=True))
    correct = data.draw(st.lists(st.sampled_from(options), min_size=1, unique=True))
    q = make(QuestionType.MULTIPLE_SELECT, options, correct, points=data.draw(POINTS))
    answer = data.draw(st.lists(st.sampled_from(options), max_size=12))
    result = grade_answer(q, answer)
    assert result.correct == (set(answer) == set(correct))
    assert result.points_earned == (q.points if set(answer) == set(correct) else 0)
    shuffled_with_repeats = data.draw(st.permutations([*correct, *correct[:1]]))
    assert grade_answer(q, shuffled_with_repeats).points_earned == q.points


def vary_case(text: str, flips: list[bool]) -> str:
    padded = flips + [False] * len(text)
    return "".join(
        c.upper() if flip else c.lower() for c, flip in zip(text, padded[: len(text)], strict=True)
    )


@given(
    OPTION,
    st.lists(st.booleans()),
    st.text(alphabet=" \t\n", max_size=3),
    st.text(alphabet=" \t", max_size=3),
)
def test_short_answers_ignore_case_and_surrounding_space(
    correct: str, flips: list[bool], before: str, after: str
) -> None:
    q = make(QuestionType.SHORT_ANSWER, None, correct)
    assert is_correct(q, before + vary_case(correct, flips) + after)
    assert not is_correct(q, correct.strip() + "x")
    assert not is_correct(q, [correct])


@given(st.data())
def test_choice_answers_match_an_option_exactly(data: st.DataObject) -> None:
    options = data.draw(st.lists(OPTION, min_size=2, max_size=8, unique=True))
    correct = data.draw(st.sampled_from(options))
    q = make(QuestionType.MULTIPLE_CHOICE, options, correct)
    picked = data.draw(st.sampled_from(options))
    assert is_correct(q, picked) == (picked == correct)
    assert not is_correct(q, " " + correct)
    if correct.swapcase() != correct:
        assert not is_correct(q, correct.swapcase())


@pytest.mark.parametrize(
    ("kind", "options", "correct", "answer"),
    [
        (QuestionType.MULTIPLE_CHOICE, ["a", "b"], "a", ["a"]),
        (QuestionType.TRUE_FALSE, None, "true", ["true"]),
        (QuestionType.SHORT_ANSWER, None, "x", ["x"]),
        (QuestionType.MULTIPLE_SELECT, ["a", "b"], ["a"], "a"),
        (QuestionType.TRUE_FALSE, None, "true", "True"),
        (QuestionType.TRUE_FALSE, None, "false", " false"),
    ],
)
def test_wrong_shaped_or_inexact_answers_earn_0(
    kind: QuestionType, options: list[str] | None, correct: object, answer: object
) -> None:
    result = grade_answer(make(kind, options, correct, points=5), answer)  # type: ignore[arg-type]
    assert (result.correct, result.points_earned) == (False, 0)


@pytest.mark.parametrize(
    ("earned", "total", "score"),
    [
        (0, 10, 0.0),
        (10, 10, 100.0),
        (7, 10, 70.0),
        (1, 3, 33.33),
        (2, 3, 66.67),
        (1, 8, 12.5),
        (1, 800, 0.13),  # 0.125: half up
        (1, 1600, 0.06),  # 0.0625
        (6999, 10000, 69.99),
        (69995, 100000, 70.0),  # 69.995: half up, never 69.99 from binary drift
        (0, 0, 0.0),
    ],
)
def test_score_rounds_half_up_to_2_decimals(earned: int, total: int, score: float) -> None:
    assert score_percentage(earned, total) == score


@given(st.integers(min_value=1, max_value=10**7).flatmap(lambda t: st.tuples(st.integers(0, t), st.just(t))))
def test_score_matches_exact_decimal_rounding(pair: tuple[int, int]) -> None:
    earned, total = pair
    with localcontext() as ctx:
        ctx.prec = 60
        expected = (Decimal(earned) * 100 / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert score_percentage(earned, total) == float(expected)


@pytest.mark.parametrize(
    ("earned", "total", "threshold", "passed"),
    [
        (7, 10, 70, True),
        (7, 10, 70.0, True),
        (6999, 10000, 70, False),
        (1, 3, 33.33, True),
        (1, 3, 33.34, False),
        (2, 3, 66.67, True),
        (0, 5, 0, True),
        (5, 5, 100, True),
    ],
)
def test_pass_and_fail_exactly_at_the_threshold(
    earned: int, total: int, threshold: float, passed: bool
) -> None:
    assert passes(score_percentage(earned, total), threshold) is passed


@given(st.integers(min_value=1, max_value=5000).flatmap(lambda t: st.tuples(st.integers(0, t), st.just(t))))
def test_a_score_passes_its_own_threshold_and_fails_one_hundredth_above(pair: tuple[int, int]) -> None:
    score = score_percentage(*pair)
    assert passes(score, score)
    above = float(Decimal(repr(score)) + Decimal("0.01"))
    assert not passes(score, above)


@given(st.lists(questions(), min_size=1, max_size=5), st.uuids())
def test_an_answer_to_a_question_not_in_the_quiz_is_422(qs: list[Question], stranger: uuid.UUID) -> None:
    assume(stranger not in {q.id for q in qs})
    with pytest.raises(InvalidField) as e:
        grade_submission(qs, [SubmittedAnswer(question_id=stranger, answer="x")], 50)
    assert e.value.field == "answers"


@given(st.lists(st.uuids(), unique=True, max_size=30), st.integers())
def test_shuffling_is_a_permutation(ids: list[uuid.UUID], seed: int) -> None:
    shuffled = draw_question_order(ids, shuffle=True, rng=random.Random(seed))
    assert sorted(shuffled) == sorted(ids)
    assert len(shuffled) == len(ids)
    assert draw_question_order(ids, shuffle=False, rng=random.Random(seed)) == ids

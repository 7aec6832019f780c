"""Grading rules, as examples and as properties over generated quizzes and answers."""

from __future__ import annotations

import random
import string
import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lms_domain.assessment.entities import (
    Attempt,
    GradingStatus,
    Pool,
    Question,
    QuestionChanges,
    QuestionType,
    Scoring,
    draw_questions,
)
from lms_domain.assessment.grading import (
    SubmittedAnswer,
    grade_answer,
    grade_by_hand,
    grade_submission,
    is_correct,
    passes,
    points_earned,
    regrade_question,
    round_hundredths,
    score_percentage,
)
from lms_domain.shared.errors import InvalidField

OPTION = st.text(alphabet=string.ascii_letters + string.digits + " éß", min_size=1, max_size=12).filter(
    lambda s: bool(s.strip())
)
POINTS = st.integers(min_value=1, max_value=1000)
THRESHOLD = st.one_of(st.integers(min_value=0, max_value=100), st.floats(min_value=0, max_value=100))
SCORING = st.sampled_from(Scoring)
DECIMAL_TEXT = st.decimals(
    min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False, places=6
).map(lambda d: format(d, "f"))
TOLERANCE = st.sampled_from([0, 0.5, 1, 0.001, 2.25, 1e-07])
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def make(
    kind: QuestionType, options: list[str] | None, answer: object, points: int = 1, tolerance: object = None
) -> Question:
    return Question.create(
        id=uuid.uuid4(),
        quiz_id=uuid.UUID(int=0),
        question_text="Q",
        question_type=kind,
        options=options,
        correct_answer=answer,
        points=points,
        order=1,
        tolerance=tolerance,
    )


@st.composite
def questions(draw: st.DrawFn) -> Question:
    kind = draw(st.sampled_from([k for k in QuestionType if k is not QuestionType.ESSAY]))
    points = draw(POINTS)
    if kind is QuestionType.TRUE_FALSE:
        return make(kind, None, draw(st.sampled_from(["true", "false"])), points)
    if kind is QuestionType.SHORT_ANSWER:
        return make(kind, None, draw(OPTION), points)
    if kind is QuestionType.NUMERIC:
        return make(kind, None, draw(DECIMAL_TEXT), points, draw(TOLERANCE))
    options = draw(st.lists(OPTION, min_size=2, max_size=8, unique=True))
    if kind is QuestionType.MULTIPLE_CHOICE:
        return make(kind, options, draw(st.sampled_from(options)), points)
    if kind is QuestionType.ORDERING:
        return make(kind, options, draw(st.permutations(options)), points)
    chosen = draw(st.lists(st.sampled_from(options), min_size=1, unique=True))
    return make(kind, options, chosen, points)


def right_answer(q: Question) -> str | list[str]:
    answer = q.correct_answer
    return list(answer) if isinstance(answer, list) else answer or ""


@st.composite
def any_answer(draw: st.DrawFn, q: Question) -> object:
    """Right, wrong, missing or wrong-shaped answers."""
    candidates: list[object] = [None, right_answer(q), draw(OPTION), [draw(OPTION)], draw(st.lists(OPTION))]
    if q.options:
        candidates.append(draw(st.sampled_from(q.options)))
        candidates.append(draw(st.lists(st.sampled_from(q.options))))
        candidates.append(draw(st.permutations(q.options)))
    if q.question_type is QuestionType.NUMERIC:
        candidates.append(draw(DECIMAL_TEXT))
    return draw(st.sampled_from(candidates))


@st.composite
def quizzes_with_answers(draw: st.DrawFn) -> tuple[list[Question], list[SubmittedAnswer]]:
    qs = draw(st.lists(questions(), min_size=1, max_size=8))
    answers = []
    for q in qs:
        if draw(st.booleans()):
            answers.append(SubmittedAnswer(question_id=q.id, answer=draw(any_answer(q))))  # type: ignore[arg-type]
    return qs, draw(st.permutations(answers))


def exact_score(earned: Fraction, total: int) -> float:
    """earned / total x 100 rounded half up to 2 decimals, by Decimal at high precision."""
    with localcontext() as ctx:
        ctx.prec = 80
        value = Decimal(earned.numerator) * 100 / (Decimal(earned.denominator) * total)
        return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@given(quizzes_with_answers(), THRESHOLD, SCORING)
def test_grading_stays_within_the_total_and_0_to_100(
    quiz: tuple[list[Question], list[SubmittedAnswer]], threshold: float, scoring: Scoring
) -> None:
    qs, answers = quiz
    grade = grade_submission(qs, answers, threshold, scoring=scoring)
    assert grade.points_total == sum(q.points for q in qs)
    assert 0 <= grade.points_earned <= grade.points_total
    assert grade.points_earned == sum(r.points_earned for r in grade.answers)
    assert grade.score is not None and 0 <= grade.score <= 100
    assert grade.score == exact_score(grade.points_earned, grade.points_total)
    assert [r.question_id for r in grade.answers] == [q.id for q in qs]
    assert all(0 <= r.points_earned <= q.points for r, q in zip(grade.answers, qs, strict=True))
    assert all(r.correct == (r.points_earned == q.points) for r, q in zip(grade.answers, qs, strict=True))
    if scoring is Scoring.ALL_OR_NOTHING:
        assert all(r.points_earned in (0, q.points) for r, q in zip(grade.answers, qs, strict=True))
    assert grade.passed == (Decimal(repr(grade.score)) >= Decimal(repr(threshold)))


def same_as_key(q: Question, answer: object) -> bool:
    """Whether ``answer`` is the key, read the way its type reads it (a set, trimmed text, a number)."""
    key = q.correct_answer
    kind = q.question_type
    if kind is QuestionType.MULTIPLE_SELECT:
        return isinstance(answer, list) and set(answer) == set(key or [])
    if kind is QuestionType.ORDERING:
        return answer == key
    if not isinstance(answer, str):
        return False
    if kind is QuestionType.SHORT_ANSWER:
        return answer.strip().casefold() == str(key).strip().casefold()
    if kind is QuestionType.NUMERIC:
        text = answer.strip()
        if len(text) > 50 or not text or any(c not in "+-.0123456789" for c in text):
            return False
        try:
            value = Decimal(text)
        except ArithmeticError:
            return False
        assert q.tolerance is not None
        return abs(Fraction(value) - Fraction(str(key))) <= q.tolerance
    return answer == key


@given(quizzes_with_answers(), SCORING)
def test_full_marks_only_for_the_key(
    quiz: tuple[list[Question], list[SubmittedAnswer]], scoring: Scoring
) -> None:
    qs, answers = quiz
    given_answers = {a.question_id: a.answer for a in answers}
    grade = grade_submission(qs, answers, 50, scoring=scoring)
    for q, result in zip(qs, grade.answers, strict=True):
        answer = given_answers.get(q.id)
        assert result.correct == (answer is not None and same_as_key(q, answer))
        assert result.correct == (result.points_earned == q.points)


@given(st.lists(questions(), min_size=1, max_size=8), THRESHOLD, SCORING)
def test_a_fully_correct_submission_scores_100_and_passes(
    qs: list[Question], threshold: float, scoring: Scoring
) -> None:
    answers = [SubmittedAnswer(question_id=q.id, answer=right_answer(q)) for q in qs]
    grade = grade_submission(qs, answers, threshold, scoring=scoring)
    assert (grade.score, grade.passed, grade.points_earned) == (100.0, True, Fraction(grade.points_total))
    assert all(r.correct for r in grade.answers)


@given(st.lists(questions(), min_size=1, max_size=8))
def test_an_empty_submission_scores_0(qs: list[Question]) -> None:
    grade = grade_submission(qs, [], 0)
    assert (grade.score, grade.points_earned) == (0.0, Fraction(0))
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
    assert (result.correct, result.points_earned) == (False, Fraction(0))


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


@given(
    st.lists(questions(), max_size=8), st.lists(st.integers(0, 12), max_size=4), st.integers(), st.booleans()
)
def test_an_attempt_gets_its_own_questions_and_distinct_draws_from_each_pool(
    own: list[Question], bank_sizes: list[int], seed: int, shuffle: bool
) -> None:
    def bank_question(bank: int, n: int) -> Question:
        return make(QuestionType.SHORT_ANSWER, None, f"b{bank}q{n}", 1)

    banks = [[bank_question(b, n) for n in range(size)] for b, size in enumerate(bank_sizes)]
    pools = [
        (Pool(bank_id=uuid.uuid4(), count=1 + (size + b) % 5), bank)
        for b, (size, bank) in enumerate(zip(bank_sizes, banks, strict=True))
    ]
    given_ = draw_questions(own, pools, shuffle=shuffle, rng=random.Random(seed))
    ids = [q.id for q in given_]
    assert len(ids) == len(set(ids))
    for pool, bank in pools:
        drawn = [q for q in given_ if q in bank]
        assert len(drawn) == min(pool.count, len(bank))
    assert sorted(q.id for q in given_ if q in own) == sorted(q.id for q in own)
    if not shuffle:
        assert given_[: len(own)] == own
    # the same seed draws the same questions (tests and replays are deterministic)
    assert draw_questions(own, pools, shuffle=shuffle, rng=random.Random(seed)) == given_


# --- essays, hand grading and regrades -------------------------------------------------------


def status_of(attempt: Attempt) -> GradingStatus | None:
    return attempt.grading_status


def essay(points: int) -> Question:
    return make(QuestionType.ESSAY, None, None, points)


ESSAY_ANSWER = st.one_of(
    st.none(), st.just(""), st.just("   "), st.text(min_size=1, max_size=20), st.just(["a"])
)


@given(st.lists(questions(), max_size=5), st.lists(st.tuples(POINTS, ESSAY_ANSWER), min_size=1, max_size=4))
def test_an_answered_essay_leaves_the_attempt_without_a_score_until_graded(
    auto: list[Question], essays: list[tuple[int, object]]
) -> None:
    essay_qs = [essay(points) for points, _ in essays]
    answers = [
        SubmittedAnswer(question_id=q.id, answer=a)  # type: ignore[arg-type]
        for q, (_, a) in zip(essay_qs, essays, strict=True)
    ]
    grade = grade_submission([*auto, *essay_qs], answers, 50)
    pending = [r for r in grade.answers if r.pending]
    answered = [q for q, (_, a) in zip(essay_qs, essays, strict=True) if isinstance(a, str) and a.strip()]
    assert [r.question_id for r in pending] == [q.id for q in answered]
    assert all(
        r.points_earned == 0 and not r.correct
        for r in grade.answers
        if r.question_id in {q.id for q in essay_qs}
    )
    if pending:
        assert (grade.score, grade.passed) == (None, None)
    else:
        assert grade.score is not None
        assert 0 <= grade.score <= 100


@given(
    st.lists(questions(), max_size=4),
    st.lists(st.tuples(POINTS, st.integers(0, 1000), st.integers(1, 4)), min_size=1, max_size=3),
)
def test_hand_grades_score_the_attempt_once_nothing_is_pending(
    auto: list[Question], essays: list[tuple[int, int, int]]
) -> None:
    essay_qs = [essay(points) for points, _, _ in essays]
    qs = [*auto, *essay_qs]
    grade = grade_submission(qs, [SubmittedAnswer(question_id=q.id, answer="my essay") for q in essay_qs], 50)
    attempt = Attempt(
        id=uuid.uuid4(), quiz_id=uuid.uuid4(), student_id=uuid.uuid4(), started_at=NOW, questions=qs
    )
    attempt.submit(answers=grade.answers, score=grade.score, passed=grade.passed, now=NOW)
    assert attempt.grading_status is GradingStatus.PENDING_REVIEW
    given_points = []
    for n, (q, (points, share, divisor)) in enumerate(zip(essay_qs, essays, strict=True)):
        assert attempt.score is None
        awarded = Fraction(min(share, points * divisor), divisor)  # 0..points, often a fraction
        given_points.append(awarded)
        grade_by_hand(attempt, q.id, awarded, f"feedback {n}", 50)
    assert status_of(attempt) is GradingStatus.GRADED
    earned = sum((r.points_earned for r in grade.answers if not r.pending), Fraction(0)) + sum(given_points)
    assert attempt.score == score_percentage(earned, sum(q.points for q in qs))
    assert attempt.passed == passes(attempt.score, 50)
    assert [a.feedback for a in attempt.answers if a.question_id in {q.id for q in essay_qs}] == [
        f"feedback {n}" for n in range(len(essay_qs))
    ]


@given(st.lists(questions(), min_size=1, max_size=5), st.data())
def test_a_regrade_with_the_students_answer_as_key_gives_full_points_and_never_lowers_others(
    qs: list[Question], data: st.DataObject
) -> None:
    answers = [SubmittedAnswer(question_id=q.id, answer=data.draw(any_answer(q))) for q in qs]  # type: ignore[arg-type]
    grade = grade_submission(qs, answers, 50)
    attempt = Attempt(
        id=uuid.uuid4(), quiz_id=uuid.uuid4(), student_id=uuid.uuid4(), started_at=NOW, questions=qs
    )
    attempt.submit(answers=grade.answers, score=grade.score, passed=grade.passed, now=NOW)
    target = data.draw(st.sampled_from(qs))
    given_answer = next(a.answer for a in answers if a.question_id == target.id)
    # the same key again changes nothing
    regrade_question(attempt, target, Scoring.ALL_OR_NOTHING, 50)
    assert attempt.score == grade.score
    try:
        rekeyed = target.apply(QuestionChanges(correct_answer=given_answer))
    except InvalidField:
        return  # not a valid key for this question: a regrade refuses it (422)
    before = {a.question_id: a.points_earned for a in attempt.answers}
    regrade_question(attempt, rekeyed, Scoring.ALL_OR_NOTHING, 50)
    after = {a.question_id: a.points_earned for a in attempt.answers}
    assert is_correct(rekeyed, given_answer)
    assert after[target.id] == target.points
    assert all(after[i] == before[i] for i in before if i != target.id)
    assert attempt.score is not None and attempt.score >= (grade.score or 0)
    assert attempt.question(target.id) == rekeyed


# --- partial credit -----------------------------------------------------------------------------


@st.composite
def selections(draw: st.DrawFn) -> tuple[Question, list[str]]:
    """A multiple_select question with at least one wrong option, and a pick among its options."""
    options = draw(st.lists(OPTION, min_size=2, max_size=10, unique=True))
    key = draw(st.lists(st.sampled_from(options), min_size=1, max_size=len(options) - 1, unique=True))
    q = make(QuestionType.MULTIPLE_SELECT, options, key, points=draw(POINTS))
    return q, draw(st.lists(st.sampled_from(options), max_size=12))


@given(selections())
def test_partial_multiple_select_follows_its_formula(case: tuple[Question, list[str]]) -> None:
    q, picked = case
    right = set(q.correct_answer or [])
    hits, misses = len(set(picked) & right), len(set(picked) - right)
    expected = q.points * max(Fraction(0), Fraction(hits - misses, len(right)))
    result = grade_answer(q, picked, Scoring.PARTIAL)
    assert result.points_earned == expected
    assert result.correct == (set(picked) == right)
    assert grade_answer(q, picked).points_earned == (q.points if set(picked) == right else 0)


@given(selections(), st.data())
def test_partial_multiple_select_grows_with_right_picks_and_shrinks_with_wrong_ones(
    case: tuple[Question, list[str]], data: st.DataObject
) -> None:
    q, picked = case
    before = points_earned(q, picked, Scoring.PARTIAL)
    key = q.correct_answer or []
    right_left = [o for o in key if o not in picked]
    wrong_left = [o for o in q.options if o not in key and o not in picked]
    if right_left:
        more_right = points_earned(q, [*picked, data.draw(st.sampled_from(right_left))], Scoring.PARTIAL)
        assert more_right >= before
        assert more_right > before or before == 0 or more_right == q.points
    if wrong_left:
        more_wrong = points_earned(q, [*picked, data.draw(st.sampled_from(wrong_left))], Scoring.PARTIAL)
        assert more_wrong <= before
        assert more_wrong < before or before == 0
    # an unknown text picked counts as a wrong choice; a repeat counts once
    assert points_earned(q, [*picked, *picked], Scoring.PARTIAL) == before
    assert points_earned(q, [*picked, "\x00not an option"], Scoring.PARTIAL) <= before


@given(st.data())
def test_partial_ordering_earns_the_share_of_items_in_their_place(data: st.DataObject) -> None:
    options = data.draw(st.lists(OPTION, min_size=2, max_size=10, unique=True))
    key = data.draw(st.permutations(options))
    q = make(QuestionType.ORDERING, options, key, points=data.draw(POINTS))
    answer = data.draw(st.permutations(options))
    in_place = sum(a == k for a, k in zip(answer, key, strict=True))
    result = grade_answer(q, answer, Scoring.PARTIAL)
    assert result.points_earned == Fraction(q.points * in_place, len(key))
    assert result.correct == (answer == key)
    assert grade_answer(q, answer).points_earned == (q.points if answer == key else 0)
    # a shorter arrangement: the places it leaves out are wrong
    cut = data.draw(st.integers(min_value=0, max_value=len(answer)))
    shorter = answer[:cut]
    assert points_earned(q, shorter, Scoring.PARTIAL) == Fraction(
        q.points * sum(a == k for a, k in zip(shorter, key, strict=False)), len(key)
    )
    # a repeated or an unknown item makes the whole answer wrong
    assert points_earned(q, [*answer, answer[0]], Scoring.PARTIAL) == 0
    assert points_earned(q, [*answer[:-1], answer[0]], Scoring.PARTIAL) == 0
    assert points_earned(q, [*answer, "\x00unknown"], Scoring.PARTIAL) == 0
    assert points_earned(q, " ".join(answer), Scoring.PARTIAL) == 0


def test_partial_examples() -> None:
    ms = make(QuestionType.MULTIPLE_SELECT, ["a", "b", "c", "d"], ["a", "b", "c"], points=3)
    assert [
        points_earned(ms, picked, Scoring.PARTIAL) for picked in (["a"], ["a", "b"], ["a", "d"], ["d"])
    ] == [
        Fraction(1),
        Fraction(2),
        Fraction(0),
        Fraction(0),
    ]
    order = make(QuestionType.ORDERING, ["1", "2", "3"], ["1", "2", "3"], points=2)
    assert points_earned(order, ["1", "3", "2"], Scoring.PARTIAL) == Fraction(2, 3)
    assert points_earned(order, ["3", "1", "2"], Scoring.PARTIAL) == 0
    assert points_earned(order, ["1"], Scoring.PARTIAL) == Fraction(2, 3)
    assert points_earned(order, [], Scoring.PARTIAL) == 0


def test_the_score_rounds_once_from_the_exact_points() -> None:
    """Three questions each earn 1/3 of a point: shown as 0.33 each, the score is 33.33, not 33.0."""
    qs = [make(QuestionType.ORDERING, ["a", "b", "c"], ["a", "b", "c"]) for _ in range(3)]
    answers = [SubmittedAnswer(question_id=q.id, answer=["a", "c", "b"]) for q in qs]
    grade = grade_submission(qs, answers, 33.33, scoring=Scoring.PARTIAL)
    assert [round_hundredths(r.points_earned) for r in grade.answers] == [0.33, 0.33, 0.33]
    assert grade.points_earned == 1
    assert (grade.score, grade.passed) == (33.33, True)
    assert (
        score_percentage(sum(Fraction(str(round_hundredths(r.points_earned))) for r in grade.answers), 3)
        == 33.0
    )


@given(
    st.lists(st.tuples(st.integers(1, 1000), st.integers(0, 20), st.integers(1, 20)), min_size=1, max_size=12)
)
def test_score_uses_the_exact_points_not_their_rounded_sum(parts: list[tuple[int, int, int]]) -> None:
    earned = sum((Fraction(p * min(k, d), d) for p, k, d in parts), Fraction(0))
    total = sum(p for p, _, _ in parts)
    assert score_percentage(earned, total) == exact_score(earned, total)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(1, 3), 0.33),
        (Fraction(2, 3), 0.67),
        (Fraction(1, 8), 0.13),  # 0.125: half up
        (Fraction(5, 1000), 0.01),
        (Fraction(49999, 10**7), 0.0),
        (Fraction(1000), 1000.0),
        (Fraction(2000, 3), 666.67),
        (0, 0.0),
    ],
)
def test_points_are_shown_rounded_half_up_to_2_decimals(value: Fraction, shown: float) -> None:
    assert round_hundredths(value) == shown


# --- numeric --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "tolerance", "answer", "right"),
    [
        ("0.3", 0, "0.30000000000000004", False),  # 0.1 + 0.2 in binary floating point
        ("0.3", 0, " +0.30 ", True),
        ("0.3", 0, "0.3", True),
        ("0.3", 0, ".3", True),
        ("3", 0, "3.", True),
        ("-2.5", 0, "-2.50", True),
        ("0", 0, "-0", True),
        ("0.3", 0, "3e-1", False),  # no exponents
        ("0.3", 0, "0,3", False),  # no decimal comma
        ("1000", 0, "1,000", False),
        ("1000", 0, "1 000", False),
        ("0.3", 0, "", False),
        ("0.3", 0, "   ", False),
        ("0.3", 0, ".", False),
        ("0.3", 0, "+", False),
        ("0.3", 0, "--0.3", False),
        ("0.3", 0, "nan", False),
        ("0.3", 0, "Infinity", False),
        ("3", 0, "\u0663", False),  # an Arabic-Indic three: ASCII digits only
        ("3", 0, "0x3", False),
        ("3", 0, "3/1", False),
        ("0.3", 0, ["0.3"], False),
        ("0.3", 0, "0." + "3" * 48, False),  # 50 characters, 0.0333... away
        ("0", 1, "0." + "0" * 47 + "1", True),  # 50 characters: read
        ("0", 1, "0." + "0" * 48 + "1", False),  # 51 characters: wrong, whatever its value
        ("10", 0.5, "10.5", True),  # the tolerance is inclusive
        ("10", 0.5, "9.5", True),
        ("10", 0.5, "10.500000000000000000000000001", False),
        ("10", 0.5, "9.499999999999999999999999999", False),
        ("0.3", 0.1, "0.4", True),  # exactly 0.1 away, though 0.4 - 0.3 > 0.1 in binary
        ("0.3", 0.1, "0.2", True),
        ("1", 1e-07, "1.0000001", True),
        ("1", 1e-07, "1.00000010000000000000000000000000000000000001", False),
        (
            "12345678901234567890123456789012345678901234567890",
            0,
            "12345678901234567890123456789012345678901234567890",
            True,
        ),
        (
            "12345678901234567890123456789012345678901234567890",
            0,
            "12345678901234567890123456789012345678901234567891",
            False,
        ),
    ],
)
def test_numeric_answers(key: str, tolerance: float, answer: object, right: bool) -> None:
    q = make(QuestionType.NUMERIC, None, key, points=4, tolerance=tolerance)
    for scoring in Scoring:
        result = grade_answer(q, answer, scoring)  # type: ignore[arg-type]
        assert (result.correct, result.points_earned) == (right, Fraction(4 if right else 0))


@given(DECIMAL_TEXT, st.decimals(min_value=0, max_value=10**6, places=4), st.sampled_from([1, -1]))
def test_numeric_tolerance_is_inclusive_and_exact(key: str, tolerance: Decimal, sign: int) -> None:
    q = make(QuestionType.NUMERIC, None, key, tolerance=float(tolerance))
    assert q.tolerance == Decimal(repr(float(tolerance)))
    assert q.tolerance is not None
    tiny = Decimal("1e-20")
    with localcontext() as ctx:
        ctx.prec = 100
        edge = Decimal(key) + sign * q.tolerance
        outside, inside = format(edge + sign * tiny, "f"), format(edge - sign * tiny, "f")
    assert is_correct(q, format(edge, "f"))
    assert not is_correct(q, outside)
    assert is_correct(q, inside) == (q.tolerance >= tiny and len(inside) <= 50)


@given(st.one_of(st.text(max_size=60), st.from_regex(r"\A\s*[+-]?[0-9]{0,20}\.?[0-9]{0,20}\s*\Z")))
def test_text_that_is_not_a_decimal_number_is_wrong_never_an_error(text: str) -> None:
    q = make(QuestionType.NUMERIC, None, "1", tolerance=10**15)
    stripped = text.strip()
    body = stripped[1:] if stripped[:1] in ("+", "-") else stripped
    digits = body.replace(".", "", 1)
    decimal_like = 0 < len(stripped) <= 50 and digits != "" and all(c in "0123456789" for c in digits)
    expected = decimal_like and abs(Decimal(stripped) - 1) <= 10**15
    assert grade_answer(q, text).correct == expected

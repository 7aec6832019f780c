"""Release rules on in-memory adapters: the met/not-met logic (with hypothesis), what each role
sees, completing and starting quizzes behind a rule, validation, and the cleanup when a named
lesson or quiz is deleted."""

from __future__ import annotations

import math
import uuid
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_domain.assessment import use_cases as quiz
from lms_domain.assessment.grading import SubmittedAnswer
from lms_domain.catalog import use_cases as cat
from lms_domain.catalog.entities import ContentType
from lms_domain.shared.errors import Conflict, InvalidField
from lms_domain.shared.pagination import PageRequest
from lms_domain.shared.release import (
    MAX_AFTER_LESSONS,
    LearnerProgress,
    QuizRequirement,
    ReleaseRule,
    waits_on_itself,
)
from tests.builders import RecordingStamp
from tests.unit.catalog.rules_harness import QUESTIONS, School, after, school

LESSONS = [UUID(int=n) for n in range(1, 7)]
QUIZ = UUID(int=100)


# --- the rule itself ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    required=st.sets(st.sampled_from(LESSONS)),
    completed=st.sets(st.sampled_from(LESSONS)),
    scores=st.lists(st.floats(min_value=0, max_value=100), max_size=4),
    min_score=st.none() | st.floats(min_value=0, max_value=100),
)
def test_a_rule_is_met_exactly_when_both_parts_are(
    required: set[UUID], completed: set[UUID], scores: list[float], min_score: float | None
) -> None:
    after_quiz = None if min_score is None else QuizRequirement(quiz_id=QUIZ, min_score=min_score)
    rule = ReleaseRule(after_lessons=tuple(sorted(required)), after_quiz=after_quiz)
    progress = LearnerProgress(
        completed_lesson_ids=frozenset(completed), best_scores={QUIZ: max(scores)} if scores else {}
    )
    lessons_met = required <= completed
    quiz_met = min_score is None or any(score >= min_score for score in scores)
    assert rule.is_met(progress) is (lessons_met and quiz_met)


@settings(max_examples=200, deadline=None)
@given(
    required=st.sets(st.sampled_from(LESSONS)),
    deleted=st.sets(st.sampled_from(LESSONS)),
    with_quiz=st.booleans(),
    quiz_deleted=st.booleans(),
)
def test_deleting_what_a_rule_names_leaves_the_rest_or_no_rule(
    required: set[UUID], deleted: set[UUID], with_quiz: bool, quiz_deleted: bool
) -> None:
    after_quiz = QuizRequirement(quiz_id=QUIZ, min_score=50) if with_quiz else None
    rule = ReleaseRule(after_lessons=tuple(sorted(required)), after_quiz=after_quiz)
    left = rule.without(lesson_ids=deleted, quiz_ids={QUIZ} if quiz_deleted else set())
    kept_lessons = tuple(sorted(required - deleted))
    kept_quiz = after_quiz if with_quiz and not quiz_deleted else None
    if not kept_lessons and kept_quiz is None:
        assert left is None
    else:
        assert left == ReleaseRule(after_lessons=kept_lessons, after_quiz=kept_quiz)


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (ReleaseRule(after_lessons=(LESSONS[0], LESSONS[0])), "release_rule.after_lessons"),
        (ReleaseRule(after_lessons=(LESSONS[1],)), "release_rule.after_lessons"),  # the lesson itself
        (ReleaseRule(after_lessons=tuple(uuid.uuid4() for _ in range(101))), "release_rule.after_lessons"),
        (ReleaseRule(after_quiz=QuizRequirement(QUIZ, -0.01)), "release_rule.after_quiz.min_score"),
        (ReleaseRule(after_quiz=QuizRequirement(QUIZ, 100.01)), "release_rule.after_quiz.min_score"),
        (ReleaseRule(after_quiz=QuizRequirement(QUIZ, math.nan)), "release_rule.after_quiz.min_score"),
        (ReleaseRule(after_quiz=QuizRequirement(QUIZ, math.inf)), "release_rule.after_quiz.min_score"),
    ],
)
def test_what_needs_no_store_is_checked_by_the_rule(rule: ReleaseRule, field: str) -> None:
    with pytest.raises(InvalidField) as refused:
        rule.validated(LESSONS[1])
    assert refused.value.field == field


def test_limits_and_the_empty_rule() -> None:
    full = ReleaseRule(after_lessons=tuple(uuid.uuid4() for _ in range(MAX_AFTER_LESSONS)))
    assert full.validated(LESSONS[0]) == full
    for edge in (0, 100):
        rule = ReleaseRule(after_quiz=QuizRequirement(QUIZ, edge))
        assert rule.validated(LESSONS[0]) == rule
    assert ReleaseRule().validated(LESSONS[0]) is None  # a rule naming nothing is no rule


def test_waiting_on_itself_follows_lessons_and_quizzes() -> None:
    a, b, c = LESSONS[:3]
    rules = {b: ReleaseRule(after_lessons=(c,)), c: ReleaseRule(after_quiz=QuizRequirement(QUIZ, 1))}
    assert not waits_on_itself(a, ReleaseRule(after_lessons=(b,)), rules, {QUIZ: None})
    assert waits_on_itself(a, ReleaseRule(after_lessons=(b,)), rules, {QUIZ: a})  # c waits for a's quiz
    assert waits_on_itself(c, ReleaseRule(after_lessons=(b,)), rules, {})  # c -> b -> c
    assert waits_on_itself(a, ReleaseRule(after_quiz=QuizRequirement(QUIZ, 1)), {}, {QUIZ: a})
    assert not waits_on_itself(a, ReleaseRule(after_quiz=QuizRequirement(QUIZ, 1)), {}, {QUIZ: b})


# --- through the use cases: met or not, by completions and graded attempts -------------------------


@settings(max_examples=25, deadline=None)
@given(
    required=st.sets(st.integers(min_value=1, max_value=3)),
    completed=st.sets(st.integers(min_value=1, max_value=3)),
    right=st.lists(st.integers(min_value=0, max_value=QUESTIONS), max_size=2),
    min_score=st.none() | st.sampled_from([0, 25, 40, 50, 75, 100]),
)
async def test_a_student_sees_a_lesson_locked_exactly_while_its_rule_is_not_met(
    required: set[int], completed: set[int], right: list[int], min_score: int | None
) -> None:
    s = await school(4)
    gated, others = s.lessons[0], s.lessons[1:]
    quiz_id = None if min_score is None else s.quiz_id
    await s.set_rule(
        gated, after(*(s.lessons[n] for n in sorted(required)), quiz_id=quiz_id, min_score=min_score or 0)
    )
    for n in sorted(completed):
        await s.complete(s.lessons[n])
    for r in right:
        await s.attempt(r)
    met = required <= completed and (
        min_score is None or any(100 * r / QUESTIONS >= min_score for r in right)
    )
    shown = await s.shown(s.enrolled)
    assert [lesson.locked for lesson in shown] == [not met] + [False] * len(others)
    assert (shown[0].content, shown[0].video_url) == (("words", "https://v.io/x") if met else (None, None))
    if met:
        assert (await s.complete(gated)).lesson_id == gated.id
    else:
        with pytest.raises(Conflict, match="Lesson is locked"):
            await s.complete(gated)


async def test_an_open_attempt_counts_for_nothing_and_the_best_graded_one_counts() -> None:
    s = await school(2)
    await s.set_rule(s.lessons[1], after(quiz_id=s.quiz_id, min_score=75))
    await s.attempt(2)  # 50
    opened = await s.start()(actor=s.enrolled, quiz_id=s.quiz_id)  # open: no score yet
    assert await s.locked(s.enrolled) == [False, True]
    right = [SubmittedAnswer(question_id=q.id, answer="4") for q in opened.questions]
    await quiz.SubmitAttempt(s.uow(), s.clock)(actor=s.enrolled, attempt_id=opened.attempt.id, answers=right)
    assert await s.locked(s.enrolled) == [False, False]
    await s.attempt(1)  # a worse attempt later does not lock it again
    assert await s.locked(s.enrolled) == [False, False]


async def test_unlocking_after_completing_lessons_and_reaching_the_score() -> None:
    s = await school(3)
    first, second, gated = s.lessons
    await s.set_rule(gated, after(first, second, quiz_id=s.quiz_id, min_score=50))
    assert await s.locked(s.enrolled) == [False, False, True]
    await s.complete(first)
    await s.complete(second)
    assert await s.locked(s.enrolled) == [False, False, True]  # both parts must be met
    await s.attempt(1)  # 25
    assert await s.locked(s.enrolled) == [False, False, True]
    await s.attempt(2)  # 50: min_score is inclusive
    assert await s.locked(s.enrolled) == [False, False, False]
    lesson = await s.get_lesson(actor=s.enrolled, lesson_id=gated.id)
    assert (lesson.locked, lesson.content) == (False, "words")


# --- who is locked out ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "locked", "material"),
    [
        ("enrolled", True, False),
        ("student", False, False),  # not enrolled: the rule does not apply to them
        ("owner", False, True),
        ("co_instructor", False, True),
        ("teaching_assistant", False, True),
        ("admin", False, True),
        ("other_instructor", False, False),
    ],
)
@pytest.mark.parametrize("preview", [False, True])
async def test_only_enrolled_students_are_locked_out(
    who: str, locked: bool, material: bool, preview: bool
) -> None:
    s = await school(2)
    gated = s.lessons[1]
    await s.update_lesson(actor=s.owner, lesson_id=gated.id, changes=cat.LessonChanges(is_preview=preview))
    await s.set_rule(gated, after(s.lessons[0]))
    caller = s.people[who]
    listed = (await s.shown(caller))[1]
    got = await s.get_lesson(actor=caller, lesson_id=gated.id)
    outline = (await s.get_course(actor=caller, course_id=s.course_id)).lessons[1]
    sees = not locked and (material or preview)  # a rule overrides is_preview
    for lesson in (listed, got):
        assert lesson.locked is locked, who
        assert (lesson.content is not None, lesson.video_url is not None) == (sees, sees), who
    assert outline.locked is locked


async def test_anonymous_callers_keep_the_preview_rules() -> None:
    s = await school(2)
    await s.update_lesson(
        actor=s.owner, lesson_id=s.lessons[1].id, changes=cat.LessonChanges(is_preview=True)
    )
    await s.set_rule(s.lessons[1], after(s.lessons[0]))
    shown = await s.shown(None)
    assert [(v.locked, v.content) for v in shown] == [(False, None), (False, "words")]


async def test_editors_staff_and_admins_enrolled_are_never_locked_out() -> None:
    s = await school(2)
    await s.set_rule(s.lessons[1], after(s.lessons[0]))
    quiz_id = await s.new_quiz(lesson_id=s.lessons[1].id)
    for who in ("co_instructor", "teaching_assistant", "admin"):
        member = s.people[who]
        enrollment = await s.enroll(actor=member, course_id=s.course_id)
        assert await s.locked(member) == [False, False], who
        await s.complete_lesson(actor=member, enrollment_id=enrollment.id, lesson_id=s.lessons[1].id)
        assert (await s.start()(actor=member, quiz_id=quiz_id)).attempt.student_id == member.user_id


async def test_a_quiz_attached_to_a_locked_lesson_does_not_start() -> None:
    s = await school(2)
    quiz_id = await s.new_quiz(lesson_id=s.lessons[1].id)
    await s.set_rule(s.lessons[1], after(s.lessons[0]))
    with pytest.raises(Conflict, match="locked"):
        await s.start()(actor=s.enrolled, quiz_id=quiz_id)
    assert not s.state.attempts
    await s.complete(s.lessons[0])
    assert (await s.attempt(4, quiz_id=quiz_id)).attempt.score == 100
    await s.start()(actor=s.enrolled, quiz_id=s.quiz_id)  # a quiz attached to no lesson: never locked


async def test_a_completed_lesson_locked_later_answers_409() -> None:
    s = await school(2)
    await s.complete(s.lessons[1])
    await s.set_rule(s.lessons[1], after(s.lessons[0]))
    with pytest.raises(Conflict):
        await s.complete(s.lessons[1])


# --- setting a rule: what is refused -------------------------------------------------------------


async def refused(s: School, rule: ReleaseRule, field: str, lesson: int = 1) -> None:
    """Refused (422 at ``field``), and the lesson keeps the rule it had."""
    before = s.state.release_rules.get(s.lessons[lesson].id)
    with pytest.raises(InvalidField) as error:
        await s.set_rule(s.lessons[lesson], rule)
    assert error.value.field == field
    assert s.state.release_rules.get(s.lessons[lesson].id) == before


async def test_a_rule_names_lessons_and_a_quiz_of_the_lesson_s_own_course() -> None:
    s = await school(3)
    other = await s.course(s.owner, "Other")
    foreign_lesson = await s.lesson(s.owner, other.id)
    foreign_quiz = await s.new_quiz(course_id=other.id)
    lessons = "release_rule.after_lessons"
    await refused(s, ReleaseRule(after_lessons=(uuid.uuid4(),)), lessons)
    await refused(s, ReleaseRule(after_lessons=(s.lessons[0].id, foreign_lesson.id)), lessons)
    await refused(s, ReleaseRule(after_lessons=(s.lessons[1].id,)), lessons)  # itself
    await refused(s, ReleaseRule(after_lessons=(s.lessons[0].id, s.lessons[0].id)), lessons)
    await refused(s, after(quiz_id=uuid.uuid4()), "release_rule.after_quiz.quiz_id")
    await refused(s, after(quiz_id=foreign_quiz), "release_rule.after_quiz.quiz_id")
    await refused(s, after(quiz_id=s.quiz_id, min_score=101), "release_rule.after_quiz.min_score")
    await refused(s, after(quiz_id=s.quiz_id, min_score=-1), "release_rule.after_quiz.min_score")


async def test_lessons_may_not_wait_for_each_other() -> None:
    s = await school(3)
    a, b, c = s.lessons
    await s.set_rule(b, after(a))
    await s.set_rule(c, after(b))
    await refused(s, after(c), "release_rule", lesson=0)  # a -> c -> b -> a
    attached = await s.new_quiz(lesson_id=c.id)
    await refused(s, after(quiz_id=attached), "release_rule", lesson=0)  # a waits for c's quiz
    await refused(s, after(quiz_id=attached), "release_rule", lesson=2)  # c waits for its own quiz
    assert (await s.set_rule(b, after(quiz_id=s.quiz_id))).release_rule == after(quiz_id=s.quiz_id)


async def test_set_on_create_kept_in_order_replaced_and_removed_by_null() -> None:
    s = await school(3)
    a, b, _ = s.lessons
    data = cat.NewLesson(title="Gated", content_type=ContentType.TEXT, release_rule=after(b, a))
    made = await s.create_lesson(actor=s.owner, course_id=s.course_id, data=data)
    assert made.release_rule == after(b, a)  # the order given
    assert (await s.get_lesson(actor=s.owner, lesson_id=made.id)).release_rule == after(b, a)
    changed = await s.update_lesson(
        actor=s.owner, lesson_id=made.id, changes=cat.LessonChanges(release_rule=after(quiz_id=s.quiz_id))
    )
    assert changed.release_rule == after(quiz_id=s.quiz_id)
    renamed = await s.update_lesson(actor=s.owner, lesson_id=made.id, changes=cat.LessonChanges(title="X"))
    assert renamed.release_rule == after(quiz_id=s.quiz_id)  # left out: kept
    assert (await s.set_rule(made, None)).release_rule is None
    assert (await s.set_rule(made, ReleaseRule())).release_rule is None  # naming nothing: no rule
    assert made.id not in s.state.release_rules
    bad = cat.NewLesson(title="Bad", content_type=ContentType.TEXT, release_rule=after(quiz_id=uuid.uuid4()))
    with pytest.raises(InvalidField):
        await s.create_lesson(actor=s.owner, course_id=s.course_id, data=bad)
    listed = await s.list_lessons(actor=s.owner, course_id=s.course_id, page=PageRequest(1, 100))
    assert [v.title for v in listed.items] == ["L0", "L1", "L2", "X"]  # nothing half made


# --- deleting what a rule names ------------------------------------------------------------------


async def test_deleting_a_named_lesson_or_quiz_removes_it_from_the_rule() -> None:
    s = await school(4)
    a, b, c, gated = s.lessons
    await s.set_rule(gated, after(a, b, quiz_id=s.quiz_id))
    await s.set_rule(c, after(a))
    await s.delete_lesson(actor=s.owner, lesson_id=a.id)
    rules = {v.title: v.release_rule for v in await s.shown(s.owner)}
    assert rules == {"L1": None, "L2": None, "L3": after(b, quiz_id=s.quiz_id)}  # c's rule is gone
    await quiz.DeleteQuiz(s.uow(), RecordingStamp())(actor=s.owner, quiz_id=s.quiz_id)
    assert (await s.get_lesson(actor=s.owner, lesson_id=gated.id)).release_rule == after(b)
    await s.delete_lesson(actor=s.owner, lesson_id=b.id)
    assert (await s.get_lesson(actor=s.owner, lesson_id=gated.id)).release_rule is None
    assert await s.locked(s.enrolled) == [False, False]


async def test_deleting_the_course_leaves_no_rule_behind() -> None:
    s = await school(2)
    await s.set_rule(s.lessons[1], after(s.lessons[0], quiz_id=s.quiz_id))
    await s.delete_course(actor=s.owner, course_id=s.course_id)
    assert s.state.release_rules == {}
